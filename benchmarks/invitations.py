"""Benchmark: queue invitations to 10,000 consenting people on SQLite, then deliver them to a
local SMTP server (aiosmtpd) with one worker.

Targets (issue 5): queueing under 5 s; delivery at least 200 messages per second.

    python benchmarks/invitations.py [--people 10000] [--database sqlite:///...]

Everything happens in a temporary directory (SQLite file, instance folder); the SMTP
server listens on 127.0.0.1 only. Afterwards smtplib alone sends one of the messages to the
same server `--sink-check` times (default 2,000; 0 skips): the ceiling of the server itself,
so that a slow test server is not taken for slow delivery. Prints the numbers and exits 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUEUE_TARGET_SECONDS = 5.0


DELIVERY_TARGET_PER_SECOND = 200.0


class CountingSink:
    """An SMTP server that accepts everything and counts (aiosmtpd handler)."""

    def __init__(self):
        self.received = 0
        self.recipients: set[str] = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received += 1
        self.recipients.update(envelope.rcpt_tos)
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def seed_people(people: int) -> int:
    """`people` confirmed accounts that consented to invitations (a fifth in English),
    inserted in bulk; plus an organizer. Returns the organizer's id."""
    from sqlalchemy import insert

    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.database import utcnow
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.privacy.models import (
        ConsentAction,
        ConsentChannel,
        ConsentRecord,
        Purpose,
    )
    from ideenwerkstatt.privacy.services import consent_text_row

    now = utcnow()
    texts = {loc: consent_text_row(Purpose.INVITATIONS, loc).id for loc in ("de", "en")}
    organizer = User(
        email="orga@example.org",
        password_hash="x",  # nobody logs in here
        role="organizer",
        locale="de",
        confirmed_at=now,
    )
    db.session.add(organizer)
    db.session.flush()
    users = [
        {
            "email": f"person{n}@example.org",
            "password_hash": "x",
            "role": "citizen",
            "locale": "en" if n % 5 == 0 else "de",
            "created_at": now,
            "confirmed_at": now,
        }
        for n in range(people)
    ]
    db.session.execute(insert(User.__table__), users)
    rows = db.session.execute(
        User.__table__.select()
        .with_only_columns(User.id, User.locale)
        .where(User.id != organizer.id)
    ).all()
    db.session.execute(
        insert(ConsentRecord.__table__),
        [
            {
                "user_id": user_id,
                "purpose": Purpose.INVITATIONS,
                "action": ConsentAction.GRANTED,
                "consent_text_id": texts[locale],
                "channel": ConsentChannel.REGISTRATION,
                "created_at": now,
            }
            for user_id, locale in rows
        ],
    )
    db.session.commit()
    return organizer.id


def _app(tmp: Path, database_url: str | None):
    from ideenwerkstatt import create_app

    return create_app(
        {
            "INSTANCE_PATH": tmp / "instance",
            "SECRET_KEY": "benchmark-secret-key-0123456789-0123456789",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp / 'bench.db'}",
            "BASE_URL": "https://ideen.example.org",
            "MAIL_DELIVER_AFTER_COMMIT": "off",
            "MAIL_FROM": "Ideenwerkstatt <no-reply@ideen.example.org>",
        }
    )


def _worker(tmp: str, database_url: str | None, port: int, name: str, start, sent) -> None:
    """One delivery worker process: batches until nothing is left."""
    from ideenwerkstatt.mail.delivery import deliver_due

    app = _app(Path(tmp), database_url)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none")
    with app.app_context():
        start.wait()
        while True:
            report = deliver_due(limit=100, worker_id=name)
            with sent.get_lock():
                sent.value += report.sent
            if report.error:
                raise RuntimeError(report.error)
            if report.claimed == 0:
                break


def sink_alone(port: int, data: bytes, count: int) -> float:
    """Messages per second that smtplib alone gets through to the sink: `count` copies of
    one delivered message over one connection, no database, no MIME building. The ceiling
    any delivery can reach against this sink on this machine."""
    import smtplib

    smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="bench.example.org")
    smtp.ehlo()
    started = time.perf_counter()
    for n in range(count):
        smtp.sendmail(
            "no-reply@ideen.example.org", [f"sink{n}@example.org"], data, ["BODY=8BITMIME"]
        )
    seconds = time.perf_counter() - started
    smtp.quit()
    return count / seconds


def deliver_with_processes(tmp: Path, database_url, port: int, workers: int) -> tuple[int, float]:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start, sent = context.Event(), context.Value("i", 0)
    processes = [
        context.Process(
            target=_worker, args=(str(tmp), database_url, port, f"bench-{n}", start, sent)
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    time.sleep(3)  # let every process import and build its app before the clock starts
    started = time.perf_counter()
    start.set()
    for process in processes:
        process.join()
    return sent.value, time.perf_counter() - started


def _deliver(tmp: Path, database_url, port: int, workers: int) -> tuple[int, float]:
    """Deliver everything due: in this process (one worker) or in `workers` processes.
    Returns (messages sent, seconds)."""
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.mail.delivery import deliver_due

    if workers > 1:
        db.session.remove()
        return deliver_with_processes(tmp, database_url, port, workers)
    started = time.perf_counter()
    sent = 0
    while True:
        report = deliver_due(limit=100, worker_id="bench")
        sent += report.sent
        if report.error:
            raise RuntimeError(report.error)
        if report.claimed == 0:
            break
    return sent, time.perf_counter() - started


def run(people: int, database_url: str | None, workers: int = 1, sink_check: int = 0) -> dict:
    from aiosmtpd.controller import Controller
    from sqlalchemy import select

    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.database import utcnow, writing
    from ideenwerkstatt.events.models import Event, Phase
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.invitations.models import Audience
    from ideenwerkstatt.invitations.services import send_invitations
    from ideenwerkstatt.mail.message import render_mail
    from ideenwerkstatt.mail.models import OutboxMessage

    tmp = Path(tempfile.mkdtemp(prefix="iw-bench-"))
    app = _app(tmp, database_url)
    import datetime as dt

    with app.app_context():
        db.create_all()
        organizer_id = seed_people(people)
        event = Event(
            slug="hamm-von-morgen-mobilitaet",
            title="Hamm von Morgen: Mobilität",
            description="Wie kommen wir 2030 durch die Stadt?\n\nAlle sind eingeladen.",
            place="Rathaus, Marktplatz 1",
            starts_at=utcnow() + dt.timedelta(days=14),
            ends_at=utcnow() + dt.timedelta(days=14, hours=6),
            phase=Phase.COLLECTING,
            capacity=120,
        )
        db.session.add(event)
        db.session.commit()

        # -- queueing -----------------------------------------------------------------------
        started = time.perf_counter()
        with writing():
            organizer = db.session.get(User, organizer_id)
            run = send_invitations(organizer, db.session.get(Event, event.id), Audience.CONSENTED)
            db.session.commit()
        queue_seconds = time.perf_counter() - started
        queued = run.queued

        # -- delivery -------------------------------------------------------------------------
        sink = CountingSink()
        port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none")
        try:
            sent, deliver_seconds = _deliver(tmp, database_url, port, workers)
            sink_rate = None
            if sink_check:
                row = db.session.scalars(select(OutboxMessage).limit(1)).one()
                data = render_mail(row).as_bytes()
                received, recipients = sink.received, set(sink.recipients)
                sink_rate = sink_alone(port, data, sink_check)
                sink.received, sink.recipients = received, recipients  # the delivery's only
        finally:
            controller.stop()
        db.session.remove()
        db.engine.dispose()

    return {
        "people": people,
        "database": "PostgreSQL" if database_url else "SQLite (file, WAL)",
        "queued": queued,
        "queue_seconds": queue_seconds,
        "sent": sent,
        "received": sink.received,
        "distinct_recipients": len(sink.recipients),
        "deliver_seconds": deliver_seconds,
        "per_second": sent / deliver_seconds if deliver_seconds else 0.0,
        "sink_per_second": sink_rate,
        "workers": workers,
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database", help="a database URL instead of a fresh SQLite file")
    parser.add_argument(
        "--workers", type=int, default=1, help="delivery worker processes (the target: one)"
    )
    parser.add_argument(
        "--sink-check",
        type=int,
        default=2000,
        metavar="N",
        help="afterwards, time N copies of one message sent by smtplib alone to the same "
        "SMTP sink (the sink's ceiling; 0: skip)",
    )
    args = parser.parse_args(argv)
    result = run(args.people, args.database, args.workers, args.sink_check)
    queue_ok = result["queue_seconds"] < QUEUE_TARGET_SECONDS
    deliver_ok = result["per_second"] >= DELIVERY_TARGET_PER_SECOND
    print(f"machine: {result['nproc']} cores, {result['cpu']}, Python {result['python']}")
    print(f"database: {result['database']}")
    print(
        f"queue invitations to {result['people']} people: {result['queued']} queued in "
        f"{result['queue_seconds']:.2f} s (target < {QUEUE_TARGET_SECONDS:.0f} s) "
        f"{'OK' if queue_ok else 'MISSED'}"
    )
    print(
        f"deliver with {result['workers']} worker(s): {result['sent']} sent in "
        f"{result['deliver_seconds']:.2f} s = "
        f"{result['per_second']:.0f} messages/s (target >= {DELIVERY_TARGET_PER_SECOND:.0f}) "
        f"{'OK' if deliver_ok else 'MISSED'}"
    )
    print(
        f"server received {result['received']} messages for "
        f"{result['distinct_recipients']} distinct recipients"
    )
    if result["sink_per_second"]:
        print(
            f"the SMTP sink alone (smtplib, one message {args.sink_check} times, no database): "
            f"{result['sink_per_second']:.0f} messages/s"
        )
    return 0 if queue_ok and deliver_ok and result["received"] == result["queued"] else 1


if __name__ == "__main__":
    sys.exit(main())
