"""The organizers' area: themes and events (later: registrants and invitations)."""

from .views import bp  # noqa: F401
