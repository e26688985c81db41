"""Comments on published ideas."""

from .views import bp  # noqa: F401
