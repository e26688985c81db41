"""Moderation: the append-only log of every privileged action, rejection reasons, flags."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..accounts.models import User
from ..database import UTCDateTime, enum_column, utcnow
from ..extensions import db


class LogIsAppendOnly(Exception):
    """Someone tried to change or delete a moderation log entry."""


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

    actor: Mapped[User | None] = relationship()


class RejectionTemplate(db.Model):
    """A reusable reason for rejecting an idea or hiding a comment, edited by moderators."""

    __tablename__ = "rejection_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Session, "before_flush")
def _refuse_log_changes(session, _flush_context, _instances):
    # The log is the evidence of how the platform was moderated: entries are only added.
    # (The actor's id may still go NULL through the database's ON DELETE SET NULL.)
    for obj in session.dirty:
        if isinstance(obj, ModerationLogEntry) and session.is_modified(obj):
            raise LogIsAppendOnly("moderation log entries cannot be changed")
    for obj in session.deleted:
        if isinstance(obj, ModerationLogEntry):
            raise LogIsAppendOnly("moderation log entries cannot be deleted")


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # a moderator agreed: the content stays hidden
    DISMISSED = "dismissed"  # a moderator disagreed: the content is shown again


class Flag(db.Model):
    """A signed-in person reports an idea or a comment, with a reason; once per person and
    object (unique constraints; NULLs never collide). Deleted with the reporter's account."""

    __tablename__ = "flag"
    __table_args__ = (
        UniqueConstraint("reporter_id", "idea_id"),
        UniqueConstraint("reporter_id", "comment_id"),
        Index("ix_flag_status_created_at", "status", "created_at"),
        Index("ix_flag_idea_id", "idea_id"),
        Index("ix_flag_comment_id", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus), default=FlagStatus.OPEN)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the moderators' digest mentioned it (NULL: not yet).
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OutcomeStatus(enum.StrEnum):
    FORWARDED = "forwarded"  # forwarded to the council
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_PURSUED = "not_pursued"


class IdeaOutcome(db.Model):
    """What became of a published idea (flow 8, "what happened to my idea"): one row per
    step, so the idea page shows the whole trail."""

    __tablename__ = "idea_outcome"
    __table_args__ = (Index("ix_idea_outcome_idea_id_decided_at", "idea_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    status: Mapped[OutcomeStatus] = mapped_column(enum_column(OutcomeStatus))
    note: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
