"""Registrations in my data, account deletion and the retention purge (flow 10)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from ..events.models import Event
from ..extensions import db
from ..privacy.services import register_erasure_step, register_export_section, register_purge_step
from .models import Registration
from .services import erase_registrations


def _iso(value):
    return value.isoformat() if value is not None else None


def export_registrations(user) -> list[dict]:
    """Every registration of the person, cancelled ones included, with the event."""
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.user_id == user.id)
        .options(joinedload(Registration.event))
        .order_by(Registration.id)
    )
    return [
        {
            "event": row.event.slug,
            "event_title": row.event.title,
            "status": str(row.status),
            "number": row.position,
            "created_at": _iso(row.created_at),
            "confirmed_at": _iso(row.confirmed_at),
            "cancelled_at": _iso(row.cancelled_at),
            "updated_at": _iso(row.updated_at),
        }
        for row in rows
    ]


def erase_registrations_step(user, keep_contributions: bool) -> None:
    """A registration is no contribution: it goes whatever the person chose, and a place
    they held at an event still to come goes to the next person waiting."""
    erase_registrations(user)


def purge_registrations(now: dt.datetime) -> int:
    """Delete the registrations of events that ended more than `retention_days` ago. The
    cutoff differs per event, so the old events are found first (few), then their rows go
    in bulk."""
    ended = db.session.execute(
        select(Event.id, Event.ends_at, Event.retention_days).where(Event.ends_at < now)
    )
    expired = [
        event_id
        for event_id, ends_at, days in ended
        if ends_at + dt.timedelta(days=days or 0) < now
    ]
    deleted = 0
    for start in range(0, len(expired), 500):
        chunk = expired[start : start + 500]
        result = db.session.execute(
            delete(Registration)
            .where(Registration.event_id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
        deleted += result.rowcount or 0
    return deleted


def register_privacy_hooks() -> None:
    """Hook registrations into the export, account deletion and the purge (idempotent)."""
    register_export_section("registrations", export_registrations)
    register_erasure_step(erase_registrations_step)
    register_purge_step("registrations", purge_registrations)
