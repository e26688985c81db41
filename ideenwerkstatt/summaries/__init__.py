"""Summaries slice: curate an event's result and publish it (page, PDF, CSV, JSON)."""

from .views import bp  # noqa: F401
