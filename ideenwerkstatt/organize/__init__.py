"""The organizers' area: themes and events (later: registrants and invitations)."""
