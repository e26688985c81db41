"""The audit log: an append-only record of every privileged action, written by any slice.

Themes, events, ideas, comments, summaries, flags, outcomes and role changes all call
`log_action`; the moderation slice shows the log (/moderation/log). The table keeps its
name `moderation_log_entry` (it was the moderation log first), so no migration."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .database import UTCDateTime, utcnow
from .extensions import db

if TYPE_CHECKING:
    from .accounts.models import User


class Action:
    """The actions the log knows (strings, so new slices add their own without a migration)."""

    IDEA_APPROVE = "idea.approve"
    IDEA_REJECT = "idea.reject"
    IDEA_HIDE = "idea.hide"
    IDEA_RESTORE = "idea.restore"
    IDEA_EDIT = "idea.edit"
    IDEA_PAPER_CARD = "idea.paper_card"
    REASON_CREATE = "reason.create"
    REASON_UPDATE = "reason.update"
    REASON_DELETE = "reason.delete"
    THEME_CREATE = "theme.create"
    THEME_UPDATE = "theme.update"
    THEME_RETIRE = "theme.retire"
    THEME_REACTIVATE = "theme.reactivate"
    EVENT_CREATE = "event.create"
    EVENT_UPDATE = "event.update"
    EVENT_PHASE = "event.phase"
    ROLE_CHANGE = "user.role"


class LogIsAppendOnly(Exception):
    """Someone tried to change or delete an audit log entry."""


class ModerationLogEntry(db.Model):
    """Who (a moderator, organizer or admin) did what to which object, why and when.

    The actor becomes NULL when their account is deleted (ON DELETE SET NULL): the entry
    stays, so the trail of decisions survives people leaving the team."""

    __tablename__ = "moderation_log_entry"
    __table_args__ = (
        Index("ix_moderation_log_entry_created_at", "created_at"),
        Index("ix_moderation_log_entry_actor_id_created_at", "actor_id", "created_at"),
        Index("ix_moderation_log_entry_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    # By name: the log is core and does not import the accounts slice.
    actor: Mapped[User | None] = relationship("User")


@event.listens_for(Session, "before_flush")
def _refuse_log_changes(session, _flush_context, _instances):
    # The log is the evidence of how the platform was moderated: entries are only added.
    # (The actor's id may still go NULL through the database's ON DELETE SET NULL.)
    for obj in session.dirty:
        if isinstance(obj, ModerationLogEntry) and session.is_modified(obj):
            raise LogIsAppendOnly("audit log entries cannot be changed")
    for obj in session.deleted:
        if isinstance(obj, ModerationLogEntry):
            raise LogIsAppendOnly("audit log entries cannot be deleted")


def log_action(actor, action: str, obj=None, reason: str | None = None) -> ModerationLogEntry:
    """Append one entry to the audit log: `actor` (a user, or None for the system) did
    `action` to `obj` (a model row with an id, or None) because of `reason`. Only adds,
    never changes: the log refuses updates and deletes."""
    entry = ModerationLogEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=getattr(obj, "__tablename__", "") if obj is not None else "",
        object_id=getattr(obj, "id", None),
        reason=reason or None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
