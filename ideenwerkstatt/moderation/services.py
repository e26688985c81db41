"""Moderation: the log, the queue, decisions with reasons, and rejection templates.

Explicit actor, flush only. Every privileged action anywhere calls `log_action`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..auditlog import Action, ModerationLogEntry, log_action
from ..comments.services import pending_comments
from ..extensions import db
from ..ideas import services as ideas
from ..ideas.models import Idea, IdeaStatus
from ..permissions import PermissionDenied, can_moderate
from .models import RejectionTemplate


class ModerationError(Exception):
    """A rule refused the action; `message` is for people, `field` the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(ModerationError, PermissionDenied):
    """The actor lacks the role (the view answers 403)."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOTE_MAX = 500
TEMPLATE_TITLE_MAX = 80
TEMPLATE_TEXT_MAX = 2000

DEFAULT_REASONS = (
    (
        "Thema verfehlt",
        "Ihre Idee passt leider nicht zu den Themen dieser Ideenwerkstatt. Reichen Sie sie "
        "gern bei einer passenden Veranstaltung oder einem anderen Thema ein.",
    ),
    (
        "Doppelt eingereicht",
        "Eine sehr ähnliche Idee ist bereits veröffentlicht. Unterstützen Sie diese gern "
        "mit Ihrer Stimme oder ergänzen Sie sie mit einem Kommentar.",
    ),
    (
        "Umgangsregeln nicht eingehalten",
        "Ihr Beitrag enthält beleidigende, diskriminierende oder persönliche Angaben über "
        "andere. So können wir ihn nicht veröffentlichen. Formulieren Sie ihn gern neu.",
    ),
)


def _clean(text: str | None) -> str:
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n")).strip()


def _require_moderator(actor) -> None:
    if not can_moderate(actor):
        raise NotAllowed(_("Nur die Moderation kann das tun."))


# --- the log ---------------------------------------------------------------------------


@dataclass
class LogFilter:
    actor_id: int | None = None
    action: str | None = None
    since: object = None  # datetime (UTC) or None
    until: object = None


def log_entries(filters: LogFilter, *, page: int = 1, per_page: int = 50):
    """One page of the log, newest first, and the total, filtered by actor, action and date."""
    query = select(ModerationLogEntry)
    if filters.actor_id:
        query = query.where(ModerationLogEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(ModerationLogEntry.action == filters.action)
    if filters.since is not None:
        query = query.where(ModerationLogEntry.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(ModerationLogEntry.created_at < filters.until)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(joinedload(ModerationLogEntry.actor))
        .order_by(ModerationLogEntry.created_at.desc(), ModerationLogEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total


def log_actors():
    """People who appear in the log (for the filter)."""
    ids = select(ModerationLogEntry.actor_id).where(ModerationLogEntry.actor_id.is_not(None))
    return db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.email)).all()


def log_actions() -> list[str]:
    return list(
        db.session.scalars(
            select(ModerationLogEntry.action).distinct().order_by(ModerationLogEntry.action)
        )
    )


# --- the queue -------------------------------------------------------------------------


@dataclass
class Queue:
    ideas: list
    comments: list
    counts: dict

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def moderation_queue(*, event_id: int | None = None, theme_id: int | None = None, limit=200):
    """Everything waiting for a moderator, oldest first: pending ideas and pending comments
    (each list oldest first), filtered by event and theme, with their counts."""
    query = select(Idea).where(Idea.status == IdeaStatus.PENDING)
    if event_id:
        query = query.where(Idea.event_id == event_id)
    if theme_id:
        query = query.where(Idea.theme_id == theme_id)
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(joinedload(Idea.author), joinedload(Idea.theme), joinedload(Idea.event))
        .order_by(Idea.created_at, Idea.id)
        .limit(limit)
    ).all()
    comments, comment_count = pending_comments(event_id=event_id, theme_id=theme_id, limit=limit)
    return Queue(
        ideas=list(items),
        comments=comments,
        counts={"ideas": count, "comments": comment_count},
    )


# --- decisions -------------------------------------------------------------------------


def bulk_approve(moderator, idea_ids) -> tuple[list[Idea], int]:
    """Approve every pending idea among `idea_ids`; others (already decided meanwhile,
    unknown) are skipped. Returns (approved ideas, number skipped). Raises NotAllowed."""
    _require_moderator(moderator)
    ids = sorted({int(i) for i in idea_ids})
    found = {i.id: i for i in db.session.scalars(select(Idea).where(Idea.id.in_(ids)))}
    approved, skipped = [], 0
    for idea_id in ids:
        idea = found.get(idea_id)
        if idea is None:
            skipped += 1
            continue
        try:
            ideas.approve_idea(moderator, idea)
        except ideas.InvalidTransition:
            skipped += 1
        else:
            approved.append(idea)
    return approved, skipped


def compose_reason(template: RejectionTemplate | None, free_text: str | None) -> str:
    """The reason as the author reads it: the template's text, then the free text."""
    parts = [template.text if template else "", _clean(free_text)]
    return "\n\n".join(p for p in parts if p)


def reject_with_reason(moderator, idea: Idea, template=None, free_text: str = "") -> Idea:
    """Reject a pending idea with a template's reason and/or free text (at least one);
    the reason is stored on the idea, logged and mailed to the author in their language.
    Raises NotAllowed, ideas.InvalidTransition, ideas.IdeaError(field="reason")."""
    _require_moderator(moderator)
    return ideas.reject_idea(moderator, idea, compose_reason(template, free_text))


def edit_with_note(moderator, idea: Idea, *, title: str, body: str, note: str) -> Idea:
    """A moderator's edit: the same checks as the author's, plus a note (3..500 characters)
    shown on the idea ("bearbeitet von der Moderation: …") and kept in the log.
    Raises NotAllowed, ModerationError(field="note"), ideas.IdeaError."""
    _require_moderator(moderator)
    note = _clean(note)
    if not 3 <= len(note) <= NOTE_MAX:
        raise ModerationError(
            _("Bitte begründen Sie die Änderung (3 bis %(n)d Zeichen).", n=NOTE_MAX), "note"
        )
    ideas.edit_idea(moderator, idea, title=title, body=body, note=note)
    return idea


def mark_paper_card(moderator, idea: Idea, value: bool = True) -> Idea:
    """Mark (or unmark) an idea as typed in from a paper card at the workshop. Logged.
    Raises NotAllowed."""
    _require_moderator(moderator)
    if idea.from_paper_card != value:
        idea.from_paper_card = value
        db.session.flush()
        log_action(moderator, Action.IDEA_PAPER_CARD, idea, "on" if value else "off")
    return idea


# --- rejection templates ---------------------------------------------------------------


def rejection_templates() -> list[RejectionTemplate]:
    return list(
        db.session.scalars(
            select(RejectionTemplate).order_by(RejectionTemplate.position, RejectionTemplate.id)
        )
    )


def seed_rejection_templates() -> int:
    """Add the three default German reasons when there are none yet. Returns how many."""
    if db.session.scalar(select(func.count()).select_from(RejectionTemplate)):
        return 0
    for position, (title, text) in enumerate(DEFAULT_REASONS):
        db.session.add(RejectionTemplate(title=title, text=text, position=position))
    db.session.flush()
    return len(DEFAULT_REASONS)


def _check_template(title: str, text: str) -> tuple[str, str]:
    title, text = _clean(title), _clean(text)
    if not 2 <= len(title) <= TEMPLATE_TITLE_MAX:
        raise ModerationError(
            _("Der Titel muss 2 bis %(n)d Zeichen lang sein.", n=TEMPLATE_TITLE_MAX), "title"
        )
    if not 3 <= len(text) <= TEMPLATE_TEXT_MAX:
        raise ModerationError(
            _("Der Text muss 3 bis %(n)d Zeichen lang sein.", n=TEMPLATE_TEXT_MAX), "text"
        )
    return title, text


def create_template(moderator, *, title: str, text: str) -> RejectionTemplate:
    """Add a reason template at the end. Raises NotAllowed, ModerationError."""
    _require_moderator(moderator)
    title, text = _check_template(title, text)
    last = db.session.scalar(select(func.max(RejectionTemplate.position)))
    template = RejectionTemplate(title=title, text=text, position=(last or 0) + 1)
    db.session.add(template)
    db.session.flush()
    log_action(moderator, Action.REASON_CREATE, template, title)
    return template


def update_template(moderator, template: RejectionTemplate, *, title: str, text: str):
    """Change a template (past rejections keep the text they were sent with).
    Raises NotAllowed, ModerationError."""
    _require_moderator(moderator)
    template.title, template.text = _check_template(title, text)
    db.session.flush()
    log_action(moderator, Action.REASON_UPDATE, template, template.title)
    return template


def delete_template(moderator, template: RejectionTemplate) -> None:
    """Remove a template. Raises NotAllowed."""
    _require_moderator(moderator)
    log_action(moderator, Action.REASON_DELETE, template, template.title)
    db.session.delete(template)
    db.session.flush()


_ACTION_LABELS = {
    Action.IDEA_APPROVE: _l("Idee freigegeben"),
    Action.IDEA_REJECT: _l("Idee abgelehnt"),
    Action.IDEA_HIDE: _l("Idee ausgeblendet"),
    Action.IDEA_RESTORE: _l("Idee wieder angezeigt"),
    Action.IDEA_EDIT: _l("Idee bearbeitet"),
    Action.IDEA_PAPER_CARD: _l("Als Papierkarte markiert"),
    Action.REASON_CREATE: _l("Vorlage angelegt"),
    Action.REASON_UPDATE: _l("Vorlage geändert"),
    Action.REASON_DELETE: _l("Vorlage gelöscht"),
    Action.THEME_CREATE: _l("Thema angelegt"),
    Action.THEME_UPDATE: _l("Thema geändert"),
    Action.THEME_RETIRE: _l("Thema stillgelegt"),
    Action.THEME_REACTIVATE: _l("Thema wieder aktiviert"),
    Action.EVENT_CREATE: _l("Veranstaltung angelegt"),
    Action.EVENT_UPDATE: _l("Veranstaltung geändert"),
    Action.EVENT_PHASE: _l("Phase geändert"),
    Action.ROLE_CHANGE: _l("Rolle geändert"),
    "idea.outcome": _l("Ergebnis eingetragen"),
    "idea.flag_hide": _l("Idee nach Meldungen ausgeblendet"),
    "comment.flag_hide": _l("Kommentar nach Meldungen ausgeblendet"),
    "comment.approve": _l("Kommentar freigegeben"),
    "comment.hide": _l("Kommentar ausgeblendet"),
    "comment.restore": _l("Kommentar wieder angezeigt"),
    "flags.uphold": _l("Meldungen bestätigt"),
    "flags.dismiss": _l("Meldungen zurückgewiesen"),
}


def action_label(action: str) -> str:
    """The action in the reader's language (unknown ones as stored)."""
    label = _ACTION_LABELS.get(action)
    return str(label) if label is not None else action
