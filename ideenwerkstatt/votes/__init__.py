"""Votes: support votes or dots on published ideas, counts that never drift."""
