"""Outbox delivery: claim due mail, send it over one connection, record each outcome.

How a message moves: QUEUED --claim--> SENDING --> SENT | QUEUED (retry later) | FAILED.

- The claim is its own short transaction, committed before any SMTP traffic, and it is
  atomic: on PostgreSQL `FOR UPDATE SKIP LOCKED`, on SQLite a conditional UPDATE inside
  BEGIN IMMEDIATE. Any number of workers (and the after-commit dispatch) can run at once;
  each row is claimed by exactly one of them.
- Outcomes are committed in small groups (RECORD_EVERY messages, or after RECORD_WITHIN
  seconds, whichever comes first; always before the batch ends), one transaction each,
  instead of one commit per message. So a crash loses at most the records of one group,
  whose messages are then sent again (below).
- Send-time checks (consent) still run before every single message.
- A worker that dies leaves rows in SENDING; after MAIL_CLAIM_TIMEOUT seconds any worker
  puts them back in the queue (counting an attempt, so a message that kills its worker
  cannot loop forever).

The one unavoidable duplicate: the server accepted a message and the worker died (or lost
the database) before committing SENT: at most the group not yet recorded (up to
RECORD_EVERY messages). They are sent again after the claim times out, with the same
Message-ID (stored on the row when first claimed), so mail programs that deduplicate on
it show each once. Everything else is exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import utcnow
from ..extensions import db
from .backends import (
    BackendUnavailable,
    DeliveryError,
    PermanentFailure,
    TemporaryFailure,
    open_backend,
)
from .claims import (
    Job,
    Outcome,
    backoff,
    claim,
    new_worker_id,
    record_outcomes,
    recover_stale_claims,
    release,
)
from .message import InvalidMessage, render_mail
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Outcomes are recorded (one transaction) for this many messages at a time, and at the
# latest this many seconds after the first of them was handled.
RECORD_EVERY = 20
RECORD_WITHIN = 1.0

__all__ = [
    "DeliveryReport",
    "backoff",
    "deliver_due",
    "deliver_ids",
    "dispatch_after_commit",
    "new_worker_id",
    "recover_stale_claims",
    "register_send_check",
]

# Mail that may leave only while a condition still holds when it is sent, not only when it
# was queued: an invitation needs the recipient's consent, which may be withdrawn while the
# message waits in the queue, or even after a worker claimed it. Features register a check
# per template: check(session, ids) returns the ids among them that must not go out; those
# are cancelled with `reason` instead of sent.
SendCheck = Callable[[Session, list[int]], set[int]]
_send_checks: dict[str, tuple[SendCheck, str]] = {}


def register_send_check(template: str, check: SendCheck, reason: str) -> None:
    """Run `check` right before each message of `template` is sent (see above). Registering
    a template again replaces its check."""
    _send_checks[template] = (check, reason)


def _checks_for(session: Session, jobs: list[Job]) -> dict[int, tuple[SendCheck, str]]:
    """Which claimed messages have a send-time check (one query; none without checks)."""
    if not _send_checks or not jobs:
        return {}
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.template).where(
            OutboxMessage.id.in_([job.id for job in jobs]),
            OutboxMessage.template.in_(sorted(_send_checks)),
        )
    ).all()
    session.rollback()  # end the read: recording an outcome begins its own (writing) transaction
    return {row.id: _send_checks[row.template] for row in rows}


def _refusal(session: Session, job: Job, checks: dict[int, tuple[SendCheck, str]]) -> str | None:
    """The reason this message must not go out now, or None."""
    if job.id not in checks:
        return None
    check, reason = checks[job.id]
    try:
        refused = job.id in check(session, [job.id])
    finally:
        session.rollback()
    return reason if refused else None


@dataclass
class DeliveryReport:
    """What one run did. `released`: claimed but put back untouched (the server could not
    be reached, a stop was requested); `error` says why the server could not be reached."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    claimed: int = 0
    released: int = 0
    recovered: int = 0
    error: str | None = None
    cancelled: int = 0  # refused by a send-time check (e.g. consent withdrawn meanwhile)

    def __iadd__(self, other: DeliveryReport) -> DeliveryReport:
        names = ("sent", "retried", "failed", "claimed", "released", "recovered", "cancelled")
        for name in names:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error = other.error or self.error
        return self

    def summary(self) -> str:
        text = f"{self.sent} sent, {self.retried} to retry, {self.failed} failed"
        if self.cancelled:
            text += f", {self.cancelled} cancelled"
        if self.released:
            text += f", {self.released} left queued"
        return text


def _deliver(
    session: Session,
    *,
    limit: int,
    worker_id: str | None = None,
    now: dt.datetime | None = None,
    ids: Sequence[int] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_message: Callable[[], None] | None = None,
) -> DeliveryReport:
    app = current_app._get_current_object()
    worker_id = worker_id or new_worker_id()
    clock = (lambda: now) if now is not None else utcnow
    report = DeliveryReport()
    if ids is None:
        report.recovered = recover_stale_claims(now=clock(), session=session)
    pending = claim(session, worker_id, clock(), limit, ids)
    report.claimed = len(pending)
    if not pending:
        return report
    # Stop well before another worker may take our claims for stale.
    deadline = time.monotonic() + app.config.get("MAIL_CLAIM_TIMEOUT", 600) / 2
    done: list[Outcome] = []  # handled, not yet recorded
    first_done_at = 0.0

    def record_done() -> None:
        if not done:
            return
        for outcome, status in zip(
            done, record_outcomes(session, worker_id, clock(), done), strict=True
        ):
            if outcome.refusal is not None:
                report.cancelled += 1
            elif outcome.error is None:
                report.sent += 1
            elif status is OutboxStatus.FAILED:
                report.failed += 1
            else:
                report.retried += 1
        done.clear()

    try:
        checks = _checks_for(session, pending)
        with open_backend(app) as backend:
            while pending and not (should_stop and should_stop()):
                if time.monotonic() > deadline:
                    break
                job = pending[0]
                refusal = None
                try:
                    # Checked right before sending: a withdrawal after the claim counts.
                    refusal = _refusal(session, job, checks)
                    if refusal is None:
                        backend.send(render_mail(job), outbox_id=job.id)
                except BackendUnavailable:
                    raise
                except InvalidMessage as exc:
                    outcome: DeliveryError | None = PermanentFailure(f"invalid message: {exc}")
                except DeliveryError as exc:
                    outcome = exc
                except Exception as exc:  # a bug must not fail all mail at once: retry it
                    log.exception("unexpected error sending outbox message %s", job.id)
                    outcome = TemporaryFailure(f"{type(exc).__name__}: {exc}")
                else:
                    outcome = None
                # Out of `pending` first: if recording fails, the row stays SENDING (and
                # is recovered later) instead of going straight back.
                pending.pop(0)
                if not done:
                    first_done_at = time.monotonic()
                done.append(Outcome(job, error=outcome, refusal=refusal))
                if len(done) >= RECORD_EVERY or time.monotonic() - first_done_at > RECORD_WITHIN:
                    record_done()
                if on_message:
                    on_message()
    except BackendUnavailable as exc:
        report.error = str(exc)
        log.warning("mail server unavailable, %d messages stay queued: %s", len(pending), exc)
    finally:
        try:
            session.rollback()  # nothing is open here, unless an error left it so
            record_done()  # what was handled is recorded before the rest goes back
        finally:
            if pending:
                try:
                    session.rollback()
                    report.released = release(
                        session, [job.id for job in pending], worker_id, report.error
                    )
                except Exception:
                    log.exception("could not release mail claims; they are recovered later")
    return report


def deliver_due(
    *,
    limit: int = 100,
    worker_id: str | None = None,
    now: dt.datetime | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_message: Callable[[], None] | None = None,
) -> DeliveryReport:
    """Deliver up to `limit` due messages (one batch) over one connection and return what
    happened. Safe to run in any number of processes at once: each message is claimed by
    one of them. `now` lets tests move the clock; `should_stop` is polled between messages.

    Commits on db.session (claims and groups of outcomes in their own transactions), so call it
    without a unit of work in progress: whatever is open is committed first."""
    session = db.session()
    if session.in_transaction():
        session.commit()
    return _deliver(
        session,
        limit=limit,
        worker_id=worker_id,
        now=now,
        should_stop=should_stop,
        on_message=on_message,
    )


def deliver_ids(ids: Iterable[int], *, session: Session | None = None) -> DeliveryReport:
    """Deliver exactly these messages if they are still queued and due (claimed like any
    other batch, so a worker running at the same time never sends one of them twice)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return DeliveryReport()
    return _deliver(session or db.session(), limit=len(ids), ids=ids)


def _deliver_in_thread(app: Flask, ids: list[int]) -> None:
    try:
        with app.app_context():  # its own db.session, on its own connection
            deliver_ids(ids)
    except Exception:
        log.exception("after-commit mail delivery failed; the worker delivers what is left")


def dispatch_after_commit(ids: Iterable[int]) -> threading.Thread | None:
    """Called after a commit with the outbox ids that transaction queued; tries to deliver
    them at once, as MAIL_DELIVER_AFTER_COMMIT says:

    - "off": nothing (`ideenwerkstatt mail deliver --loop` does it);
    - "sync": now, in this thread (the request waits for the mail server);
    - "thread": in a daemon thread with its own app context; returns the thread.

    Never raises: the transaction has committed, and whatever stays queued the worker
    delivers. It runs inside the committing session's after_commit event, where that
    session cannot be used, so "sync" works on a separate Session of its own."""
    try:
        return _dispatch([int(i) for i in ids if i is not None])
    except Exception:
        log.exception("after-commit mail delivery failed; the worker delivers what is left")
        return None


def _dispatch(ids: list[int]) -> threading.Thread | None:
    mode = str(current_app.config.get("MAIL_DELIVER_AFTER_COMMIT", "off")).lower()
    if not ids or mode == "off":
        return None
    if mode == "sync":
        with Session(db.engine) as session:
            deliver_ids(ids, session=session)
        return None
    if mode == "thread":
        thread = threading.Thread(
            target=_deliver_in_thread,
            args=(current_app._get_current_object(), ids),
            name="ideenwerkstatt-mail",
            daemon=True,
        )
        thread.start()
        return thread
    log.warning("MAIL_DELIVER_AFTER_COMMIT=%r is not off|sync|thread; mail stays queued", mode)
    return None
