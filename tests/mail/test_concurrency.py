"""Several workers at once (threads here, processes in production): each mail goes out once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.delivery import DeliveryReport, deliver_due
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus

from .conftest import RecordingHandler, queue_test_mail

MESSAGES = 40


def run_workers(app, count: int, batch_size: int) -> list[DeliveryReport]:
    """`count` threads, each with its own app context (own session and connection),
    delivering batches until nothing is left for it; started together."""
    barrier = threading.Barrier(count)
    totals = [DeliveryReport() for _ in range(count)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                while True:
                    report = deliver_due(limit=batch_size, worker_id=f"worker-{n}")
                    totals[n] += report
                    assert report.error is None
                    if report.claimed == 0:
                        break
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return totals


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_workers_deliver_every_mail_exactly_once(file_db_app, smtp_server, workers):
    server = smtp_server(file_db_app, RecordingHandler(delay=0.002))
    queue_test_mail(MESSAGES)

    totals = run_workers(file_db_app, workers, batch_size=3)

    expected = [f"person{i}@example.org" for i in range(MESSAGES)]
    assert sorted(server.handler.recipients) == sorted(expected)
    assert Counter(server.handler.message_ids).most_common(1)[0][1] == 1
    assert sum(t.sent for t in totals) == MESSAGES
    db.session.rollback()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert sorted(server.handler.message_ids) == sorted(row.message_id for row in rows)
    # Each row names the one worker that sent it, and that worker counted it.
    by_worker = Counter(row.claimed_by for row in rows)
    assert by_worker == Counter({f"worker-{n}": t.sent for n, t in enumerate(totals) if t.sent})


@pytest.mark.parametrize("app_config", [{"MAIL_DELIVER_AFTER_COMMIT": "thread"}])
def test_after_commit_threads_and_a_worker_never_send_twice(file_db_app, smtp_server, app_config):
    """Requests hand their mail to background threads while a worker sweeps the outbox."""
    server = smtp_server(file_db_app, RecordingHandler(delay=0.002))
    stop = threading.Event()

    def worker() -> None:
        with file_db_app.app_context():
            while not stop.is_set():
                deliver_due(limit=2, worker_id="sweeper")

    sweeper = threading.Thread(target=worker)
    sweeper.start()
    try:
        for i in range(10):
            queue_test_mail(2, to=f"r{i}@example.org")  # each commit starts a thread
    finally:
        stop.set()
        sweeper.join(30)
    for thread in threading.enumerate():
        if thread.name == "ideenwerkstatt-mail":
            thread.join(30)
    with file_db_app.app_context():
        deliver_due()  # whatever is left

    assert sorted(server.handler.recipients) == sorted(
        f"r{i}@example.org" for i in range(10) for _ in "ab"
    )
    assert len(server.handler.message_ids) == len(set(server.handler.message_ids)) == 20
