"""Invitations to events (runs, the unsubscribe link) and reminders before them."""
