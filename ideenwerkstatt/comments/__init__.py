"""Comments on published ideas."""
