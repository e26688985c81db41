"""Votes: one row per person and idea; the weight is 1 (support) or the dots given."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Double, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class Vote(db.Model):
    """When a voter deletes their account, the row stays with `user_id` NULL: the vote
    counts on, anonymously, and the idea's count still equals the sum of its rows."""

    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("user_id", "idea_id"),
        CheckConstraint("weight > 0", name="weight_positive"),
        Index("ix_vote_idea_id", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    weight: Mapped[int] = mapped_column(default=1)
    # What this row added to its idea's trending_score (ideas.trending), so that taking the
    # vote back or moving it in a merge subtracts or moves exactly that.
    trend_weight: Mapped[float] = mapped_column(Double, default=0.0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
