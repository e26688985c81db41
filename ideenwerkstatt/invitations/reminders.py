"""Reminders: 48 hours before an event, one mail to everyone with a place, once.

Reminders go to the people registered (they asked to attend: GDPR Art. 6(1)(b)), whether
or not they consented to invitations. Who registered after the reminder window opened has
just had the confirmation mail with the calendar file and gets no second mail. The
idempotency key `reminder:<event_id>:<user_id>` makes it once per person and event, however
often and from however many workers `ideenwerkstatt mail remind` runs; on PostgreSQL an
advisory lock (`try_job_lock`) also lets only one server at a time look for due reminders.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import String, cast, exists, literal, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..database import try_job_lock, utcnow
from ..events.models import Event, Phase
from ..extensions import db
from ..mail.models import OutboxMessage
from ..registrations.models import Registration, RegistrationStatus
from ..registrations.services import (
    calendar_attachment,
    cancel_payload,
    cancel_serializer,
    event_url,
)
from .bulk import LinkMaker, Recipient, TokenSigner, queue_bulk

REMINDER_TEMPLATE = "event_reminder"


def reminder_key(event_id: int, user_id: int) -> str:
    return f"reminder:{event_id}:{user_id}"


def _window() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config.get("REMINDER_HOURS_BEFORE", 48))


def queue_due_reminders(now: dt.datetime | None = None) -> int:
    """Queue the reminder for every event starting within the next 48 hours (not drafts)
    to each person confirmed before the window opened who has not had it (flush only).
    Returns how many were queued. Cheap when there is nothing to do: one query per event
    in the window, and nothing is rendered. 0 at once while another server is at it."""
    now = now or utcnow()
    if not try_job_lock("reminders"):
        return 0
    events = db.session.scalars(
        select(Event)
        .where(
            Event.phase != Phase.DRAFT,
            Event.starts_at > now,
            Event.starts_at <= now + _window(),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    queued = 0
    for event in events:
        opened = event.starts_at - _window()
        key = literal(f"reminder:{event.id}:", String) + cast(User.id, String)
        rows = db.session.execute(
            select(Registration.id, Registration.user_id, User.email, User.locale)
            .join(User, User.id == Registration.user_id)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.confirmed_at <= opened,
                User.confirmed_at.is_not(None),
                ~exists().where(OutboxMessage.idempotency_key == key),
            )
            .order_by(Registration.position)
        ).all()
        if not rows:
            continue
        signer, link = TokenSigner(cancel_serializer()), LinkMaker("registrations.cancel_link")
        recipients = [
            Recipient(
                user_id=user_id,
                email=email,
                locale=locale,
                key=reminder_key(event.id, user_id),
                link=link(signer.dumps(cancel_payload(registration_id, user_id, email))),
            )
            for registration_id, user_id, email, locale in rows
        ]
        queued += len(
            queue_bulk(
                REMINDER_TEMPLATE,
                recipients,
                now=now,
                context={"event": event, "event_url": event_url(event)},
                attachments=[calendar_attachment(event, now)],
            )
        )
    return queued


def refused_reminders(session: Session, ids: list[int]) -> set[int]:
    """Send-time check for reminders: the ids whose recipient no longer holds a confirmed
    place at the event (cancelled, or the registration is gone)."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.idempotency_key, OutboxMessage.user_id).where(
            OutboxMessage.id.in_(ids)
        )
    ).all()
    refused = set()
    for outbox_id, key, user_id in rows:
        try:
            _prefix, event_id, _user = (key or "").split(":")
            event_id = int(event_id)
        except ValueError:
            refused.add(outbox_id)
            continue
        still = session.scalar(
            select(Registration.id).where(
                Registration.event_id == event_id,
                Registration.user_id == user_id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        if still is None:
            refused.add(outbox_id)
    return refused | (set(ids) - {row[0] for row in rows})
