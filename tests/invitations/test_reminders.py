"""Reminders: 48 hours before an event, once, to everyone with a place (consent to invitations
or not), with the .ics; queued by `mail remind` and at the start of `mail deliver`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.invitations.reminders import queue_due_reminders, refused_reminders
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus
from ideenwerkstatt.registrations import services as registrations
from ideenwerkstatt.registrations.models import Registration

from ..factories import make_event, make_user

HOUR = dt.timedelta(hours=1)


def reminders():
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template == "event_reminder")
            .order_by(OutboxMessage.id)
        )
    )


def registered(event, *, capacity_full=False, days_before=5):
    """A confirmed registration made `days_before` days ago (before the reminder window)."""
    user = make_user()
    registration = registrations.register(user, event)
    registration.confirmed_at = utcnow() - dt.timedelta(days=days_before)
    db.session.commit()
    return user


def test_reminder_48_hours_before_once_to_everyone_with_a_place(app):
    soon = make_event(starts_in_days=1.5, capacity=2)  # within 48 hours
    later = make_event(starts_in_days=3)  # not yet
    a, b = registered(soon), registered(soon)
    waiting = make_user()
    registrations.register(waiting, soon)  # the waiting list gets no reminder
    registered(later)
    db.session.commit()

    assert queue_due_reminders() == 2
    db.session.commit()
    assert queue_due_reminders() == 0  # once
    db.session.commit()
    rows = reminders()
    assert sorted(r.user_id for r in rows) == sorted([a.id, b.id])
    assert {r.idempotency_key for r in rows} == {
        f"reminder:{soon.id}:{a.id}",
        f"reminder:{soon.id}:{b.id}",
    }
    row = rows[0]
    assert row.attachments[0]["filename"] == "veranstaltung.ics"
    assert "/registrations/cancel/" in row.body_text  # their own cancel link
    assert "List-Unsubscribe" not in row.headers  # a service mail to a registrant

    # Two days later the other event is due too.
    assert queue_due_reminders(utcnow() + dt.timedelta(days=2)) == 1


def test_no_reminder_for_who_registered_after_the_window_opened_or_drafts(app):
    event = make_event(starts_in_days=1)
    newcomer = make_user()
    registrations.register(newcomer, event)  # just now: the confirmation mail is fresh
    db.session.commit()
    draft = make_event(starts_in_days=1, phase="draft")
    db.session.add(
        Registration(
            event_id=draft.id,
            user_id=make_user().id,
            status="confirmed",
            position=1,
            confirmed_at=utcnow() - dt.timedelta(days=9),
        )
    )
    db.session.commit()
    assert queue_due_reminders() == 0


def test_mail_remind_and_mail_deliver_queue_reminders(app, runner):
    event = make_event(starts_in_days=1)
    registered(event)
    result = runner.invoke(args=["mail", "remind"])
    assert result.exit_code == 0, result.output
    assert "1 queued" in result.output
    assert len(reminders()) == 1
    registered(event)
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 reminders queued" in result.output
    db.session.rollback()
    assert [r.status for r in reminders()] == [OutboxStatus.SENT] * 2  # to .eml files


def test_reminder_is_refused_at_send_time_once_the_place_is_given_back(app):
    event = make_event(starts_in_days=1)
    stays, leaves = registered(event), registered(event)
    queue_due_reminders()
    db.session.commit()
    registrations.cancel(leaves, registrations.registration_of(leaves, event))
    db.session.commit()
    ids = [r.id for r in reminders()]
    refused = refused_reminders(db.session, ids)
    assert refused == {r.id for r in reminders() if r.user_id == leaves.id}
    assert stays.id not in {r.user_id for r in reminders() if r.id in refused}
