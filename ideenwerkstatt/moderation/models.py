"""Moderation: rejection reasons, flags and outcomes (the audit log is core: auditlog.py)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, enum_column, utcnow
from ..extensions import db


class RejectionTemplate(db.Model):
    """A reusable reason for rejecting an idea or hiding a comment, edited by moderators."""

    __tablename__ = "rejection_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


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
