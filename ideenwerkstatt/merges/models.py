"""A merge of one idea into another, and what moved, so that an undo puts back exactly that."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Double, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus


class IdeaMerge(db.Model):
    """Idea `source` (B) merged into `target` (A) by a moderator; `undone_at` once undone.
    `source_status` is B's state before (published or pending), which the undo restores."""

    __tablename__ = "idea_merge"
    __table_args__ = (
        Index("ix_idea_merge_target_id", "target_id"),
        Index("ix_idea_merge_source_id", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    source_status: Mapped[IdeaStatus] = mapped_column(enum_column(IdeaStatus))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    moved_votes: Mapped[int] = mapped_column(default=0)  # B's rows now A's
    combined_votes: Mapped[int] = mapped_column(default=0)  # people who supported both
    moved_comments: Mapped[int] = mapped_column(default=0)

    target: Mapped[Idea] = relationship(foreign_keys=[target_id])
    source: Mapped[Idea] = relationship(foreign_keys=[source_id])
    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id])


class IdeaMergeVote(db.Model):
    """One of B's vote rows as it was before the merge. `target_vote_id` is set when the
    person also had a row on A: B's row was then deleted and `added_weight` / `added_trend`
    added to A's row (dots add up; a support stays one). Otherwise B's row itself (`vote_id`)
    now points at A. The undo reads these to give B back its rows."""

    __tablename__ = "idea_merge_vote"
    # The undo (and the merge itself) join these rows to the votes by either id: without
    # the second column a join of 10,000 rows reads them 10,000 times.
    __table_args__ = (
        Index("ix_idea_merge_vote_merge_id_vote_id", "merge_id", "vote_id"),
        Index("ix_idea_merge_vote_merge_id_target_vote_id", "merge_id", "target_vote_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("idea_merge.id", ondelete="CASCADE"))
    vote_id: Mapped[int]  # no foreign key: a combined row is deleted until an undo
    target_vote_id: Mapped[int | None]
    # Like the vote itself: NULL once the voter deleted their account (the vote counts on).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    weight: Mapped[int]
    trend_weight: Mapped[float] = mapped_column(Double)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    added_weight: Mapped[int] = mapped_column(default=0)
    added_trend: Mapped[float] = mapped_column(Double, default=0.0)
    # A's row before (people on both): the undo puts its trend weight back bit for bit when
    # the row has not changed since (x + y - y need not be x in floating point).
    target_weight: Mapped[int | None]
    target_trend: Mapped[float | None] = mapped_column(Double)


class IdeaMergeComment(db.Model):
    """A comment that moved from B to A in the merge (the undo moves it back)."""

    __tablename__ = "idea_merge_comment"

    merge_id: Mapped[int] = mapped_column(
        ForeignKey("idea_merge.id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True, index=True
    )
