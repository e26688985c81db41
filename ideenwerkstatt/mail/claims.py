"""The database side of delivery: claim due rows, record outcomes, recover stale claims.

Every function here runs its own short transaction on the session it is given and
commits it; none of them talks to a mail server."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from ..database import utcnow, writing
from ..extensions import db
from .backends import DeliveryError, PermanentFailure
from .message import new_message_id
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 15
BACKOFF_MAX_SECONDS = 3600
ERROR_LENGTH = 500  # OutboxMessage.last_error


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 15 s, 30 s, 60 s, ...,
    at most an hour (the first retry comes within 30 seconds, as the spec promises)."""
    exponent = min(max(attempts - 1, 0), 20)
    return dt.timedelta(seconds=min(BACKOFF_FIRST_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))


@dataclass(frozen=True)
class Job:
    """What a claimed row needs for sending, copied out of the claim transaction so that
    no transaction stays open while we talk to the mail server."""

    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    headers: dict
    attachments: list
    message_id: str
    created_at: dt.datetime | None
    attempts: int


def new_worker_id() -> str:
    """host:pid:random, so that a claim names the process that holds it."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"[:64]


def _truncate(text: str) -> str:
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


def _execute_update(session: Session, statement) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount


# -- claiming ------------------------------------------------------------------------------
def _due(now: dt.datetime, ids: Sequence[int] | None):
    condition = and_(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
    )
    if ids is not None:
        condition = and_(condition, OutboxMessage.id.in_(ids))
    return condition


def claim(
    session: Session, worker_id: str, now: dt.datetime, limit: int, ids: Sequence[int] | None
) -> list[Job]:
    # A cheap read first: an idle worker polling every few seconds should not take
    # SQLite's write lock each time.
    anything_due = session.scalar(select(OutboxMessage.id).where(_due(now, ids)).limit(1))
    session.rollback()  # end the read: the claim must begin as a writer
    if anything_due is None:
        return []
    with writing():  # BEGIN IMMEDIATE on SQLite: claims are serialized among writers
        # PostgreSQL locks the rows it picks and skips rows another worker is claiming;
        # SQLite ignores FOR UPDATE, but holds the database's write lock instead.
        picked = session.scalars(
            select(OutboxMessage.id)
            .where(_due(now, ids))
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not picked:
            session.rollback()
            return []
        # Conditional: only rows still queued become ours, whatever happened meanwhile.
        _execute_update(
            session,
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(picked), OutboxMessage.status == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.SENDING, claimed_by=worker_id, claimed_at=now),
        )
        rows = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.id.in_(picked),
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.claimed_by == worker_id,
            )
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        ).all()
        jobs = []
        for row in rows:
            if not row.message_id:
                # Fixed before the first attempt: every retry carries the same Message-ID.
                row.message_id = new_message_id()
            jobs.append(
                Job(
                    id=row.id,
                    recipient=row.recipient,
                    subject=row.subject,
                    body_text=row.body_text,
                    body_html=row.body_html,
                    headers=dict(row.headers or {}),
                    attachments=list(row.attachments or []),
                    message_id=row.message_id,
                    created_at=row.created_at,
                    attempts=row.attempts,
                )
            )
        session.commit()  # the claim is durable before the first byte goes to the server
    return jobs


def recover_stale_claims(*, now: dt.datetime | None = None, session: Session | None = None) -> int:
    """Put rows whose worker vanished (SENDING for longer than MAIL_CLAIM_TIMEOUT seconds)
    back in the queue, counting the interrupted attempt; rows that thereby reach
    MAIL_MAX_ATTEMPTS fail. Returns how many rows were recovered. Commits."""
    session = session or db.session
    now = now or utcnow()
    config = current_app.config
    cutoff = now - dt.timedelta(seconds=config.get("MAIL_CLAIM_TIMEOUT", 600))
    max_attempts = config["MAIL_MAX_ATTEMPTS"]
    stale = and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < cutoff)
    anything_stale = session.scalar(select(OutboxMessage.id).where(stale).limit(1))
    session.rollback()
    if anything_stale is None:
        return 0
    note = "delivery interrupted (worker stopped while sending); queued again"
    with writing():
        gave_up = _execute_update(
            session,
            update(OutboxMessage)
            .where(stale, OutboxMessage.attempts + 1 >= max_attempts)
            .values(
                status=OutboxStatus.FAILED,
                attempts=OutboxMessage.attempts + 1,
                last_error=f"gave up after {max_attempts} attempts: {note}",
            ),
        )
        requeued = _execute_update(
            session,
            update(OutboxMessage)
            .where(stale)
            .values(
                status=OutboxStatus.QUEUED, attempts=OutboxMessage.attempts + 1, last_error=note
            ),
        )
        session.commit()
    if gave_up or requeued:
        log.warning("recovered %d stale mail claims (%d given up)", gave_up + requeued, gave_up)
    return gave_up + requeued


# -- recording outcomes ---------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed message: sent (no error, no refusal), failed (`error`),
    or not sent because a send-time check refused it (`refusal`, the reason)."""

    job: Job
    error: DeliveryError | None = None
    refusal: str | None = None


def _failure_values(job: Job, now: dt.datetime, error: DeliveryError) -> dict:
    attempts = job.attempts + 1
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    if isinstance(error, PermanentFailure):
        status, reason = OutboxStatus.FAILED, error.reason
    elif attempts >= max_attempts:
        status, reason = OutboxStatus.FAILED, f"gave up after {attempts} attempts: {error.reason}"
    else:
        status, reason = OutboxStatus.QUEUED, error.reason
    values = {"status": status, "attempts": attempts, "last_error": _truncate(reason)}
    if status is OutboxStatus.QUEUED:
        values["next_attempt_at"] = now + backoff(attempts)
    return values


def _ours(ids, worker_id: str, statuses):
    return and_(
        OutboxMessage.id.in_(ids),
        OutboxMessage.claimed_by == worker_id,
        OutboxMessage.status.in_(statuses),
    )


def record_outcomes(
    session: Session, worker_id: str, now: dt.datetime, outcomes: Sequence[Outcome]
) -> list[OutboxStatus]:
    """Record the outcomes of several claimed messages in one transaction (one UPDATE for
    all that were sent; failures and refusals, which are rare, one each) and commit.
    A row that is no longer claimed by `worker_id` is left alone, with a warning.
    Returns the status each outcome asked for, in order."""
    if not outcomes:
        return []
    statuses: list[OutboxStatus] = []
    updates: list[tuple[int, tuple, dict]] = []
    for outcome in outcomes:
        if outcome.refusal is not None:
            values = {"status": OutboxStatus.CANCELLED, "last_error": _truncate(outcome.refusal)}
            updates.append((outcome.job.id, (OutboxStatus.SENDING,), values))
        elif outcome.error is not None:
            values = _failure_values(outcome.job, now, outcome.error)
            updates.append((outcome.job.id, (OutboxStatus.SENDING,), values))
            log.warning(
                "outbox message %s: %s (%s)",
                outcome.job.id,
                values["last_error"],
                values["status"].value,
            )
        else:
            values = {"status": OutboxStatus.SENT}
        statuses.append(values["status"])
    pairs = zip(outcomes, statuses, strict=True)
    sent = [outcome.job.id for outcome, status in pairs if status is OutboxStatus.SENT]
    changed: set[int] = set()
    with writing():
        if sent:
            # QUEUED too: if our claim was recovered as stale but nobody has claimed it
            # since, it still must not go out again. (The Message-ID was stored at the claim.)
            changed.update(
                session.scalars(
                    update(OutboxMessage)
                    .where(_ours(sent, worker_id, (OutboxStatus.SENDING, OutboxStatus.QUEUED)))
                    .values(status=OutboxStatus.SENT, sent_at=now, last_error=None)
                    .returning(OutboxMessage.id)
                    .execution_options(synchronize_session=False)
                )
            )
        for job_id, allowed, values in updates:
            changed.update(
                session.scalars(
                    update(OutboxMessage)
                    .where(_ours([job_id], worker_id, allowed))
                    .values(**values)
                    .returning(OutboxMessage.id)
                    .execution_options(synchronize_session=False)
                )
            )
        session.commit()
    for outcome in outcomes:
        if outcome.job.id not in changed:
            log.warning("outbox message %s was no longer claimed by %s", outcome.job.id, worker_id)
    return statuses


def release(session: Session, job_ids: list[int], worker_id: str, reason: str | None = None) -> int:
    """Unsent claims go back to the queue as they were: no attempt was made (`reason`,
    e.g. "server unreachable", is kept in last_error for whoever looks at the outbox)."""
    values: dict = {"status": OutboxStatus.QUEUED}
    if reason:
        values["last_error"] = _truncate(reason)
    with writing():
        released = _execute_update(
            session,
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(job_ids),
                OutboxMessage.claimed_by == worker_id,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .values(**values),
        )
        session.commit()
    return released
