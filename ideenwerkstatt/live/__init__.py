"""The evening (live session of an event): join by code or personal card from a phone, the
phone page, the organizer's set-up (code, QR code, cards)."""
