"""The .ics file: RFC 5545 that a real parser reads, with the event's times in Europe/Berlin."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar

from ideenwerkstatt.ics import event_calendar, fold

BERLIN = ZoneInfo("Europe/Berlin")


def make(title="Hamm von Morgen: Mobilität", place="Rathaus, Saal 1; 2. OG", **times):
    return SimpleNamespace(
        id=7,
        title=title,
        place=place,
        starts_at=times.get("starts_at", dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)),
        ends_at=times.get("ends_at", dt.datetime(2026, 12, 5, 15, 30, tzinfo=dt.UTC)),
        updated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )


def parse(text):
    calendar = icalendar.Calendar.from_ical(text)
    return calendar, next(iter(calendar.walk("VEVENT")))


def test_parses_and_holds_the_event_times_in_berlin_time():
    text = event_calendar(
        make(),
        url="https://ideen.example.org/events/mobil",
        base_url="https://ideen.example.org",
        stamp=dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC),
    )
    calendar, vevent = parse(text)
    assert calendar["VERSION"] == "2.0"
    assert [c["TZID"] for c in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    assert start == dt.datetime(2026, 12, 5, 10, 0, tzinfo=BERLIN)  # winter: UTC+1
    assert end == dt.datetime(2026, 12, 5, 16, 30, tzinfo=BERLIN)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
    assert "DTSTART;TZID=Europe/Berlin:20261205T100000" in text
    assert str(vevent["UID"]) == "event-7@ideen.example.org"
    assert vevent.decoded("DTSTAMP") == dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    assert str(vevent["SUMMARY"]) == "Hamm von Morgen: Mobilität"
    assert str(vevent["LOCATION"]) == "Rathaus, Saal 1; 2. OG"  # escaped, read back whole
    assert str(vevent["URL"]) == "https://ideen.example.org/events/mobil"


def test_summer_time_and_crlf_and_folding():
    long_title = "Ideenwerkstatt " + "Öffentliche Räume und Soziale Stadt " * 4
    text = event_calendar(
        make(
            title=long_title,
            starts_at=dt.datetime(2026, 6, 1, 16, 0, tzinfo=dt.UTC),
            ends_at=dt.datetime(2026, 6, 1, 18, 0, tzinfo=dt.UTC),
        ),
        url="http://localhost/events/x",
        base_url="http://localhost",
        stamp=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    _calendar, vevent = parse(text)
    assert vevent.decoded("DTSTART") == dt.datetime(2026, 6, 1, 18, 0, tzinfo=BERLIN)  # UTC+2
    assert str(vevent["SUMMARY"]) == long_title


def test_fold_never_splits_a_character():
    line = "SUMMARY:" + "ä" * 80
    folded = fold(line)
    for part in folded.split("\r\n "):
        assert len(part.encode("utf-8")) <= 75
        part.encode("utf-8").decode("utf-8")
    assert folded.replace("\r\n ", "") == line


def test_registration_mail_carries_a_parsable_calendar(app, outbox):
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.registrations.services import register

    from ..factories import make_event, make_user

    event = make_event(title="Werkstatt, Teil 1", place="Stadtbücherei")
    user = make_user()
    register(user, event)
    db.session.commit()
    attachment = outbox(user_id=user.id)[0].attachments[0]
    assert attachment["content_type"].startswith("text/calendar")
    _calendar, vevent = parse(attachment["content"])
    assert vevent.decoded("DTSTART").astimezone(dt.UTC) == event.starts_at.replace(microsecond=0)
    assert vevent.decoded("DTEND").astimezone(dt.UTC) == event.ends_at.replace(microsecond=0)
    assert str(vevent["SUMMARY"]) == "Werkstatt, Teil 1"
    assert str(vevent["URL"]) == f"http://localhost/events/{event.slug}"
