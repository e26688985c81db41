"""Public pages: start, legal texts, language switch, health check."""

from .views import bp  # noqa: F401
