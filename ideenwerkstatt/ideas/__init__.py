"""Ideas slice."""
