"""Registrations: signing up for an event, the waiting list, cancelling, attendance lists."""

from .views import bp, organize_bp  # noqa: F401
