"""`ideenwerkstatt mail deliver [--loop]`: the outbox worker."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..database import utcnow, writing
from ..extensions import db
from .delivery import DeliveryReport, deliver_due, new_worker_id
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

mail_cli = AppGroup("mail", help="Deliver the mail outbox.")

# While the mail server cannot be reached, the loop waits longer between tries, but never
# more than this: the first retry still comes within 30 seconds.
UNAVAILABLE_MAX_WAIT = 30.0

# Mail that falls due by the clock, not by a request (event reminders): features register
# `fn() -> int` (how many mails it queued). `mail remind` runs them; `mail deliver` runs them
# first, and `--loop` again every SCHEDULED_INTERVAL seconds, so one worker does both.
SCHEDULED_INTERVAL = 60.0
_before_delivery: dict[str, Callable[[], int]] = {}


def register_before_delivery(name: str, fn: Callable[[], int]) -> None:
    """Run `fn` before each delivery run (see above); registering a name again replaces it."""
    _before_delivery[name] = fn


def run_before_delivery() -> dict[str, int]:
    """Run each registered function in its own writing transaction and commit it. One that
    fails is logged and rolled back; delivery goes on regardless."""
    counts: dict[str, int] = {}
    for name, fn in list(_before_delivery.items()):
        try:
            with writing():
                counts[name] = fn()
                db.session.commit()
        except Exception:
            log.exception("scheduled mail %r failed", name)
            db.session.rollback()
    for name, count in counts.items():
        if count:
            click.echo(f"mail: {count} {name} queued")
    return counts


@contextmanager
def _stop_on_signals(stop: threading.Event):
    """SIGTERM/SIGINT set `stop`: the worker finishes the message in hand, puts the rest
    of its claim back and exits."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _handler(signum, _frame):
        click.echo(f"mail: {signal.Signals(signum).name} received, stopping", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, _handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _count_due() -> int:
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= utcnow()
    )
    count = db.session.scalar(query) or 0
    db.session.rollback()
    return count


def _deliver_all_due(batch_size: int, worker_id: str, stop: threading.Event) -> DeliveryReport:
    """Batches until nothing is due (or the server is unreachable, or we are told to stop)."""
    total = DeliveryReport()
    due = _count_due() if sys.stdout.isatty() else 0
    bar = click.progressbar(length=due, label="mail") if due > 1 else nullcontext()
    with bar as progress:
        on_message = (lambda: progress.update(1)) if progress is not None else None
        while not stop.is_set():
            report = deliver_due(
                limit=batch_size,
                worker_id=worker_id,
                should_stop=stop.is_set,
                on_message=on_message,
            )
            total += report
            if report.error or report.claimed < batch_size:
                break
    return total


@mail_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering until SIGTERM or SIGINT.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between looks at the outbox in --loop mode.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Messages claimed (and sent over one connection) at a time.",
)
def deliver_command(loop: bool, interval: float, batch_size: int) -> None:
    """Deliver the mail that is due, then exit; with --loop keep delivering.

    Any number of these may run at once (on any machine sharing the database): each
    message is claimed by one of them and sent once."""
    worker_id = new_worker_id()
    stop = threading.Event()
    with _stop_on_signals(stop):
        if not loop:
            run_before_delivery()
            total = _deliver_all_due(batch_size, worker_id, stop)
            click.echo(f"mail: {total.summary()}")
            if total.error:
                raise click.ClickException(f"mail server unavailable: {total.error}")
            return
        deliver_loop(interval, batch_size, worker_id, stop)


def deliver_loop(interval: float, batch_size: int, worker_id: str, stop: threading.Event) -> None:
    """Deliver what falls due until `stop` is set (the body of `mail deliver --loop`; `run`
    runs it in a thread beside the web server)."""
    click.echo(f"mail: worker {worker_id} started (every {interval:g} s)")
    troubles = 0
    scheduled_at = 0.0
    while not stop.is_set():
        if time.monotonic() >= scheduled_at:
            run_before_delivery()
            scheduled_at = time.monotonic() + SCHEDULED_INTERVAL
        try:
            report = deliver_due(limit=batch_size, worker_id=worker_id, should_stop=stop.is_set)
        except Exception:
            # The database went away, say: keep the worker alive and try again.
            log.exception("mail delivery failed")
            db.session.remove()  # a fresh session (and connection) for the next try
            report = None
        if report is not None and (report.claimed or report.recovered):
            click.echo(f"mail: {report.summary()}")
        if report is not None and not report.error:
            troubles = 0
            if report.claimed >= batch_size:
                continue  # more is due right now
            wait = interval
        else:
            troubles += 1
            if report is not None:
                click.echo(f"mail: server unavailable: {report.error}", err=True)
            wait = min(interval * 2 ** min(troubles, 10), max(UNAVAILABLE_MAX_WAIT, interval))
        stop.wait(wait)
    click.echo("mail: worker stopped")


@mail_cli.command("remind")
def remind_command() -> None:
    """Queue the mail that is due by the clock (the reminder 48 hours before an event, once
    per person) without delivering it. `mail deliver` does this too, before delivering."""
    counts = run_before_delivery()
    click.echo(f"mail: {sum(counts.values())} queued")
