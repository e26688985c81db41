"""Clock-driven jobs run once per due time however many servers run them at the same moment
(threads here, each with its own app context, session and connection; servers in production):
reminders and the flag digest as `mail deliver` runs them, and the retention purge. On
PostgreSQL an advisory lock lets one server at a time in; on SQLite writers queue (one
server only)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from ideenwerkstatt.database import advisory_key, try_job_lock, utcnow, writing
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.cli import run_before_delivery
from ideenwerkstatt.mail.models import OutboxMessage
from ideenwerkstatt.moderation import flags
from ideenwerkstatt.privacy import services as privacy

from ..conftest import TEST_DATABASE_URL
from ..factories import make_event, make_idea, make_user
from ..invitations.test_reminders import registered

SERVERS = 4
on_postgresql = pytest.mark.skipif(not TEST_DATABASE_URL, reason="advisory locks: PostgreSQL")


def at_once(app, job, count: int = SERVERS) -> list:
    """`job()` in `count` threads started together, each in its own app context."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                results[n] = job()
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results


def mails(template: str) -> Counter:
    db.session.rollback()  # a fresh snapshot: the threads wrote
    return Counter(
        db.session.scalars(
            select(OutboxMessage.user_id).where(OutboxMessage.template == template)
        ).all()
    )


def test_reminders_and_digest_from_several_workers_one_mail_per_person(file_db_app, caplog):
    event = make_event(starts_in_days=1.5)
    people = [registered(event) for _ in range(3)]
    moderators = [make_user(role="moderator") for _ in range(2)]
    flags.flag(make_user(), make_idea(), "Spam")
    db.session.commit()

    with caplog.at_level(logging.ERROR):
        results = at_once(file_db_app, run_before_delivery)
    # A worker that lost the race queued nothing and failed nowhere.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert sum(r.get("reminders", 0) for r in results) == 3
    assert mails("event_reminder") == Counter({person.id: 1 for person in people})
    digests = mails("flag_digest")
    assert {m.id for m in moderators} <= set(digests) and set(digests.values()) == {1}


def test_the_purge_runs_once_when_several_servers_start_it_together(file_db_app):
    old = make_user(confirmed=False)
    old.created_at = utcnow() - dt.timedelta(days=30)
    db.session.commit()
    old_id, user_class = old.id, type(old)

    def purge():
        with writing():
            counts = privacy.purge_expired()
            db.session.commit()
        return counts

    results = at_once(file_db_app, purge)
    ran = [counts for counts in results if counts]
    # The unconfirmed account went exactly once, whoever ran.
    assert sum(counts["unconfirmed_accounts"] for counts in ran) == 1
    db.session.rollback()
    assert db.session.get(user_class, old_id) is None


@on_postgresql
def test_a_server_arriving_while_another_purges_skips_at_once(file_db_app, monkeypatch):
    """Forced overlap: the first purge holds the lock until the second has tried."""
    entered, tried = threading.Event(), threading.Event()

    def slow_step(_now):
        entered.set()
        assert tried.wait(20)
        return 0

    monkeypatch.setitem(privacy._purge_steps, "test_slow_step", slow_step)
    results: dict[str, dict] = {}

    def first():
        with file_db_app.app_context(), writing():
            results["first"] = privacy.purge_expired()
            db.session.commit()

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(20)
    with file_db_app.app_context(), writing():
        monkeypatch.delitem(privacy._purge_steps, "test_slow_step")
        results["second"] = privacy.purge_expired()
        db.session.commit()
    tried.set()
    thread.join(20)
    assert results["second"] == {}
    assert "unconfirmed_accounts" in results["first"]


@on_postgresql
def test_the_lock_is_the_transactions_and_names_are_separate(file_db_app):
    with writing():
        assert try_job_lock("reminders")
        holder = threading.Event()
        seen: dict[str, bool] = {}

        def other():
            with file_db_app.app_context():
                seen["reminders"] = try_job_lock("reminders")
                seen["flag_digest"] = try_job_lock("flag_digest")
                db.session.rollback()
            holder.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert holder.wait(20)
        thread.join(20)
        assert seen == {"reminders": False, "flag_digest": True}
        db.session.commit()
    # Released with the commit: the next transaction may take it.
    assert try_job_lock("reminders")
    db.session.rollback()


def test_job_names_give_stable_distinct_keys():
    assert advisory_key("reminders") == advisory_key("reminders")
    assert advisory_key("reminders") != advisory_key("flag_digest")
    assert -(2**63) <= advisory_key("retention_purge") < 2**63
