"""Ideas: submit, edit and the moderators' transitions. Explicit actor, flush only."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import update

from ..auditlog import log_action
from ..database import utcnow
from ..events.models import Event, Phase
from ..extensions import db
from ..mail.services import queue_mail
from ..permissions import (
    PermissionDenied,
    can_edit_idea,
    can_moderate,
    is_event_participant,
    may_act_in_event,
)
from ..sanitize import clean_html
from ..themes.models import Theme
from .models import Idea, IdeaStatus

TITLE_MIN, TITLE_MAX = 3, 120
BODY_MIN, BODY_MAX = 10, 5000
REASON_MIN, REASON_MAX = 3, 2000

# Control characters never belong in an idea (PostgreSQL even refuses NUL in text); line
# breaks and tabs stay in the body.
_TITLE_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_UNCHANGED = object()


class IdeaError(Exception):
    """A rule refused the change. `message` is meant for people; `field` names the form field
    it belongs to (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class IdeaNotAllowed(IdeaError, PermissionDenied):
    """The actor may not do this (the view answers 403)."""


class InvalidTransition(IdeaError):
    """The idea is not in a state that allows this step (already approved, hidden …)."""


def clean_title(title: str | None) -> str:
    """The title as stored: control characters replaced, whitespace trimmed; 3..120 chars.
    Raises IdeaError(field="title")."""
    title = _TITLE_CONTROL.sub(" ", title or "").strip()
    if len(title) < TITLE_MIN:
        raise IdeaError(
            _("Der Titel braucht mindestens %(n)d Zeichen.", n=TITLE_MIN), field="title"
        )
    if len(title) > TITLE_MAX:
        raise IdeaError(
            _("Der Titel darf höchstens %(n)d Zeichen lang sein.", n=TITLE_MAX), field="title"
        )
    return title


def clean_body(body: str | None) -> str:
    """The body as stored (Markdown): control characters removed, trimmed; 10..5000 chars.
    Raises IdeaError(field="body")."""
    body = _BODY_CONTROL.sub("", (body or "").replace("\r\n", "\n")).strip()
    if len(body) < BODY_MIN:
        raise IdeaError(
            _("Bitte beschreiben Sie Ihre Idee mit mindestens %(n)d Zeichen.", n=BODY_MIN),
            field="body",
        )
    if len(body) > BODY_MAX:
        raise IdeaError(
            _("Die Beschreibung darf höchstens %(n)d Zeichen lang sein.", n=BODY_MAX),
            field="body",
        )
    return body


def _check_theme(theme: Theme | None) -> None:
    if theme is None:
        raise IdeaError(_("Bitte wählen Sie ein Thema."), field="theme")
    if not theme.active:
        raise IdeaError(
            _("Zu diesem Thema werden keine neuen Ideen mehr gesammelt."), field="theme"
        )


def _check_event(event: Event | None, theme: Theme, *, moderator: bool) -> None:
    """Ideas join an event while it collects; moderators typing in paper cards from the
    workshop may also add them while it votes."""
    if event is None:
        return
    open_phases = (Phase.COLLECTING, Phase.VOTING) if moderator else (Phase.COLLECTING,)
    if event.phase not in open_phases:
        raise IdeaError(
            _("Für diese Veranstaltung werden gerade keine Ideen gesammelt."), field="event"
        )
    if event.themes and theme not in event.themes:
        raise IdeaError(
            _("Dieses Thema gehört nicht zu der gewählten Veranstaltung."), field="theme"
        )


def submit_idea(
    author,
    theme: Theme | None,
    title: str,
    body: str,
    event: Event | None = None,
    from_paper_card: bool = False,
    *,
    actor=None,
    body_optional: bool = False,
    publish: bool = False,
) -> Idea:
    """Add an idea. Rules: title 3..120 and body 10..5000 characters, the theme is active,
    the event (optional) is collecting ideas. A citizen's idea starts `pending` until a
    moderator approves it. A paper card from a workshop is typed in by a moderator (`actor`,
    defaults to `author`; the author may then be None), is marked as such and is published
    at once, since a moderator already read it. `body_optional`: the short form of the
    evening's phone page, where a title alone is enough (a body, if given, follows the rules).
    `publish`: the event's evening is post-moderated (the caller checked the event's setting):
    the idea is published at once and moderators hide it afterwards if need be; logged.
    A guest of an evening (role participant) submits only for that evening's event.

    Raises IdeaNotAllowed (no author, a guest outside their evening, or a paper card by a
    non-moderator) and IdeaError."""
    actor = author if actor is None else actor
    moderator = can_moderate(actor)
    if from_paper_card and not moderator:
        raise IdeaNotAllowed(_("Nur die Moderation kann Ideen von Papierkarten eintragen."))
    if not from_paper_card and (author is None or not getattr(author, "is_active", False)):
        raise IdeaNotAllowed(_("Bitte melden Sie sich an, um eine Idee einzureichen."))
    if is_event_participant(author) and not may_act_in_event(author, event.id if event else None):
        raise IdeaNotAllowed(
            _("Als Gast eines Werkstatt-Abends reichen Sie Ideen nur für diesen Abend ein.")
        )
    short = body_optional and not (body or "").strip()
    clean = {"title": clean_title(title), "body": "" if short else clean_body(body)}
    _check_theme(theme)
    _check_event(event, theme, moderator=from_paper_card and moderator)

    now = utcnow()
    idea = Idea(
        author=author,
        theme=theme,
        event=event,
        title=clean["title"],
        body=clean["body"],
        body_html=str(clean_html(clean["body"])),
        status=IdeaStatus.PUBLISHED if from_paper_card or publish else IdeaStatus.PENDING,
        from_paper_card=from_paper_card,
        by_evening_guest=is_event_participant(author),
        vote_count=0,
        created_at=now,
        updated_at=now,
        published_at=now if from_paper_card or publish else None,
    )
    db.session.add(idea)
    db.session.flush()
    if publish and not from_paper_card:
        log_action(author, "idea.publish_at_once", idea, "post-moderation")
    if from_paper_card:
        log_action(actor, "idea.paper_card", idea, "entered")
    _touch(idea.event_id)
    return idea


def edit_idea(
    actor,
    idea: Idea,
    *,
    title: str | None = None,
    body: str | None = None,
    theme: Theme | None = None,
    event=_UNCHANGED,
    note: str | None = None,
) -> Idea:
    """Change an idea's title, body, theme or event (None / left out: unchanged; pass
    `event=None` to detach it from its event). Rule: its author while it is pending,
    moderators at any time; the same checks as `submit_idea` for what changes. An idea that
    already has votes keeps its event (the votes were cast under that event's rule).
    A moderator's edit of someone else's idea is logged; `note` (moderation.services
    requires one) is shown on the idea page.

    Raises IdeaNotAllowed and IdeaError."""
    if not can_edit_idea(actor, idea):
        raise IdeaNotAllowed(_("Sie können diese Idee nicht (mehr) bearbeiten."))
    moderator = can_moderate(actor)
    new_title = clean_title(title) if title is not None else idea.title
    new_body = clean_body(body) if body is not None else idea.body
    new_theme = idea.theme if theme is None else theme
    new_event = idea.event if event is _UNCHANGED else event

    if new_theme is not idea.theme:
        _check_theme(new_theme)
    if new_event is not idea.event:
        if idea.vote_count:
            raise IdeaError(
                _("Eine Idee mit Stimmen kann die Veranstaltung nicht mehr wechseln."),
                field="event",
            )
        _check_event(new_event, new_theme, moderator=moderator)
    elif (
        new_theme is not idea.theme
        and new_event is not None
        and new_event.themes
        and new_theme not in new_event.themes
    ):
        raise IdeaError(
            _("Dieses Thema gehört nicht zu der gewählten Veranstaltung."), field="theme"
        )

    if new_body != idea.body:
        idea.body = new_body
        idea.body_html = str(clean_html(new_body))
    old_event_id = idea.event_id
    idea.title = new_title
    idea.theme = new_theme
    idea.event = new_event
    if note:
        idea.moderation_note = note
    db.session.flush()
    for event_id in {old_event_id, idea.event_id}:
        _touch(event_id)
    if moderator and (note or idea.author_id != getattr(actor, "id", None)):
        log_action(actor, "idea.edit", idea, note)
    return idea


def _touch(event_id: int | None) -> None:
    """The event's wall changes with this idea."""
    # Imported here: the live state reads ideas (cycle ideas <-> livestate).
    from ..livestate.services import touch

    touch(event_id)


def _transition(
    moderator, idea: Idea, allowed_from: tuple[IdeaStatus, ...], to: IdeaStatus, **values
) -> None:
    """Move the idea to `to` with a compare-and-set UPDATE, so that two moderators clicking at
    the same time cannot both succeed (and, say, mail the author twice)."""
    if not can_moderate(moderator):
        raise IdeaNotAllowed(_("Nur die Moderation kann das tun."))
    if idea.status not in allowed_from:
        raise InvalidTransition(_("Das ist im aktuellen Zustand der Idee nicht möglich."))
    db.session.flush()
    result = db.session.execute(
        update(Idea.__table__)
        .where(Idea.__table__.c.id == idea.id, Idea.__table__.c.status.in_(allowed_from))
        .values(status=to, updated_at=utcnow(), **values)
    )
    db.session.refresh(idea)
    if result.rowcount != 1:
        raise InvalidTransition(_("Das ist im aktuellen Zustand der Idee nicht möglich."))
    _touch(idea.event_id)


def _mail_author(moderator, idea: Idea, template: str, **context) -> None:
    """Queue the decision's mail to the idea's author in their language, once per idea and
    template. Nobody is mailed for a paper card (typed in by the moderation, whose author is
    at the workshop, not behind an address), an idea of a deleted account, or an idea the
    deciding moderator wrote themself (they know)."""
    author = idea.author
    if idea.from_paper_card or author is None or not author.email:
        return
    if author.id == getattr(moderator, "id", None):
        return
    queue_mail(
        template,
        to=author.email,
        locale=author.locale or "de",
        user=author,
        idempotency_key=f"{template}:{idea.id}",
        idea=idea,
        **context,
    )


def approve_idea(moderator, idea: Idea) -> Idea:
    """pending → published (publication date set); the author is told by mail in their
    language (`_mail_author` says who is not). Raises IdeaNotAllowed, InvalidTransition."""
    _transition(
        moderator,
        idea,
        (IdeaStatus.PENDING,),
        IdeaStatus.PUBLISHED,
        published_at=idea.published_at or utcnow(),
    )
    log_action(moderator, "idea.approve", idea)
    _mail_author(moderator, idea, "idea_approved")
    return idea


def reject_idea(moderator, idea: Idea, reason: str) -> Idea:
    """pending → rejected, with a reason (3..2000 characters) that is mailed to the author in
    their language (`_mail_author` says who is not).

    Raises IdeaNotAllowed, InvalidTransition, IdeaError(field="reason")."""
    reason = _BODY_CONTROL.sub("", (reason or "").replace("\r\n", "\n")).strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise IdeaError(
            _(
                "Bitte geben Sie einen Grund an (%(min)d bis %(max)d Zeichen).",
                min=REASON_MIN,
                max=REASON_MAX,
            ),
            field="reason",
        )
    _transition(
        moderator, idea, (IdeaStatus.PENDING,), IdeaStatus.REJECTED, rejection_reason=reason
    )
    log_action(moderator, "idea.reject", idea, reason)
    _mail_author(moderator, idea, "idea_rejected", reason=reason)
    return idea


def hide_idea(moderator, idea: Idea, reason: str | None = None) -> Idea:
    """published → hidden (off every list, votes kept). Raises IdeaNotAllowed,
    InvalidTransition."""
    _transition(moderator, idea, (IdeaStatus.PUBLISHED,), IdeaStatus.HIDDEN)
    log_action(moderator, "idea.hide", idea, reason)
    return idea


def restore_idea(moderator, idea: Idea, reason: str | None = None) -> Idea:
    """hidden → published. Raises IdeaNotAllowed, InvalidTransition."""
    _transition(moderator, idea, (IdeaStatus.HIDDEN,), IdeaStatus.PUBLISHED)
    log_action(moderator, "idea.restore", idea, reason)
    return idea
