"""Mail: render from templates, queue in the outbox, deliver after the commit or by a worker."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from ..extensions import db
from .services import after_commit_dispatch, queue_mail, render  # noqa: F401


def init_app(app: Flask) -> None:
    # Mail queued in a transaction leaves only after that transaction commits.
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
