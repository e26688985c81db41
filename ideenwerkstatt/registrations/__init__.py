"""Registrations: signing up for an event, the waiting list, cancelling, attendance lists."""
