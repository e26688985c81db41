"""My data and account deletion for comments: the export section and the erasure step."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from ..extensions import db
from ..privacy.services import register_erasure_step, register_export_section
from .models import Comment


def _iso(value):
    return value.isoformat() if value is not None else None


def export_comments(user) -> list[dict]:
    """Every comment the person wrote, in every state, with what they typed."""
    rows = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    )
    return [
        {
            "id": c.id,
            "idea": c.idea_id,
            "reply_to": c.parent_id,
            "body": c.body,
            "status": str(c.status),
            "hidden_reason": c.hidden_reason,
            "created_at": _iso(c.created_at),
            "edited_at": _iso(c.edited_at),
        }
        for c in rows
    ]


def erase_comments(user, keep_contributions: bool) -> None:
    """keep_contributions: comments stay, as "deleted account"; otherwise they go (replies to
    them with them, ON DELETE CASCADE)."""
    statement = (
        update(Comment).where(Comment.author_id == user.id).values(author_id=None)
        if keep_contributions
        else delete(Comment).where(Comment.author_id == user.id)
    )
    db.session.execute(statement.execution_options(synchronize_session="fetch"))


def register_privacy_hooks() -> None:
    """Idempotent: the registries replace an entry registered again under the same name."""
    register_export_section("comments", export_comments)
    register_erasure_step(erase_comments)
