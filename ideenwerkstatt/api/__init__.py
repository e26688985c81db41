"""Api slice."""
