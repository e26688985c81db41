"""My data and account deletion for ideas: the export section and the erasure step."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..privacy.services import register_erasure_step, register_export_section
from .models import Idea


def _iso(value):
    return value.isoformat() if value is not None else None


def export_ideas(user) -> list[dict]:
    """Every idea the person wrote, in every state, with what they typed."""
    ideas = db.session.scalars(
        select(Idea)
        .where(Idea.author_id == user.id)
        .options(joinedload(Idea.theme), joinedload(Idea.event))
        .order_by(Idea.id)
    )
    return [
        {
            "id": idea.id,
            "title": idea.title,
            "body": idea.body,
            "status": str(idea.status),
            "theme": idea.theme.slug,
            "event": idea.event.slug if idea.event is not None else None,
            "vote_count": idea.vote_count,
            "created_at": _iso(idea.created_at),
            "updated_at": _iso(idea.updated_at),
            "published_at": _iso(idea.published_at),
        }
        for idea in ideas
    ]


def erase_ideas(user, keep_contributions: bool) -> None:
    """keep_contributions: the ideas stay, without an author ("deleted account"). Otherwise
    they go, and the votes on them with them (ON DELETE CASCADE): every other idea's count
    is untouched, since it only ever mirrors its own rows."""
    if keep_contributions:
        db.session.execute(
            update(Idea)
            .where(Idea.author_id == user.id)
            .values(author_id=None)
            .execution_options(synchronize_session="fetch")
        )
    else:
        db.session.execute(
            delete(Idea)
            .where(Idea.author_id == user.id)
            .execution_options(synchronize_session="fetch")
        )


def register_privacy_hooks() -> None:
    """Hook ideas into the data export and account deletion. Idempotent: the registries
    replace an entry registered again under the same name."""
    register_export_section("ideas", export_ideas)
    register_erasure_step(erase_ideas)
