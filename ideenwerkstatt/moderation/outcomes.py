"""Outcomes (flow 8): moderators record what became of a published idea; the author is
told by mail, and voters only if they consented to invitations (e-mail from the platform
beyond their own contributions is what that consent covers)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..auditlog import log_action
from ..database import utcnow
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..mail.services import queue_mail
from ..permissions import can_moderate
from ..privacy.services import may_be_invited
from ..votes.models import Vote
from .models import IdeaOutcome, OutcomeStatus
from .services import ModerationError, NotAllowed

NOTE_MIN, NOTE_MAX = 3, 2000

STATUS_LABELS = {
    OutcomeStatus.FORWARDED: _l("An den Rat weitergegeben"),
    OutcomeStatus.IN_PROGRESS: _l("In Arbeit"),
    OutcomeStatus.DONE: _l("Umgesetzt"),
    OutcomeStatus.NOT_PURSUED: _l("Nicht weiterverfolgt"),
}


def outcome_label(status) -> str:
    return str(STATUS_LABELS[OutcomeStatus(status)])


def outcomes_for(idea: Idea) -> list[IdeaOutcome]:
    """The idea's outcomes, oldest first (the trail)."""
    return list(
        db.session.scalars(
            select(IdeaOutcome)
            .where(IdeaOutcome.idea_id == idea.id)
            .order_by(IdeaOutcome.decided_at, IdeaOutcome.id)
        )
    )


def record_outcome(
    moderator, idea: Idea, status, note: str, decided_at: dt.datetime | None = None
) -> IdeaOutcome:
    """Add a step to a published idea's trail, with a note (3..2000 characters) and a date
    (default now); logged. The author gets a mail; voters get one only when they consent to
    invitations (the outbox's send-time check asks again). Raises NotAllowed, ModerationError."""
    if not can_moderate(moderator):
        raise NotAllowed(_("Nur die Moderation kann das tun."))
    if idea.status != IdeaStatus.PUBLISHED:
        raise ModerationError(_("Nur veröffentlichte Ideen bekommen ein Ergebnis."))
    try:
        status = OutcomeStatus(status)
    except ValueError as exc:
        raise ModerationError(_("Bitte wählen Sie einen Stand."), "status") from exc
    note = (note or "").replace("\r\n", "\n").strip()
    if not NOTE_MIN <= len(note) <= NOTE_MAX:
        raise ModerationError(
            _("Die Notiz muss %(min)d bis %(max)d Zeichen lang sein.", min=NOTE_MIN, max=NOTE_MAX),
            "note",
        )
    outcome = IdeaOutcome(
        idea_id=idea.id,
        status=status,
        note=note,
        decided_at=decided_at or utcnow(),
        moderator_id=moderator.id,
    )
    db.session.add(outcome)
    db.session.flush()
    log_action(moderator, "idea.outcome", idea, f"{status}: {note}")
    _notify(idea, outcome)
    return outcome


def _notify(idea: Idea, outcome: IdeaOutcome) -> None:
    context = {"idea": idea, "outcome": outcome, "label": outcome_label(outcome.status)}
    author = idea.author
    if author is not None and author.confirmed_at is not None:
        queue_mail(
            "idea_outcome",
            to=author.email,
            locale=author.locale or "de",
            user=author,
            idempotency_key=f"idea_outcome:{outcome.id}:{author.id}",
            **context,
        )
    voters = db.session.scalars(
        select(User).where(
            User.id.in_(select(Vote.user_id).where(Vote.idea_id == idea.id)),
            may_be_invited(User.id),
            User.id != (idea.author_id or 0),
        )
    )
    for voter in voters:
        queue_mail(
            "idea_outcome_voter",
            to=voter.email,
            locale=voter.locale or "de",
            user=voter,
            idempotency_key=f"idea_outcome:{outcome.id}:{voter.id}",
            **context,
        )
