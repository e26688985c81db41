"""My data and account deletion for flags (the moderation log keeps entries, actor NULL)."""

from __future__ import annotations

from sqlalchemy import delete, select

from ..extensions import db
from ..privacy.services import register_erasure_step, register_export_section
from .models import Flag


def export_flags(user) -> list[dict]:
    """Every flag the person raised."""
    rows = db.session.scalars(select(Flag).where(Flag.reporter_id == user.id).order_by(Flag.id))
    return [
        {
            "idea": f.idea_id,
            "comment": f.comment_id,
            "reason": f.reason,
            "status": str(f.status),
            "created_at": f.created_at.isoformat(),
        }
        for f in rows
    ]


def erase_flags(user, keep_contributions: bool) -> None:
    """Flags always go with the account (they are no public contribution)."""
    db.session.execute(
        delete(Flag)
        .where(Flag.reporter_id == user.id)
        .execution_options(synchronize_session="fetch")
    )


def register_privacy_hooks() -> None:
    register_export_section("flags", export_flags)
    register_erasure_step(erase_flags)
