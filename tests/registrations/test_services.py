"""Registration rules: places, the waiting list in order, cancelling, mails, privacy hooks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.registrations import services
from ideenwerkstatt.registrations.models import Registration, RegistrationStatus

from ..factories import make_event, make_user

CONFIRMED, WAITING, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITING,
    RegistrationStatus.CANCELLED,
)


def register(user, event):
    registration = services.register(user, event)
    db.session.commit()
    return registration


def cancel(user, registration):
    moved = services.cancel(user, registration)
    db.session.commit()
    return moved


def templates(outbox, user):
    return [m.template for m in outbox(user_id=user.id)]


def test_places_then_waiting_list(app, outbox):
    event = make_event(capacity=2)
    people = [make_user() for _ in range(4)]
    statuses = [register(person, event).status for person in people]
    assert statuses == [CONFIRMED, CONFIRMED, WAITING, WAITING]
    assert services.counts(event) == {"confirmed": 2, "waiting": 2, "cancelled": 0}
    assert services.places_left(event) == 0
    assert templates(outbox, people[0]) == ["registration_confirmed"]
    assert templates(outbox, people[3]) == ["registration_waiting"]
    # The waiting mail says the place on the list; the confirmation carries the .ics.
    assert "Platz 2 der Warteliste" in outbox(user_id=people[3].id)[0].body_text
    confirmation = outbox(user_id=people[0].id)[0]
    assert [a["filename"] for a in confirmation.attachments] == ["veranstaltung.ics"]
    assert outbox(user_id=people[3].id)[0].attachments == []


def test_unlimited_capacity_confirms_everyone(app):
    event = make_event(capacity=None)
    assert {register(make_user(), event).status for _ in range(5)} == {CONFIRMED}
    assert services.places_left(event) is None


def test_registering_twice_changes_nothing(app, outbox):
    event = make_event(capacity=5)
    user = make_user()
    first = register(user, event)
    again = register(user, event)
    assert again.id == first.id and again.position == first.position
    assert templates(outbox, user) == ["registration_confirmed"]


@pytest.mark.parametrize(
    "fields",
    [{"phase": "draft"}, {"phase": "closed"}, {"starts_in_days": -2, "hours": 3}],
    ids=["draft", "closed", "ended"],
)
def test_no_registration_for_drafts_closed_or_ended_events(app, fields):
    event = make_event(**fields)
    with pytest.raises(services.RegistrationClosed):
        services.register(make_user(), event)


def test_cancelling_moves_the_first_waiting_person_up_in_order(app, outbox):
    event = make_event(capacity=1)
    holder, first, second, third = (make_user() for _ in range(4))
    held = register(holder, event)
    for person in (first, second, third):
        register(person, event)

    moved = cancel(holder, held)
    assert [r.user_id for r in moved] == [first.id]
    assert templates(outbox, holder) == ["registration_confirmed", "registration_cancelled"]
    assert templates(outbox, first) == ["registration_waiting", "registration_moved_up"]
    moved_up_mail = outbox(user_id=first.id)[-1]
    assert [a["filename"] for a in moved_up_mail.attachments] == ["veranstaltung.ics"]

    # The second one waiting leaves the list: nobody moves (no place is free) ...
    second_registration = services.registration_of(second, event)
    assert cancel(second, second_registration) == []
    # ... and when the first one cancels too, the third moves up.
    assert [r.user_id for r in cancel(first, services.registration_of(first, event))] == [third.id]
    assert services.counts(event) == {"confirmed": 1, "waiting": 0, "cancelled": 3}
    assert services.registration_of(third, event).status is CONFIRMED


def test_registering_again_after_cancelling_joins_at_the_end(app):
    event = make_event(capacity=1)
    a, b = make_user(), make_user()
    ra = register(a, event)
    register(b, event)
    cancel(a, ra)  # b moves up
    again = register(a, event)
    assert again.id == ra.id  # the same row, unique per event and person
    assert again.status is WAITING
    assert again.position > services.registration_of(b, event).position


def test_raised_capacity_lets_waiting_people_in_before_newcomers(app):
    event = make_event(capacity=1)
    a, b, c = make_user(), make_user(), make_user()
    register(a, event)
    register(b, event)
    event.capacity = 2
    db.session.commit()
    newcomer = register(c, event)
    assert services.registration_of(b, event).status is CONFIRMED
    assert newcomer.status is WAITING


def test_nobody_cancels_someone_elses_registration(app):
    event = make_event(capacity=3)
    owner, other = make_user(), make_user()
    registration = register(owner, event)
    with pytest.raises(services.NotYourRegistration):
        services.cancel(other, registration)
    assert registration.status is CONFIRMED


def test_cancelling_twice_is_harmless(app, outbox):
    event = make_event()
    user = make_user()
    registration = register(user, event)
    cancel(user, registration)
    assert cancel(user, registration) == []
    assert templates(outbox, user).count("registration_cancelled") == 1


def test_cancel_link_names_the_registration_and_cannot_be_forged(app):
    event = make_event()
    user = make_user()
    registration = register(user, event)
    token = services.cancel_token(registration)
    assert services.registration_for_cancel_token(token).id == registration.id
    assert services.registration_for_cancel_token(token[:-2] + "xx") is None
    assert services.registration_for_cancel_token("garbage") is None
    # Another account that later got the same id (SQLite reuses ids) cannot use it.
    user.email = "someone-else@example.org"
    db.session.commit()
    assert services.registration_for_cancel_token(token) is None


def test_my_registrations_lists_current_ones(app):
    user = make_user()
    soon, later, dropped = make_event(starts_in_days=2), make_event(starts_in_days=9), make_event()
    register(user, later)
    register(user, soon)
    cancelled = register(user, dropped)
    cancel(user, cancelled)
    assert [r.event_id for r in services.my_registrations(user)] == [soon.id, later.id]


# --- privacy: export, erasure, purge ----------------------------------------------------------


def test_export_section_lists_registrations(app):
    from ideenwerkstatt.privacy.services import export_user_data

    event = make_event(title="Werkstatt Mobilität")
    user = make_user()
    register(user, event)
    section = export_user_data(user)["registrations"]
    assert section[0]["event"] == event.slug
    assert section[0]["status"] == "confirmed"
    assert section[0]["event_title"] == "Werkstatt Mobilität"


def test_account_deletion_erases_registrations_and_moves_the_waiting_list(app, outbox):
    from ideenwerkstatt.privacy.services import delete_account

    event = make_event(capacity=1)
    leaving, waiting = make_user(), make_user()
    register(leaving, event)
    register(waiting, event)
    delete_account(leaving, keep_contributions=True)
    db.session.commit()
    assert db.session.scalars(select(Registration.user_id)).all() == [waiting.id]
    assert services.registration_of(waiting, event).status is CONFIRMED
    assert templates(outbox, waiting)[-1] == "registration_moved_up"


def test_purge_deletes_registrations_after_the_retention_period(app, runner):
    user = make_user()
    old = make_event(starts_in_days=-40, retention_days=30)
    recent = make_event(starts_in_days=-10, retention_days=30)
    upcoming = make_event(starts_in_days=5, retention_days=0)
    for event in (old, recent, upcoming):
        db.session.add(
            Registration(
                event_id=event.id,
                user_id=user.id,
                status=CONFIRMED,
                position=1,
                confirmed_at=utcnow() - dt.timedelta(days=50),
            )
        )
    db.session.commit()
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "registrations: 1 deleted" in result.output
    db.session.expire_all()
    left = db.session.scalars(select(Registration.event_id).order_by(Registration.event_id))
    assert list(left) == sorted([recent.id, upcoming.id])
