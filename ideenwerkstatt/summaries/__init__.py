"""Summaries slice: curate an event's result and publish it (page, PDF, CSV, JSON)."""
