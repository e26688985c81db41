"""Merging duplicate ideas: one idea's supporters, dots and comments move to another; undo."""
