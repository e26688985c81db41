"""Themes slice."""
