"""Registration rules: places, the waiting list, cancelling, and the mails that go with them.

Every change of an event's registrations runs under a lock on the event row, so capacity is
never exceeded and the waiting list moves up in order, whatever runs at the same time: on
PostgreSQL `SELECT ... FOR UPDATE` of the event; on SQLite the writing transaction itself
(BEGIN IMMEDIATE: requests that write, and `database.writing()`) admits one writer at a time.
Services only flush; the caller commits, so the mails leave with the change or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..accounts.services import absolute_url
from ..database import utcnow
from ..events.models import Event, Phase
from ..extensions import db
from ..ics import event_attachment
from ..mail.services import queue_mail
from ..permissions import PermissionDenied, is_event_participant
from .models import Registration, RegistrationStatus

CANCEL_LINK_SALT = "registration-cancel"
ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


class RegistrationError(Exception):
    """A registration rule refused the action; `message` is for people (German source)."""

    message = _l("Das ist gerade nicht möglich.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class RegistrationClosed(RegistrationError):
    message = _l("Für diese Veranstaltung ist keine Anmeldung (mehr) möglich.")


class NotYourRegistration(RegistrationError):
    message = _l("Diese Anmeldung gehört nicht zu Ihrem Konto.")


# --- reading ---------------------------------------------------------------------------------


def registration_open(event: Event, now: dt.datetime | None = None) -> bool:
    """People may register (and cancel) while the event is published (not a draft), not
    closed and has not ended."""
    now = now or utcnow()
    return event.phase not in (Phase.DRAFT, Phase.CLOSED) and event.ends_at > now


def registration_of(user, event: Event) -> Registration | None:
    """The person's registration row for the event (any status), or None; always read
    fresh from the database (another transaction may have changed it)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.user_id == user.id)
        .execution_options(populate_existing=True)
    )


def counts(event: Event) -> dict[str, int]:
    """Confirmed, waiting and cancelled registrations of the event, in one query."""
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    )
    found = {str(status): n for status, n in rows}
    return {status.value: found.get(status.value, 0) for status in RegistrationStatus}


def places_left(event: Event, confirmed: int | None = None) -> int | None:
    """Free places, or None when the event has no limit."""
    if event.capacity is None:
        return None
    if confirmed is None:
        confirmed = counts(event)[RegistrationStatus.CONFIRMED]
    return max(event.capacity - confirmed, 0)


def my_registrations(user) -> list[Registration]:
    """The person's current registrations (confirmed or waiting) for events that have not
    ended, soonest first; for the account page."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.user_id == user.id,
                Registration.status.in_(ACTIVE),
                Event.ends_at > utcnow(),
            )
            .options(joinedload(Registration.event))
            .order_by(Event.starts_at, Registration.id)
        )
    )


def registrants(event: Event) -> dict[str, list[Registration]]:
    """The event's registrations by status: confirmed and waiting in `position` order
    (the waiting list's order), cancelled ones too, each with its user loaded."""
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(joinedload(Registration.user))
        .order_by(Registration.position)
    )
    grouped: dict[str, list[Registration]] = {status.value: [] for status in RegistrationStatus}
    for row in rows:
        grouped[row.status.value].append(row)
    return grouped


def waiting_number(registration: Registration) -> int | None:
    """1 for the first person on the waiting list, and so on; None when not waiting."""
    if registration.status is not RegistrationStatus.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITING,
            Registration.position < registration.position,
        )
    )
    return (ahead or 0) + 1


# --- signed cancel links ---------------------------------------------------------------------


def cancel_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CANCEL_LINK_SALT)


def _email_tag(email: str) -> str:
    # Binds the link to the address too: SQLite may hand a deleted account's id to a new one.
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:16]


def cancel_payload(registration_id: int, user_id: int, email: str) -> list:
    """What a cancel link signs: the registration, its owner and (hashed) their address."""
    return [registration_id, user_id, _email_tag(email)]


def cancel_token_for(registration_id: int, user_id: int, email: str) -> str:
    """A signed link token that cancels a registration without a login (from the mails).
    It does not expire: it is useless once the event has ended."""
    return cancel_serializer().dumps(cancel_payload(registration_id, user_id, email))


def cancel_token(registration: Registration) -> str:
    return cancel_token_for(registration.id, registration.user_id, registration.user.email)


def cancel_url(registration: Registration) -> str:
    return absolute_url("registrations.cancel_link", token=cancel_token(registration))


def registration_for_cancel_token(token: str) -> Registration | None:
    """The registration a cancel link names, or None for a forged, damaged or outdated link
    (the registration or account is gone)."""
    try:
        registration_id, user_id, tag = cancel_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    registration = db.session.get(Registration, registration_id)
    if (
        registration is None
        or registration.user_id != user_id
        or _email_tag(registration.user.email) != tag
    ):
        return None
    return registration


# --- changing --------------------------------------------------------------------------------


def lock_event(event: Event) -> None:
    """Serialize registration changes of this event until the transaction ends. PostgreSQL:
    a row lock on the event; SQLite ignores FOR UPDATE, but its writers hold the database's
    write lock from BEGIN IMMEDIATE on (call this inside a request that writes or inside
    `database.writing()`). Refreshes the event's capacity, which an organizer may change."""
    db.session.scalars(
        select(Event)
        .where(Event.id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _next_position(event: Event) -> int:
    highest = db.session.scalar(
        select(func.max(Registration.position)).where(Registration.event_id == event.id)
    )
    return (highest or 0) + 1


def _confirmed_count(event: Event) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )


def fill_free_places(event: Event, now: dt.datetime | None = None) -> list[Registration]:
    """Move people up from the waiting list, first come first served, while places are
    free (after a cancellation, or when an organizer raised the capacity); each gets a
    mail. Call with the event locked (lock_event). Flush only; returns who moved up."""
    now = now or utcnow()
    if not registration_open(event, now):
        return []
    free = places_left(event, _confirmed_count(event))
    if free == 0:
        return []
    waiting = select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITING
    )
    waiting = waiting.order_by(Registration.position)
    if free is not None:
        waiting = waiting.limit(free)
    moved = list(db.session.scalars(waiting))
    for registration in moved:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        db.session.flush()
        send_registration_mail(registration, "registration_moved_up")
    return moved


def register(user: User, event: Event, now: dt.datetime | None = None) -> Registration:
    """Register `user` for `event`: a place while places remain (no capacity: always),
    otherwise a place on the waiting list; a mail says which. Registering again while
    registered changes nothing and sends nothing; after a cancellation the person joins at
    the end, like anyone new. Flush only.

    A guest of an evening (no account) cannot register: registration needs an account.

    Raises RegistrationClosed for drafts, closed or ended events, PermissionDenied for a
    guest of an evening."""
    if is_event_participant(user):
        raise PermissionDenied("event participants cannot register for events")
    now = now or utcnow()
    lock_event(event)
    if not registration_open(event, now):
        raise RegistrationClosed()
    registration = registration_of(user, event)
    if registration is not None and registration.is_active:
        return registration
    # People already waiting come first, e.g. when the capacity was raised meanwhile.
    fill_free_places(event, now)
    has_place = places_left(event, _confirmed_count(event)) != 0
    status = RegistrationStatus.CONFIRMED if has_place else RegistrationStatus.WAITING
    position = _next_position(event)
    if registration is None:
        registration = Registration(event_id=event.id, user_id=user.id, created_at=now)
        db.session.add(registration)
    registration.status = status
    registration.position = position
    registration.confirmed_at = now if has_place else None
    registration.cancelled_at = None
    db.session.flush()
    template = "registration_confirmed" if has_place else "registration_waiting"
    send_registration_mail(registration, template)
    return registration


def cancel(
    actor: User, registration: Registration, now: dt.datetime | None = None
) -> list[Registration]:
    """Cancel `registration` on behalf of its owner `actor` (account page or the signed
    mail link, which stands for the owner): the place is freed and the first person on the
    waiting list moves up, in the same transaction, each with a mail. Cancelling what is
    already cancelled changes nothing. Flush only; returns who moved up.

    Raises NotYourRegistration when `actor` is not the owner, RegistrationClosed once the
    event has ended (or is closed)."""
    if actor is None or registration.user_id != actor.id:
        raise NotYourRegistration()
    now = now or utcnow()
    event = registration.event
    lock_event(event)
    db.session.refresh(registration)
    if not registration_open(event, now):
        raise RegistrationClosed()
    if registration.status is RegistrationStatus.CANCELLED:
        return []
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.confirmed_at = None
    db.session.flush()
    send_registration_mail(registration, "registration_cancelled")
    return fill_free_places(event, now)


def erase_registrations(user: User, now: dt.datetime | None = None) -> None:
    """Account deletion: delete every registration of `user`; where they held a place at
    an event still open, the waiting list moves up (with mails to those who move up)."""
    now = now or utcnow()
    rows = list(db.session.scalars(select(Registration).where(Registration.user_id == user.id)))
    freed = {row.event_id for row in rows if row.status is RegistrationStatus.CONFIRMED}
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    for event_id in sorted(freed):
        event = db.session.get(Event, event_id)
        if event is not None and registration_open(event, now):
            lock_event(event)
            fill_free_places(event, now)


# --- mails -----------------------------------------------------------------------------------

WITH_CALENDAR = {"registration_confirmed", "registration_moved_up"}


def event_url(event: Event) -> str:
    return absolute_url("events.detail", slug=event.slug)


def calendar_attachment(event: Event, stamp: dt.datetime | None = None) -> dict:
    """The event's .ics as an outbox attachment."""
    config = current_app.config
    return event_attachment(
        event,
        url=event_url(event),
        base_url=config["BASE_URL"],
        stamp=stamp or utcnow(),
        zone=config["BABEL_DEFAULT_TIMEZONE"],
    )


def send_registration_mail(registration: Registration, template: str) -> None:
    """Queue one of the registration mails (confirmed, waiting, moved up, cancelled) to the
    registrant, in their language, with the .ics where they have a place."""
    user, event = registration.user, registration.event
    attachments = [calendar_attachment(event)] if template in WITH_CALENDAR else []
    queue_mail(
        template,
        to=user.email,
        locale=user.locale,
        user=user,
        attachments=attachments,
        event=event,
        registration=registration,
        event_url=event_url(event),
        cancel_url=cancel_url(registration) if registration.is_active else None,
        waiting_number=waiting_number(registration),
        account_url=absolute_url("accounts.account"),
    )
