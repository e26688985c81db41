"""Accounts: registration with double opt-in, login, logout, password reset, roles."""
