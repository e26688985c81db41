"""Where an event participant may act: named predicates used by the ideas, votes and comments
services (enforced there, not only in views) and by the live views."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..permissions import is_event_participant
from .models import LiveParticipant

_NO_EVENT = object()


def participant_event_id(user) -> int | None:
    """The event a guest of an evening belongs to; None for everyone else (and for a guest
    whose participation row is gone). Remembered on the user object for the request."""
    if not is_event_participant(user):
        return None
    cached = getattr(user, "_live_event_id", _NO_EVENT)
    if cached is _NO_EVENT:
        cached = db.session.scalar(
            select(LiveParticipant.event_id).where(LiveParticipant.user_id == user.id).limit(1)
        )
        user._live_event_id = cached
    return cached


def may_act_in_event(user, event_id: int | None) -> bool:
    """Accounts act wherever their role allows; a guest only on ideas of their own evening
    (never on ideas without an event, never in another event)."""
    if not is_event_participant(user):
        return True
    own = participant_event_id(user)
    return own is not None and event_id is not None and own == event_id


def may_comment(user) -> bool:
    """Comments need an account: a guest of an evening votes and submits ideas only."""
    return not is_event_participant(user)
