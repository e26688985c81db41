"""Moderation: the queue, decisions with reasons, rejection templates and the log."""

from .views import bp  # noqa: F401
