"""Moderation: the queue, decisions with reasons, rejection templates and the log."""
