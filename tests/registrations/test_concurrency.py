"""Many people registering at the same moment: the capacity is never exceeded, nobody is lost,
and the waiting list keeps the order (threads on an SQLite file here, or on PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from ideenwerkstatt.database import writing
from ideenwerkstatt.events.models import Event
from ideenwerkstatt.extensions import db
from ideenwerkstatt.registrations import services
from ideenwerkstatt.registrations.models import Registration, RegistrationStatus

from ..factories import make_event, make_user

PEOPLE = 16
CAPACITY = 5


def run_at_once(app, work, items) -> None:
    barrier = threading.Barrier(len(items))
    errors: list[BaseException] = []

    def target(item):
        try:
            with app.app_context():
                barrier.wait()
                with writing():  # as in a POST request: BEGIN IMMEDIATE on SQLite
                    work(item)
                    db.session.commit()
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def status_counts(event_id):
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    )
    return {str(status): n for status, n in rows}


def test_capacity_is_never_exceeded_under_concurrent_registration(file_db_app):
    event_id = make_event(capacity=CAPACITY).id
    user_ids = [make_user().id for _ in range(PEOPLE)]

    def register(user_id):
        from ideenwerkstatt.accounts.models import User

        services.register(db.session.get(User, user_id), db.session.get(Event, event_id))

    db.session.rollback()
    run_at_once(file_db_app, register, user_ids)
    db.session.rollback()  # a fresh snapshot: see what the threads committed
    assert status_counts(event_id) == {"confirmed": CAPACITY, "waiting": PEOPLE - CAPACITY}
    positions = db.session.scalars(
        select(Registration.position).where(Registration.event_id == event_id)
    ).all()
    assert sorted(positions) == list(range(1, PEOPLE + 1))  # no number twice, none skipped


def test_concurrent_cancellations_move_the_waiting_list_up_in_order(file_db_app):
    from ideenwerkstatt.accounts.models import User

    event = make_event(capacity=CAPACITY)
    people = [make_user() for _ in range(CAPACITY + 6)]
    for person in people:
        with writing():
            services.register(person, event)
            db.session.commit()
    holders = [p.id for p in people[:4]]
    waiting_in_order = [p.id for p in people[CAPACITY:]]
    event_id = event.id

    def cancel(user_id):
        user = db.session.get(User, user_id)
        registration = db.session.scalar(
            select(Registration).where(
                Registration.event_id == event_id, Registration.user_id == user_id
            )
        )
        services.cancel(user, registration)

    db.session.rollback()
    run_at_once(file_db_app, cancel, holders)
    db.session.rollback()  # a fresh snapshot: see what the threads committed
    assert status_counts(event_id) == {"confirmed": CAPACITY, "waiting": 2, "cancelled": 4}
    confirmed = set(
        db.session.scalars(
            select(Registration.user_id).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
    )
    # The first four waiting moved up, the last two still wait.
    assert set(waiting_in_order[:4]) <= confirmed
    assert not set(waiting_in_order[4:]) & confirmed
