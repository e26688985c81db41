"""Votes slice."""
