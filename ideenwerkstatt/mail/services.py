"""Queueing mail: render in the recipient's language and write an outbox row (flush only)."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event, select

from ..database import utcnow
from ..extensions import db
from .delivery import dispatch_after_commit
from .message import UnsafeHeaderValue, check_header_value  # noqa: F401  (queue_mail raises it)
from .models import OutboxMessage, OutboxStatus


def render(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Render templates/email/<template>/{subject.txt,body.txt,body.html} in `locale`."""
    with force_locale(locale):
        context.setdefault("base_url", current_app.config["BASE_URL"])
        subject = render_template(f"email/{template}/subject.txt", **context)
        body_text = render_template(f"email/{template}/body.txt", **context)
        body_html = render_template(f"email/{template}/body.html", **context)
    subject = " ".join(subject.split())
    return check_header_value(subject), body_text, body_html


def queue_mail(
    template: str,
    *,
    to: str,
    locale: str,
    user=None,
    idempotency_key: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[dict] | None = None,
    **context,
) -> OutboxMessage | None:
    """Render a mail and add it to the outbox in the current transaction (flush only).

    With an idempotency key, a message with the same key that already exists is not queued
    again and None is returned: the key makes "once per person and cause" a database rule
    (the unique constraint stands behind this check against concurrent senders).
    Raises UnsafeHeaderValue for CR/LF/NUL in the recipient or extra headers."""
    check_header_value(to)
    for name, value in (headers or {}).items():
        check_header_value(name)
        check_header_value(value)
    if idempotency_key is not None:
        exists = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == idempotency_key)
        )
        if exists:
            return None
    subject, body_text, body_html = render(template, locale, user=user, **context)
    message = OutboxMessage(
        user_id=user.id if user is not None else None,
        recipient=to,
        template=template,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=dict(headers or {}),
        attachments=list(attachments or []),
        idempotency_key=idempotency_key,
        status=OutboxStatus.QUEUED,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault("new_outbox_ids", []).append(message.id)
    return message


def after_commit_dispatch(session) -> None:
    """After a commit, try to deliver what that transaction queued (MAIL_DELIVER_AFTER_COMMIT)."""
    if session.in_nested_transaction():
        # Releasing a SAVEPOINT fires after_commit too, but nothing is committed yet.
        return
    ids = session.info.pop("new_outbox_ids", None)
    if not ids:
        return
    dispatch_after_commit(ids)


def init_app(app: Flask) -> None:
    """Hook the outbox into the session: mail queued in a transaction leaves only after that
    transaction commits."""
    if not getattr(db, "_iw_mail_hooked", False):
        event.listen(db.session, "after_commit", after_commit_dispatch)
        event.listen(db.session, "after_soft_rollback", _forget_new_messages)
        db._iw_mail_hooked = True


def _forget_new_messages(session, previous_transaction):
    # Only the outermost rollback discards the transaction's mail. After a SAVEPOINT
    # rollback the outer transaction may still commit; ids of rows rolled back with the
    # savepoint are harmless: the delivery claims only rows that exist and are queued.
    if previous_transaction.nested:
        return
    session.info.pop("new_outbox_ids", None)


def delivery_stalled(now: dt.datetime | None = None) -> bool:
    """True when no worker seems to deliver: the oldest queued message fell due more than
    MAIL_WORKER_LATE_SECONDS ago. A running `mail deliver --loop` takes due mail within
    seconds, and a failed try moves the message's next attempt into the future, so mail that
    has been due that long means nobody is looking at the outbox."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=current_app.config["MAIL_WORKER_LATE_SECONDS"])
    waiting = db.session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at < cutoff)
        .limit(1)
    )
    return waiting is not None
