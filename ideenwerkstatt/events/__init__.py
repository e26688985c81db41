"""Events slice."""
