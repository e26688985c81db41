"""Invitations to events (runs, the unsubscribe link) and reminders before them."""

from .views import bp, organize_bp  # noqa: F401
