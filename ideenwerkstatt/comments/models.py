"""Comments on published ideas, one level of replies, moderated like ideas."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..ideas.models import Idea


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    HIDDEN = "hidden"
    DELETED = "deleted"  # by its author; the row stays (empty) so replies keep their place


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_idea_id_created_at", "idea_id", "created_at"),
        Index("ix_comment_status_created_at", "status", "created_at"),
        Index("ix_comment_author_id", "author_id"),
        # Replies of a page of top-level comments, oldest first (also the FK's index).
        Index("ix_comment_parent_id_created_at", "parent_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    # NULL once the author deleted their account and chose to leave it ("deleted account").
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)  # Markdown as typed
    body_html: Mapped[str] = mapped_column(Text)  # sanitize.clean_html(body)
    status: Mapped[CommentStatus] = mapped_column(
        enum_column(CommentStatus), default=CommentStatus.PUBLISHED
    )
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    idea: Mapped[Idea] = relationship()
    author: Mapped[User | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
