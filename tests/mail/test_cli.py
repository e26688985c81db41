"""`ideenwerkstatt mail deliver [--loop]`."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from sqlalchemy import select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus

from .conftest import RecordingHandler, free_port, queue_test_mail


def statuses() -> list[OutboxStatus]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_deliver_sends_everything_due_in_batches_and_exits(app, runner, smtp_server):
    server = smtp_server(app)
    queue_test_mail(7)

    result = runner.invoke(args=["mail", "deliver", "--batch-size", "3"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "mail: 7 sent, 0 to retry, 0 failed"
    assert len(server.handler.envelopes) == 7
    assert server.handler.connections == 3  # one per batch
    assert statuses() == [OutboxStatus.SENT] * 7


def test_deliver_without_smtp_writes_eml_files(app, runner):
    queue_test_mail(2)

    result = runner.invoke(args=["mail", "deliver"])

    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output
    assert len(list((Path(app.instance_path) / "mail").glob("*.eml"))) == 2


def test_deliver_reports_retries_and_failures(app, runner, smtp_server):
    smtp_server(app, RecordingHandler(temporary_failures=1, refuse=("person2@example.org",)))
    queue_test_mail(3)

    result = runner.invoke(args=["mail", "deliver"])

    assert result.exit_code == 0, result.output
    assert "mail: 1 sent, 1 to retry, 1 failed" in result.output


def test_deliver_fails_loudly_when_the_server_is_unreachable(app, runner):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    queue_test_mail(2)

    result = runner.invoke(args=["mail", "deliver"])

    assert result.exit_code == 1
    assert "2 left queued" in result.output
    assert "mail server unavailable" in result.output
    assert statuses() == [OutboxStatus.QUEUED] * 2


def test_loop_keeps_delivering_until_sigterm(app, runner, smtp_server):
    server = smtp_server(app)
    queue_test_mail(2)
    previous = signal.getsignal(signal.SIGTERM)

    def wait(condition) -> bool:
        for _ in range(500):
            if condition():
                return True
            threading.Event().wait(0.02)
        return False

    def terminate_when_done():
        # SIGTERM only once the command's handler is in place: it must not hit pytest.
        if wait(lambda: signal.getsignal(signal.SIGTERM) != previous):
            wait(lambda: len(server.handler.envelopes) == 2)
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            os.kill(os.getpid(), signal.SIGINT)  # a broken command: end the test run

    killer = threading.Thread(target=terminate_when_done)
    killer.start()
    result = runner.invoke(args=["mail", "deliver", "--loop", "--interval", "0.1"])
    killer.join()

    assert result.exit_code == 0, result.output
    assert "worker stopped" in result.output
    assert "mail: 2 sent, 0 to retry, 0 failed" in result.output
    assert signal.getsignal(signal.SIGTERM) == previous  # handlers restored
    assert statuses() == [OutboxStatus.SENT] * 2


def test_loop_survives_errors_and_waits_longer_while_the_server_is_down(app, monkeypatch):
    from ideenwerkstatt.mail import cli
    from ideenwerkstatt.mail.delivery import DeliveryReport

    stop = threading.Event()
    waits: list[float] = []
    results = iter(
        [
            RuntimeError("the database went away"),
            DeliveryReport(claimed=1, released=1, error="connection refused"),
            DeliveryReport(claimed=1, released=1, error="connection refused"),
            DeliveryReport(claimed=3, sent=3),
        ]
    )

    def fake_deliver_due(**kwargs):
        result = next(results)
        if isinstance(result, Exception):
            raise result
        if result.sent:
            stop.set()
        return result

    monkeypatch.setattr(cli, "deliver_due", fake_deliver_due)
    monkeypatch.setattr(stop, "wait", waits.append)

    cli.deliver_loop(5.0, 100, "worker", stop)

    # Waits grow while something is wrong, never beyond 30 s, and drop back once it works.
    assert waits == [10.0, 20.0, 30.0, 5.0]
