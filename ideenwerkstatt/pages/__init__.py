"""Public pages: start, legal texts, language switch, health check."""
