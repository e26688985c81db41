"""The moderation log's one writer, `log_action`, importable from any slice's services."""

from __future__ import annotations

from ..extensions import db
from .models import ModerationLogEntry


class Action:
    """The actions the log knows (strings, so new slices add their own without a migration)."""

    IDEA_APPROVE = "idea.approve"
    IDEA_REJECT = "idea.reject"
    IDEA_HIDE = "idea.hide"
    IDEA_RESTORE = "idea.restore"
    IDEA_EDIT = "idea.edit"
    IDEA_PAPER_CARD = "idea.paper_card"
    REASON_CREATE = "reason.create"
    REASON_UPDATE = "reason.update"
    REASON_DELETE = "reason.delete"
    THEME_CREATE = "theme.create"
    THEME_UPDATE = "theme.update"
    THEME_RETIRE = "theme.retire"
    THEME_REACTIVATE = "theme.reactivate"
    EVENT_CREATE = "event.create"
    EVENT_UPDATE = "event.update"
    EVENT_PHASE = "event.phase"
    ROLE_CHANGE = "user.role"


def log_action(actor, action: str, obj=None, reason: str | None = None) -> ModerationLogEntry:
    """Append one entry to the moderation log: `actor` (a user, or None for the system) did
    `action` to `obj` (a model row with an id, or None) because of `reason`. Only adds,
    never changes: the log refuses updates and deletes."""
    entry = ModerationLogEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=getattr(obj, "__tablename__", "") if obj is not None else "",
        object_id=getattr(obj, "id", None),
        reason=reason or None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
