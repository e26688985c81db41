"""Live state: versions, live.json, the stream, the fan-out across processes, the wall."""
