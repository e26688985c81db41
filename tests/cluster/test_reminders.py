"""Reminders run by both servers' delivery workers (`ideenwerkstatt mail deliver --loop`, each
with its server's instance folder, started at the same moment, plus a `mail remind` from a
timer meanwhile) reach each person once."""

from __future__ import annotations

import collections
import datetime as dt
import email
import email.policy
import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus
from ideenwerkstatt.registrations.models import Registration, RegistrationStatus
from tests.factories import make_event, make_user

from .harness import BIN, stop_group

pytestmark = pytest.mark.cluster

PEOPLE = 8


def reminders_sent(event_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).where(
            OutboxMessage.idempotency_key.like(f"reminder:{event_id}:%"),
            OutboxMessage.status == OutboxStatus.SENT,
        )
    )


def mails_to(folders, addresses: set[str]) -> collections.Counter:
    """How many .eml files in the folders are addressed to each of `addresses`, by subject."""
    found = collections.Counter()
    for folder in folders:
        for path in folder.glob("*.eml") if folder.is_dir() else ():
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] in addresses:
                found[(message["To"], message["Subject"])] += 1
    return found


def test_reminders_with_a_worker_on_each_server_reach_each_person_once(app, cluster, servers):
    event = make_event(phase="collecting", starts_in_days=1.5, title="Werkstatt mit Erinnerung")
    people = [make_user() for _ in range(PEOPLE)]
    long_ago = utcnow() - dt.timedelta(days=5)
    for n, user in enumerate(people, start=1):
        db.session.add(
            Registration(
                event_id=event.id,
                user_id=user.id,
                status=RegistrationStatus.CONFIRMED,
                position=n,
                created_at=long_ago,
                confirmed_at=long_ago,
            )
        )
    db.session.commit()
    addresses = {user.email for user in people}

    workers = []
    try:
        for server in servers:
            workers.append(
                subprocess.Popen(
                    [str(BIN / "ideenwerkstatt"), "mail", "deliver", "--loop", "--interval", "1"],
                    env=server.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        # A timer's `mail remind` on server A at the same time.
        subprocess.run(
            [str(BIN / "ideenwerkstatt"), "mail", "remind"],
            env=servers[0].env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and reminders_sent(event.id) < PEOPLE:
            time.sleep(0.5)
        time.sleep(3)  # each worker goes round again: nothing more may come
    finally:
        for worker in workers:
            stop_group(worker, signal.SIGTERM, wait=30)

    assert reminders_sent(event.id) == PEOPLE
    folders = [server.instance / "mail" for server in servers]
    found = mails_to(folders, addresses)
    assert sorted(to for to, _subject in found) == sorted(addresses)
    assert set(found.values()) == {1}, found
