"""Delivery over a real SMTP server: one connection per batch, retries, failures, recovery."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail import delivery
from ideenwerkstatt.mail.backends import MAX_RECONNECTS
from ideenwerkstatt.mail.delivery import backoff, deliver_due, recover_stale_claims
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus

from .conftest import RecordingHandler, free_port, queue_test_mail


def rows() -> list[OutboxMessage]:
    db.session.rollback()  # see what the delivery committed
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_batch_goes_over_one_connection(app, smtp_server):
    server = smtp_server(app)
    queue_test_mail(5)

    report = deliver_due()

    assert (report.sent, report.retried, report.failed) == (5, 0, 0)
    assert server.handler.connections == 1
    assert sorted(server.handler.recipients) == [f"person{i}@example.org" for i in range(5)]
    envelope = server.handler.envelopes[0]
    assert envelope.mail_from == "no-reply@localhost"
    assert "BODY=8BITMIME" in envelope.mail_options
    assert envelope.message["Subject"].startswith("Testnachricht für Person 0")
    assert all(row.status is OutboxStatus.SENT and row.sent_at for row in rows())
    assert sorted(server.handler.message_ids) == sorted(row.message_id for row in rows())


def test_421_then_recovery_loses_nothing_and_sends_nothing_twice(app, smtp_server):
    server = smtp_server(app, RecordingHandler(temporary_failures=2))
    queue_test_mail(5)
    t0 = utcnow()

    first = deliver_due(now=t0)

    assert (first.sent, first.retried, first.failed) == (3, 2, 0)
    # smtplib drops the connection on 421; the batch carried on over a fresh one.
    assert server.handler.connections == 3
    waiting = [row for row in rows() if row.status is OutboxStatus.QUEUED]
    assert len(waiting) == 2
    for row in waiting:
        assert row.attempts == 1
        assert row.last_error.startswith("421 4.3.2")
        assert t0 < row.next_attempt_at <= t0 + dt.timedelta(seconds=30)
        assert row.message_id  # fixed before the first attempt
    first_ids = {row.id: row.message_id for row in waiting}

    assert deliver_due(now=t0 + dt.timedelta(seconds=5)).claimed == 0  # not due yet
    second = deliver_due(now=t0 + dt.timedelta(seconds=30))

    assert (second.sent, second.retried, second.failed) == (2, 0, 0)
    assert all(row.status is OutboxStatus.SENT for row in rows())
    assert sorted(server.handler.recipients) == [f"person{i}@example.org" for i in range(5)]
    assert len(set(server.handler.message_ids)) == 5
    # The retried mails kept the Message-ID they were given at the first attempt.
    assert set(first_ids.values()) <= set(server.handler.message_ids)


def test_temporary_failures_back_off_and_finally_give_up(app, smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    failure = "451 4.7.1 Greylisted, please try again"
    server = smtp_server(app, RecordingHandler(temporary_failures=99, failure=failure))
    (mid,) = queue_test_mail(1)
    now = utcnow()

    for attempt in (1, 2):
        report = deliver_due(now=now)
        assert report.retried == 1
        (row,) = rows()
        assert (row.status, row.attempts) == (OutboxStatus.QUEUED, attempt)
        assert row.next_attempt_at == now + backoff(attempt)
        now = row.next_attempt_at

    report = deliver_due(now=now)
    assert report.failed == 1
    (row,) = rows()
    assert row.status is OutboxStatus.FAILED
    assert row.last_error == f"gave up after 3 attempts: {failure}"
    assert server.handler.connections == 3  # 451 keeps the connection; one per run
    assert deliver_due(now=now + dt.timedelta(days=1)).claimed == 0


def test_backoff_starts_within_30_seconds_and_caps_at_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [
        15,
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
    ]
    assert backoff(9).total_seconds() == 3600
    assert backoff(1000).total_seconds() == 3600


def test_5xx_recipient_fails_at_once_with_the_reason_and_is_not_retried(app, smtp_server):
    server = smtp_server(app, RecordingHandler(refuse=("person1@example.org",)))
    queue_test_mail(3)

    report = deliver_due()

    assert (report.sent, report.retried, report.failed) == (2, 0, 1)
    refused = next(row for row in rows() if row.recipient == "person1@example.org")
    assert refused.status is OutboxStatus.FAILED
    assert refused.attempts == 1
    assert refused.last_error == "recipient refused: 550 5.1.1 Mailbox unavailable"
    assert server.handler.connections == 1  # a refusal does not cost the connection
    assert deliver_due(now=utcnow() + dt.timedelta(days=1)).claimed == 0
    assert sorted(server.handler.recipients) == ["person0@example.org", "person2@example.org"]


def test_5xx_for_the_message_data_fails_it(app, smtp_server):
    smtp_server(app, RecordingHandler(temporary_failures=1, failure="554 5.6.0 Message rejected"))
    queue_test_mail(2)

    report = deliver_due()

    assert (report.sent, report.failed) == (1, 1)
    failed = [row for row in rows() if row.status is OutboxStatus.FAILED]
    assert [row.last_error for row in failed] == ["554 5.6.0 Message rejected"]


def test_a_refused_sender_keeps_the_mail_queued(app, smtp_server):
    """550 to MAIL FROM is our configuration, not the message: failing it would fail
    every queued mail at once. It is retried with back-off until the operator fixes it."""
    smtp_server(app, RecordingHandler(refuse_sender=True))
    queue_test_mail(2)

    report = deliver_due()

    assert (report.sent, report.retried, report.failed) == (0, 2, 0)
    assert {row.status for row in rows()} == {OutboxStatus.QUEUED}
    assert {row.last_error for row in rows()} == {"550 5.7.1 Sender address not allowed"}


def test_server_down_leaves_everything_queued_without_counting_attempts(app, smtp_server):
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=2)
    queue_test_mail(3)

    report = deliver_due()

    assert (report.sent, report.retried, report.failed, report.released) == (0, 0, 0, 3)
    assert "ConnectionRefusedError" in report.error
    assert [(row.status, row.attempts) for row in rows()] == [(OutboxStatus.QUEUED, 0)] * 3
    assert all("Connection refused" in row.last_error for row in rows())

    server = smtp_server(app, port=port)  # the server comes back
    report = deliver_due()
    assert report.sent == 3
    assert len(server.handler.envelopes) == 3
    assert [row.last_error for row in rows()] == [None] * 3


def test_a_server_that_keeps_dropping_the_connection_stops_the_batch(app, smtp_server):
    smtp_server(app, RecordingHandler(temporary_failures=99))  # 421 every time
    queue_test_mail(MAX_RECONNECTS + 4)

    report = deliver_due()

    # One try per connection; then the rest stay queued for the next run, untouched.
    assert report.retried == MAX_RECONNECTS + 1
    assert report.released == 3
    assert report.error
    untouched = [row for row in rows() if row.attempts == 0]
    assert len(untouched) == 3
    assert all(row.status is OutboxStatus.QUEUED for row in untouched)


def test_a_stop_request_puts_the_rest_of_the_claim_back(app, smtp_server):
    server = smtp_server(app)
    queue_test_mail(4)
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 1  # stop after the first message

    report = deliver_due(should_stop=should_stop)

    assert (report.sent, report.released) == (1, 3)
    assert len(server.handler.envelopes) == 1
    assert [row.status for row in rows()] == [OutboxStatus.SENT] + [OutboxStatus.QUEUED] * 3
    assert all(row.claimed_by is not None for row in rows())


def _claim_by_hand(row_id: int, worker: str, at: dt.datetime) -> None:
    row = db.session.get(OutboxMessage, row_id)
    row.status, row.claimed_by, row.claimed_at = OutboxStatus.SENDING, worker, at
    db.session.commit()


def test_stale_claims_of_a_crashed_worker_are_recovered(app, smtp_server):
    server = smtp_server(app)
    crashed, busy = queue_test_mail(2)
    now = utcnow()
    _claim_by_hand(crashed, "crashed-worker", now - dt.timedelta(minutes=11))
    _claim_by_hand(busy, "busy-worker", now - dt.timedelta(minutes=1))

    report = deliver_due(now=now)

    assert (report.recovered, report.sent) == (1, 1)
    assert server.handler.recipients == ["person0@example.org"]
    by_id = {row.id: row for row in rows()}
    assert by_id[crashed].status is OutboxStatus.SENT
    assert by_id[crashed].attempts == 1  # the interrupted attempt counts
    assert by_id[busy].status is OutboxStatus.SENDING  # a live worker's claim is left alone


def test_stale_recovery_gives_up_at_the_attempt_limit(app):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    (mid,) = queue_test_mail(1)
    row = db.session.get(OutboxMessage, mid)
    row.attempts = 1
    db.session.commit()
    _claim_by_hand(mid, "crashed-worker", utcnow() - dt.timedelta(hours=1))

    assert recover_stale_claims() == 1

    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 2)
    assert row.last_error.startswith("gave up after 2 attempts")


def test_a_late_sent_record_survives_stale_recovery(app, smtp_server):
    """If our claim was taken for stale but nobody has claimed the row since, sending it
    still marks it sent, so it does not go out a second time."""
    from ideenwerkstatt.mail import claims

    smtp_server(app)
    (mid,) = queue_test_mail(1)
    jobs = claims.claim(db.session(), "slow-worker", utcnow(), 10, None)
    _claim_by_hand(mid, "slow-worker", utcnow() - dt.timedelta(hours=1))
    recover_stale_claims()
    assert rows()[0].status is OutboxStatus.QUEUED

    claims.record_outcomes(db.session(), "slow-worker", utcnow(), [claims.Outcome(jobs[0])])

    assert rows()[0].status is OutboxStatus.SENT


def test_a_server_without_8bitmime_gets_7bit_mail(app, smtp_server):
    server = smtp_server(app, decode_data=True)  # aiosmtpd then offers no 8BITMIME
    queue_test_mail(1)

    assert deliver_due().sent == 1

    (envelope,) = server.handler.envelopes
    assert "BODY=8BITMIME" not in envelope.mail_options
    assert envelope.raw.isascii()
    assert "Umlauten: äöüß" in envelope.message.get_body(("plain",)).get_content()


def test_international_addresses_need_smtputf8(app, smtp_server):
    server = smtp_server(app, enable_SMTPUTF8=True)
    queue_test_mail(1, to="jörg@example.org")

    assert deliver_due().sent == 1

    (envelope,) = server.handler.envelopes
    assert envelope.rcpt_tos == ["jörg@example.org"]
    assert "SMTPUTF8" in envelope.mail_options


def test_international_addresses_fail_without_smtputf8(app, smtp_server):
    server = smtp_server(app, enable_SMTPUTF8=False)
    queue_test_mail(1, to="jörg@example.org")

    assert deliver_due().failed == 1

    assert server.handler.envelopes == []
    assert "internationalized" in rows()[0].last_error


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_against_a_plain_server_is_a_connection_problem(app, smtp_server, security):
    """TLS asked for but not offered: no mail goes out in clear, none is failed."""
    server = smtp_server(app)
    app.config.update(SMTP_SECURITY=security, SMTP_TIMEOUT=2)
    queue_test_mail(1)

    report = deliver_due()

    assert report.error and report.released == 1
    assert server.handler.envelopes == []
    assert rows()[0].status is OutboxStatus.QUEUED


class StatusesAtEachMessage(RecordingHandler):
    """Notes, as each message arrives, the outbox statuses another connection sees."""

    def __init__(self, app):
        super().__init__()
        self.app = app
        self.seen: list[Counter] = []

    async def handle_DATA(self, server, session, envelope):
        with self.app.app_context():
            self.seen.append(Counter(db.session.scalars(select(OutboxMessage.status))))
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize(
    ("every", "within", "sent_before_each"),
    [(2, 60.0, [0, 0, 2, 2, 4]), (100, 0.0, [0, 1, 2, 3, 4])],
)
def test_outcomes_are_recorded_in_small_groups(
    file_db_app, smtp_server, monkeypatch, every, within, sent_before_each
):
    """One transaction records several outcomes: every `RECORD_EVERY` messages, and at the
    latest `RECORD_WITHIN` seconds after the first unrecorded one."""
    monkeypatch.setattr(delivery, "RECORD_EVERY", every)
    monkeypatch.setattr(delivery, "RECORD_WITHIN", within)
    handler = StatusesAtEachMessage(file_db_app)
    smtp_server(file_db_app, handler)
    queue_test_mail(5)
    db.session.rollback()

    assert deliver_due().sent == 5

    assert [seen[OutboxStatus.SENT] for seen in handler.seen] == sent_before_each
    assert [sum(seen.values()) for seen in handler.seen] == [5] * 5
    assert [row.status for row in rows()] == [OutboxStatus.SENT] * 5


def test_when_recording_fails_the_sent_are_recorded_before_the_rest_goes_back(
    app, smtp_server, monkeypatch
):
    server = smtp_server(app)
    queue_test_mail(5)
    monkeypatch.setattr(delivery, "RECORD_EVERY", 2)
    record_outcomes, calls = delivery.record_outcomes, []

    def fails_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return record_outcomes(*args)

    monkeypatch.setattr(delivery, "record_outcomes", fails_once)

    with pytest.raises(RuntimeError):
        deliver_due()

    assert len(server.handler.envelopes) == 2
    assert [row.status for row in rows()] == [OutboxStatus.SENT] * 2 + [OutboxStatus.QUEUED] * 3
    assert all(row.attempts == 0 for row in rows())
