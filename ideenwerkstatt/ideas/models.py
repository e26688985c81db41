"""Ideas: submitted by citizens (or typed in from paper cards), moderated, voted on."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Double, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, enum_column
from ..database import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import db
from ..themes.models import Theme
from . import search_index


class IdeaStatus(enum.StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    MERGED = "merged"  # merged into another idea (merged_into_id): its votes moved there


class Idea(db.Model):
    """`vote_count` is kept in the same transaction as the vote rows (votes.services), so
    list pages sort and show it without counting rows."""

    __tablename__ = "idea"
    # Each list order has an index that ends in the order's columns, `id` included (the tie
    # breaker): PostgreSQL then reads a page without sorting, and a deep page's ids from the
    # index alone (see queries.list_ideas). Checked with EXPLAIN on both databases.
    __table_args__ = (
        Index("ix_idea_status_created_at", "status", "created_at", "id"),
        Index("ix_idea_status_vote_count", "status", "vote_count", "id"),
        Index("ix_idea_theme_status_created_at", "theme_id", "status", "created_at", "id"),
        Index("ix_idea_theme_status_vote_count", "theme_id", "status", "vote_count", "id"),
        Index("ix_idea_event_status_created_at", "event_id", "status", "created_at", "id"),
        Index("ix_idea_event_status_vote_count", "event_id", "status", "vote_count", "id"),
        Index("ix_idea_status_trending_score", "status", "trending_score", "id"),
        Index("ix_idea_theme_status_trending_score", "theme_id", "status", "trending_score", "id"),
        Index("ix_idea_event_status_trending_score", "event_id", "status", "trending_score", "id"),
        Index("ix_idea_author_id", "author_id"),
        Index("ix_idea_merged_into_id", "merged_into_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"))
    # NULL once the author deleted their account and chose to leave the idea ("deleted account").
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)  # Markdown as typed
    body_html: Mapped[str] = mapped_column(Text)  # sanitize.clean_html(body), kept for speed
    status: Mapped[IdeaStatus] = mapped_column(enum_column(IdeaStatus), default=IdeaStatus.PENDING)
    from_paper_card: Mapped[bool] = mapped_column(default=False)
    # Submitted by a guest of an evening (no account): once the guest is gone, the idea
    # shows as by "Teilnehmende der Werkstatt" instead of "deleted account".
    by_evening_guest: Mapped[bool] = mapped_column(default=False)
    vote_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set by the moderation slice: the reason the author was mailed on rejection, and the
    # note shown on the page after a moderator edited the idea.
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    moderation_note: Mapped[str | None] = mapped_column(String(500))
    # The sum of the votes' trend weights (ideas.trending): kept with vote_count, in the
    # same statements, so `sort=trending` reads an index like `sort=votes`.
    trending_score: Mapped[float] = mapped_column(Double, default=0.0)
    # Set while the idea is merged into another one (status merged); NULL again on undo.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id", ondelete="SET NULL"))

    event: Mapped[Event | None] = relationship()
    theme: Mapped[Theme] = relationship()
    author: Mapped[User | None] = relationship()
    merged_into: Mapped[Idea | None] = relationship(remote_side=[id])


# The full-text index (a generated column on PostgreSQL, an FTS5 table on SQLite) is built
# with the table; see search_index.
search_index.attach(Idea.__table__)
