"""Accounts: registration with double opt-in, login, logout, password reset, roles."""

from .views import bp  # noqa: F401
