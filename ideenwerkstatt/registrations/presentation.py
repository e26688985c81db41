"""How registrations read: the event page's box, names on the attendance list, CSV rows.

Data minimization: organizers see each registrant's display name (a pseudonym at most) or,
without one, "Teilnehmende #n", where n is the person's number (it is in their confirmation
mail, so they can say it at the door). No e-mail addresses: organizers reach registrants
through the platform's mails (confirmation, reminder), never through a list of addresses.
"""

from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from . import services
from .models import Registration, RegistrationStatus


def participant_name(registration: Registration) -> str:
    """The display name, or "Teilnehmende #n" (n: the registration's number)."""
    name = registration.user.display_name if registration.user is not None else None
    return name or _("Teilnehmende #%(number)s", number=registration.position)


def status_label(status: RegistrationStatus | str) -> str:
    return {
        RegistrationStatus.CONFIRMED: _("angemeldet"),
        RegistrationStatus.WAITING: _("Warteliste"),
        RegistrationStatus.CANCELLED: _("abgesagt"),
    }[RegistrationStatus(status)]


def registration_box(event: Event, user) -> dict:
    """What the event page shows about registering (two or three queries)."""
    counted = services.counts(event)
    mine = services.registration_of(user, event)
    if mine is not None and not mine.is_active:
        mine = None
    return {
        "open": services.registration_open(event),
        "capacity": event.capacity,
        "confirmed": counted[RegistrationStatus.CONFIRMED],
        "waiting": counted[RegistrationStatus.WAITING],
        "places_left": services.places_left(event, counted[RegistrationStatus.CONFIRMED]),
        "mine": mine,
        "waiting_number": services.waiting_number(mine) if mine is not None else None,
    }


def cancelled_message(event: Event) -> str:
    return _("Ihre Anmeldung für „%(title)s“ ist storniert.", title=event.title)


def attendance(event: Event) -> dict:
    """The registrant lists for organizers: confirmed and waiting people (number, name,
    since when), and how many cancelled."""
    grouped = services.registrants(event)

    def rows(registrations, stamp):
        return [
            {
                "number": r.position,
                "name": participant_name(r),
                "at": getattr(r, stamp) or r.created_at,
                "waiting_number": index if stamp == "created_at" else None,
            }
            for index, r in enumerate(registrations, start=1)
        ]

    return {
        "confirmed": rows(grouped[RegistrationStatus.CONFIRMED], "confirmed_at"),
        "waiting": rows(grouped[RegistrationStatus.WAITING], "created_at"),
        "cancelled": len(grouped[RegistrationStatus.CANCELLED]),
        "places_left": services.places_left(event, len(grouped[RegistrationStatus.CONFIRMED])),
    }


def attendance_csv_rows(event: Event) -> tuple[list[str], list[dict]]:
    """Columns and rows of the attendance list as CSV (confirmed, then the waiting list in
    order), with an empty "present" column to tick at the door."""
    lists = attendance(event)
    columns = [_("Nr."), _("Name"), _("Status"), _("Seit"), _("Anwesend")]
    rows = []
    for key, status in (
        ("confirmed", RegistrationStatus.CONFIRMED),
        ("waiting", RegistrationStatus.WAITING),
    ):
        for row in lists[key]:
            label = status_label(status)
            if row["waiting_number"]:
                label = _("Warteliste, Platz %(n)s", n=row["waiting_number"])
            rows.append(
                {
                    columns[0]: row["number"],
                    columns[1]: row["name"],
                    columns[2]: label,
                    columns[3]: format_datetime(row["at"], "short"),
                    columns[4]: "",
                }
            )
    return columns, rows


def overview_rows() -> list[dict]:
    """Every event, upcoming first, with its registration counts (two queries)."""
    now = utcnow()
    events = list(db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id)))
    counted: dict[int, dict[str, int]] = {}
    for event_id, status, n in db.session.execute(
        select(Registration.event_id, Registration.status, func.count()).group_by(
            Registration.event_id, Registration.status
        )
    ):
        counted.setdefault(event_id, {})[str(status)] = n
    upcoming = [e for e in events if e.ends_at >= now]
    upcoming.reverse()  # soonest first
    past = [e for e in events if e.ends_at < now]
    return [
        {
            "event": event,
            "confirmed": counted.get(event.id, {}).get("confirmed", 0),
            "waiting": counted.get(event.id, {}).get("waiting", 0),
            "past": event.ends_at < now,
        }
        for event in upcoming + past
    ]


TEMPLATE_GLOBALS = {
    "registration_box": registration_box,
    "my_registrations": services.my_registrations,
    "registration_status_label": status_label,
    "participant_name": participant_name,
}
