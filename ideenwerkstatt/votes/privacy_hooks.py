"""My data and account deletion for votes: the export section and the erasure step."""

from __future__ import annotations

from sqlalchemy import select, update

from ..extensions import db
from ..ideas.models import Idea
from ..privacy.services import register_erasure_step, register_export_section
from .models import Vote


def _iso(value):
    return value.isoformat() if value is not None else None


def export_votes(user) -> list[dict]:
    """Every vote the person cast: on which idea, with how many dots, when."""
    rows = db.session.execute(
        select(Vote, Idea.title)
        .join(Idea, Idea.id == Vote.idea_id)
        .where(Vote.user_id == user.id)
        .order_by(Vote.id)
    )
    return [
        {
            "idea_id": vote.idea_id,
            "idea_title": title,
            "weight": vote.weight,
            "created_at": _iso(vote.created_at),
            "updated_at": _iso(vote.updated_at),
        }
        for vote, title in rows
    ]


def anonymize_votes(user, keep_contributions: bool) -> None:
    """Votes stay as anonymous counts whatever the choice (SPEC flow 9): the row loses its
    person, the idea's count keeps matching its rows. The foreign key (ON DELETE SET NULL)
    would do the same; doing it here keeps loaded objects right and the intent visible."""
    db.session.execute(
        update(Vote)
        .where(Vote.user_id == user.id)
        .values(user_id=None)
        .execution_options(synchronize_session="fetch")
    )


def register_privacy_hooks() -> None:
    """Hook votes into the data export and account deletion (idempotent)."""
    register_export_section("votes", export_votes)
    register_erasure_step(anonymize_votes)
