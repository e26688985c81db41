"""Invitations through a real SMTP server (aiosmtpd): the server refusing and coming back
loses nothing and sends nothing twice, also with two workers at once; a withdrawal before
or during delivery stops that person's mail. On an SQLite file, or on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

from aiosmtpd.controller import Controller
from sqlalchemy import select

from ideenwerkstatt.database import utcnow, writing
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ics import FILENAME
from ideenwerkstatt.invitations import services
from ideenwerkstatt.invitations.models import Audience
from ideenwerkstatt.mail.delivery import DeliveryReport, deliver_due
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus
from ideenwerkstatt.privacy.models import ConsentChannel, Purpose
from ideenwerkstatt.privacy.services import withdraw_consent

from ..factories import make_event, make_user
from ..mail.conftest import RecordingHandler, free_port
from .conftest import consenting_user

PEOPLE = 24


def queue_invitations(people: int = PEOPLE):
    event = make_event(title="Hamm von Morgen: Mobilität")
    users = [consenting_user() for _ in range(people)]
    services.send_invitations(make_user(role="organizer"), event, Audience.CONSENTED)
    db.session.commit()
    return event, users


def statuses() -> Counter:
    db.session.rollback()  # a fresh snapshot: see what the workers committed
    return Counter(db.session.scalars(select(OutboxMessage.status)))


def run_workers(app, count: int, *, now: dt.datetime | None = None, batch: int = 4):
    """`count` threads delivering batches at once until nothing is left for them."""
    barrier = threading.Barrier(count)
    totals = [DeliveryReport() for _ in range(count)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                while True:
                    report = deliver_due(limit=batch, worker_id=f"worker-{n}", now=now)
                    totals[n] += report
                    if report.claimed == 0 or report.error:
                        break
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return totals


def assert_each_once(handler, users):
    assert sorted(handler.recipients) == sorted(u.email for u in users)
    assert Counter(handler.message_ids).most_common(1)[0][1] == 1
    assert statuses() == Counter({OutboxStatus.SENT: len(users)})


def test_421_then_back_two_workers_nothing_lost_nothing_twice(file_db_app, smtp_server):
    # The server answers the first messages with 421 (and drops the connection each time).
    handler = RecordingHandler(temporary_failures=6, delay=0.002)
    smtp_server(file_db_app, handler)
    _event, users = queue_invitations()
    db.session.rollback()

    first = run_workers(file_db_app, 2)
    assert sum(t.sent for t in first) + sum(t.retried for t in first) >= PEOPLE - 6
    assert statuses()[OutboxStatus.QUEUED] == sum(t.retried for t in first) > 0

    # Later, when the back-off has passed, the server takes everything.
    later = utcnow() + dt.timedelta(hours=2)
    run_workers(file_db_app, 2, now=later)
    assert_each_once(handler, users)


def test_server_down_then_up_again_on_the_same_port(file_db_app):
    port = free_port()  # nothing listens there yet: the server is down
    file_db_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none")
    _event, users = queue_invitations(6)
    db.session.rollback()

    down = run_workers(file_db_app, 2)
    assert all(t.sent == 0 for t in down)
    assert any(t.error for t in down)
    assert statuses() == Counter({OutboxStatus.QUEUED: 6})  # released, nothing lost

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        run_workers(file_db_app, 2)
    finally:
        controller.stop()
    assert_each_once(handler, users)


def test_a_delivered_invitation_is_a_valid_mail_with_calendar_and_unsubscribe(
    file_db_app, smtp_server
):
    server = smtp_server(file_db_app, RecordingHandler())
    _event, [user] = queue_invitations(1)
    db.session.rollback()
    run_workers(file_db_app, 1)
    [envelope] = server.handler.envelopes
    message = envelope.message
    url = services.unsubscribe_url(user.id, user.email)
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] and message["Date"]
    assert message["Subject"] == "Einladung: Hamm von Morgen: Mobilität"
    kinds = [part.get_content_type() for part in message.walk()]
    assert kinds[0] == "multipart/mixed"
    assert {"text/plain", "text/html", "text/calendar"} <= set(kinds)
    [calendar] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert calendar.get_filename() == FILENAME
    assert "BEGIN:VEVENT" in calendar.get_content()
    html = message.get_body(("html",)).get_content()
    assert "<img" not in html  # no tracking pixels


def test_withdrawal_after_queueing_stops_that_persons_mail(file_db_app, smtp_server):
    server = smtp_server(file_db_app, RecordingHandler())
    _event, users = queue_invitations(4)
    with writing():
        withdraw_consent(users[1], Purpose.INVITATIONS, ConsentChannel.UNSUBSCRIBE_LINK)
        db.session.commit()
    db.session.rollback()
    run_workers(file_db_app, 2)
    assert sorted(server.handler.recipients) == sorted(
        u.email for i, u in enumerate(users) if i != 1
    )
    assert statuses() == Counter({OutboxStatus.SENT: 3, OutboxStatus.CANCELLED: 1})


class WithdrawDuringDelivery(RecordingHandler):
    """While the first message of a batch is being sent, another recipient of the same batch
    (already claimed by the worker, so no longer "queued") withdraws their consent."""

    def __init__(self, app, user_id):
        super().__init__()
        self.app, self.user_id, self.done = app, user_id, False

    async def handle_DATA(self, server, session, envelope):
        if not self.done:
            self.done = True
            self._withdraw()
        return await super().handle_DATA(server, session, envelope)

    def _withdraw(self):
        from ideenwerkstatt.accounts.models import User

        with self.app.app_context(), writing():
            withdraw_consent(
                db.session.get(User, self.user_id),
                Purpose.INVITATIONS,
                ConsentChannel.UNSUBSCRIBE_LINK,
            )
            db.session.commit()


def test_withdrawal_between_claim_and_send_stops_that_persons_mail(file_db_app, smtp_server):
    _event, users = queue_invitations(3)
    last = max(users, key=lambda u: u.id)
    handler = WithdrawDuringDelivery(file_db_app, last.id)
    smtp_server(file_db_app, handler)
    db.session.rollback()
    report = deliver_due(limit=10, worker_id="one-batch")
    assert report.claimed == 3
    assert (report.sent, report.cancelled) == (2, 1)
    assert last.email not in handler.recipients
    db.session.rollback()
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == last.id))
    assert row.status is OutboxStatus.CANCELLED
    assert "consent" in row.last_error
