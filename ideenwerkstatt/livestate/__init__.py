"""Live state of an event for the projector wall and phones: a per-event change version,
the wall's mode and timer, `live.json` with ETags, a Server-Sent Events stream and the
cross-process fan-out (PostgreSQL LISTEN/NOTIFY, Redis pub/sub, or a version poll on SQLite)."""
