"""iCalendar (RFC 5545) files for events: one VEVENT in Europe/Berlin time, written by hand.

Written by hand rather than with a library: an event needs a dozen lines, and the only
subtle parts (text escaping, folding at 75 octets, CRLF, the time zone) are here and tested
against the `icalendar` parser in the tests.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

BERLIN = "Europe/Berlin"

# The rules Germany has followed since 1996 (EU summer time): from the last Sunday of March,
# 02:00 local, to the last Sunday of October, 03:00 local. RFC 5545 wants the definition of
# every TZID used in the file; calendar programs use it when they do not know the zone.
BERLIN_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Berlin",
    "X-LIC-LOCATION:Europe/Berlin",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)

CONTENT_TYPE = "text/calendar; method=PUBLISH"
FILENAME = "veranstaltung.ics"


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            # A continuation line starts with one space, which counts towards its 75 octets.
            current, size, limit = [], 0, 74
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _time_property(name: str, value: dt.datetime, zone: str) -> str:
    if zone == BERLIN:
        local = value.astimezone(ZoneInfo(BERLIN))
        return f"{name};TZID={BERLIN}:{local.strftime('%Y%m%dT%H%M%S')}"
    # Another zone configured: UTC times need no VTIMEZONE and are never ambiguous.
    return f"{name}:{_utc_stamp(value)}"


def event_uid(event, base_url: str) -> str:
    """The same UID in every file for one event, so calendars update instead of duplicate."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"event-{event.id}@{host}"


def event_calendar(
    event,
    *,
    url: str,
    base_url: str,
    stamp: dt.datetime,
    zone: str = BERLIN,
    description: str | None = None,
) -> str:
    """The .ics text for `event` (anything with id, title, place, starts_at, ends_at and
    updated_at, datetimes aware): a VCALENDAR with one VEVENT, its times in `zone`
    (Europe/Berlin with its VTIMEZONE; any other zone is written as UTC), CRLF line ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Ideenwerkstatt//Veranstaltungen//DE",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if zone == BERLIN:
        lines.extend(BERLIN_VTIMEZONE)
    # SEQUENCE grows with every change of the event, so an updated file replaces the old one.
    changed = getattr(event, "updated_at", None)
    sequence = int(changed.timestamp()) if changed is not None else 0
    lines += [
        "BEGIN:VEVENT",
        f"UID:{event_uid(event, base_url)}",
        f"DTSTAMP:{_utc_stamp(stamp)}",
        f"SEQUENCE:{max(sequence, 0)}",
        _time_property("DTSTART", event.starts_at, zone),
        _time_property("DTEND", event.ends_at, zone),
        f"SUMMARY:{escape_text(event.title)}",
    ]
    if event.place:
        lines.append(f"LOCATION:{escape_text(event.place)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines += [
        f"URL:{url}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def event_attachment(event, *, url: str, base_url: str, stamp: dt.datetime, zone: str) -> dict:
    """The .ics as an outbox attachment (`queue_mail(..., attachments=[...])`)."""
    return {
        "filename": FILENAME,
        "content_type": CONTENT_TYPE,
        "content": event_calendar(event, url=url, base_url=base_url, stamp=stamp, zone=zone),
    }
