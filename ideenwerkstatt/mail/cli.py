"""`ideenwerkstatt mail deliver [--loop]`: the outbox worker."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from contextlib import contextmanager, nullcontext

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..database import utcnow
from ..extensions import db
from .delivery import DeliveryReport, deliver_due, new_worker_id
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

mail_cli = AppGroup("mail", help="Deliver the mail outbox.")

# While the mail server cannot be reached, the loop waits longer between tries, but never
# more than this: the first retry still comes within 30 seconds.
UNAVAILABLE_MAX_WAIT = 30.0


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
            total = _deliver_all_due(batch_size, worker_id, stop)
            click.echo(f"mail: {total.summary()}")
            if total.error:
                raise click.ClickException(f"mail server unavailable: {total.error}")
            return
        _loop(interval, batch_size, worker_id, stop)


def _loop(interval: float, batch_size: int, worker_id: str, stop: threading.Event) -> None:
    click.echo(f"mail: worker {worker_id} started (every {interval:g} s)")
    troubles = 0
    while not stop.is_set():
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
