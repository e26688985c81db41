"""Summaries: an event's curated result (selected ideas in order, notes, texts) and its versions."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import enum_column
from ..database import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import db
from ..ideas.models import Idea


class SummaryStatus(enum.StrEnum):
    DRAFT = "draft"  # moderators only
    PUBLISHED = "published"  # the latest SummaryVersion is public


class Summary(db.Model):
    """The moderators' working copy; what the public sees is the snapshot of the latest
    publish (SummaryVersion number `version`), so edits stay private until published again."""

    __tablename__ = "summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    intro: Mapped[str] = mapped_column(Text, default="")  # Markdown as typed
    intro_html: Mapped[str] = mapped_column(Text, default="")  # sanitize.clean_html(intro)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    conclusion_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SummaryStatus] = mapped_column(
        enum_column(SummaryStatus), default=SummaryStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(default=0)  # the number of publishes so far
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # first publish
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last publish ("zuletzt geändert am"): saving the draft does not change it.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    items: Mapped[list[SummaryItem]] = relationship(
        back_populates="summary",
        order_by="SummaryItem.position",
        cascade="all, delete-orphan",
    )


class SummaryItem(db.Model):
    __tablename__ = "summary_item"
    __table_args__ = (
        UniqueConstraint("summary_id", "idea_id"),
        Index("ix_summary_item_idea_id", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("summary.id", ondelete="CASCADE"))
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")  # plain text by a moderator

    summary: Mapped[Summary] = relationship(back_populates="items")
    idea: Mapped[Idea] = relationship()


class SummaryVersion(db.Model):
    """One published state, frozen as JSON (services.snapshot), kept for the record."""

    __tablename__ = "summary_version"
    __table_args__ = (UniqueConstraint("summary_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("summary.id", ondelete="CASCADE"))
    version: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The moderator who published; NULL once their account is deleted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
