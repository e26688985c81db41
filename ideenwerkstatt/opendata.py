"""Open data: the licence of everything published for reuse (the API, summaries' JSON and
CSV) and the one way times are written there."""

from __future__ import annotations

import datetime as dt

LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE = {"name": "CC-BY-4.0", "url": LICENSE_URL}


def iso_utc(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with `Z`, to the second (2025-05-01T18:00:00Z)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
