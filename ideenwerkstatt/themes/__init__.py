"""Themes: the topics ideas are filed under, kept by organizers."""
