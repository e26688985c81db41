"""Mail leaves right after the commit that queued it (MAIL_DELIVER_AFTER_COMMIT), never before."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus

from .conftest import free_port, queue_test_mail


def statuses() -> list[OutboxStatus]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def join_mail_threads(timeout: float = 10.0) -> None:
    for thread in threading.enumerate():
        if thread.name == "ideenwerkstatt-mail":
            thread.join(timeout)
            assert not thread.is_alive()


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def app_config():
    return {"MAIL_DELIVER_AFTER_COMMIT": "sync"}


def test_sync_delivers_right_after_the_commit(app, smtp_server):
    server = smtp_server(app)
    queue_test_mail(2, commit=False)
    assert server.handler.envelopes == []  # nothing leaves before the commit

    db.session.commit()

    assert sorted(server.handler.recipients) == ["person0@example.org", "person1@example.org"]
    assert server.handler.connections == 1
    assert statuses() == [OutboxStatus.SENT] * 2


def test_nothing_is_sent_when_the_transaction_rolls_back(app, smtp_server):
    server = smtp_server(app)
    queue_test_mail(1, commit=False)
    db.session.rollback()

    queue_test_mail(1, commit=True, to="later@example.org")  # a later, unrelated commit

    assert server.handler.recipients == ["later@example.org"]
    assert statuses() == [OutboxStatus.SENT]


def test_a_released_savepoint_is_not_a_commit(app, smtp_server):
    server = smtp_server(app)
    with db.session.begin_nested():
        queue_test_mail(1, commit=False)
    assert server.handler.envelopes == []

    db.session.commit()

    assert server.handler.recipients == ["person0@example.org"]


def test_a_rolled_back_savepoint_keeps_the_outer_transactions_mail(app, smtp_server):
    server = smtp_server(app)
    queue_test_mail(1, commit=False, to="outer@example.org")
    savepoint = db.session.begin_nested()
    queue_test_mail(1, commit=False, to="inner@example.org")
    savepoint.rollback()

    db.session.commit()

    assert server.handler.recipients == ["outer@example.org"]
    assert statuses() == [OutboxStatus.SENT]


def test_a_mail_server_that_is_down_does_not_break_the_commit(app):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    queue_test_mail(1, commit=False)

    db.session.commit()  # no exception: the transaction committed, the mail waits

    (row,) = db.session.scalars(select(OutboxMessage))
    assert (row.status, row.attempts, row.claimed_by is not None) == (OutboxStatus.QUEUED, 0, True)


def test_a_failing_dispatch_never_breaks_the_commit(app, monkeypatch, caplog):
    from ideenwerkstatt.mail import delivery

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(delivery, "deliver_ids", broken)
    queue_test_mail(1)  # commits without an exception

    assert statuses() == [OutboxStatus.QUEUED]
    assert "after-commit mail delivery failed" in caplog.text


def test_dispatch_only_takes_the_committed_ids(app, smtp_server):
    """Mail already waiting for the worker is not swept along by someone else's commit."""
    app.config["MAIL_DELIVER_AFTER_COMMIT"] = "off"
    queue_test_mail(1, to="waiting@example.org")
    app.config["MAIL_DELIVER_AFTER_COMMIT"] = "sync"
    server = smtp_server(app)

    queue_test_mail(1, to="new@example.org")

    assert server.handler.recipients == ["new@example.org"]
    assert statuses() == [OutboxStatus.QUEUED, OutboxStatus.SENT]


def test_sync_in_a_request(app, smtp_server, client):
    """The hook runs inside session.commit() of a request: its own session does the work."""
    from ideenwerkstatt.database import commit

    server = smtp_server(app)

    @app.post("/_test/queue-mail")
    def _queue():
        queue_test_mail(1, commit=False, to="request@example.org")
        commit()
        return "ok"

    assert client.post("/_test/queue-mail").status_code == 200
    assert server.handler.recipients == ["request@example.org"]
    assert statuses() == [OutboxStatus.SENT]


@pytest.mark.parametrize("app_config", [{"MAIL_DELIVER_AFTER_COMMIT": "off"}])
def test_off_leaves_it_to_the_worker(app, smtp_server, app_config):
    server = smtp_server(app)
    queue_test_mail(1)
    assert server.handler.envelopes == []
    assert statuses() == [OutboxStatus.QUEUED]


@pytest.mark.parametrize("app_config", [{"MAIL_DELIVER_AFTER_COMMIT": "thread"}])
def test_thread_delivers_in_the_background(file_db_app, smtp_server, app_config):
    server = smtp_server(file_db_app)
    queue_test_mail(3)

    wait_for(lambda: len(server.handler.envelopes) == 3)
    wait_for(lambda: statuses() == [OutboxStatus.SENT] * 3)
    join_mail_threads()
    assert server.handler.connections == 1


@pytest.mark.parametrize("app_config", [{"MAIL_DELIVER_AFTER_COMMIT": "thread"}])
def test_thread_errors_are_logged_not_raised(file_db_app, app_config, caplog):
    file_db_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)

    queue_test_mail(1)
    join_mail_threads()

    assert statuses() == [OutboxStatus.QUEUED]
    assert "mail server unavailable" in caplog.text
