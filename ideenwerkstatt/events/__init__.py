"""Events: organizers plan them (phases, themes, places); the public event pages."""
