"""What the evening's pages show: join URL and QR code, the phone page's state, stored data."""

from __future__ import annotations

import io

import segno
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..events.models import Event, Phase, VotingRule
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..permissions import is_event_participant
from ..themes import services as themes
from ..votes.models import Vote
from ..votes.services import DEFAULT_DOT_BUDGET
from . import services
from .models import LiveCard

MAX_IDEAS_SHOWN = 200


def join_url(code: str) -> str:
    """BASE_URL/j/<code>: the QR code's target."""
    return f"{current_app.config['BASE_URL']}/j/{code}"


def qr_svg(url: str, label: str | None = None) -> Markup:
    """The QR code of `url` as inline SVG, drawn here (segno), labelled for screen readers.
    Markup is safe: segno writes the SVG from the URL's bits; nothing typed by people."""
    svg = segno.make(url, error="m").svg_inline(scale=7, border=4, svgclass="qr-code")
    label = label or _("QR-Code zum Mitmachen: %(url)s", url=url)
    attrs = Markup(' role="img" aria-label="{}"').format(label)
    return Markup(svg.replace("<svg ", f"<svg{attrs} ", 1))  # noqa: S704  (segno output)


def announced_join_url(event: Event) -> str | None:
    """The join link, when the organizer chose to show it on the event page and in the
    invitation (people may look at the evening's page beforehand); else None."""
    live = services.session_of(event)
    if live is None or not live.announce_link:
        return None
    return join_url(live.join_code)


def qr_png(url: str, scale: int = 10) -> bytes:
    """The QR code of `url` as a PNG (for the printed cards)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def theme_choices(event: Event) -> list[tuple[str, str]]:
    """The event's active themes (all active themes when the event names none)."""
    choices = [t for t in event.themes if t.active] or themes.active_themes()
    locale = str(get_locale() or "de")
    return [(str(t.id), t.name(locale)) for t in choices]


def theme_by_id(raw: str | None):
    return themes.get_theme(int(raw)) if (raw or "").isdigit() else None


def _budget(event: Event) -> int | None:
    if event.voting_rule != VotingRule.DOTS:
        return None
    return event.dot_budget or DEFAULT_DOT_BUDGET


def phone_state(user, event: Event) -> dict:
    """Everything the phone page shows, in a fixed number of queries: the event's published
    ideas (newest first), my weight on each, the dots left, my own ideas with their state,
    whether I joined and whether voting and submitting are open."""
    ideas = list(
        db.session.scalars(
            select(Idea)
            .where(Idea.event_id == event.id, Idea.status == IdeaStatus.PUBLISHED)
            .options(joinedload(Idea.theme))
            .order_by(Idea.created_at.desc(), Idea.id.desc())
            .limit(MAX_IDEAS_SHOWN)
        )
    )
    signed_in = bool(user is not None and user.is_authenticated)
    weights: dict[int, int] = {}
    mine: list[Idea] = []
    used = 0
    if signed_in:
        rows = db.session.execute(
            select(Vote.idea_id, Vote.weight)
            .join(Idea, Idea.id == Vote.idea_id)
            .where(Vote.user_id == user.id, Idea.event_id == event.id)
        )
        weights = {idea_id: weight for idea_id, weight in rows}
        used = sum(weights.values())
        mine = list(
            db.session.scalars(
                select(Idea)
                .where(Idea.author_id == user.id, Idea.event_id == event.id)
                .order_by(Idea.created_at.desc(), Idea.id.desc())
            )
        )
    budget = _budget(event)
    live = services.session_of(event)
    # Imported here: the live state shows the evening's join code and count
    # (cycle live <-> livestate).
    from ..livestate.services import current_settings

    settings = current_settings(event.id)
    return {
        "timer_ends_at": settings.timer_ends_at,
        # Hidden by the moderators: the room sees no counts until they are revealed.
        "numbers_hidden": settings.numbers_hidden,
        "version": settings.version,
        "ideas": ideas,
        "weights": weights,
        "budget": budget,
        "dots_left": None if budget is None else max(0, budget - used),
        "mine": mine,
        "signed_in": signed_in,
        "joined": signed_in and services.participation_of(user, event) is not None,
        "guest": is_event_participant(user),
        "voting_open": event.phase == Phase.VOTING,
        "collecting": event.phase == Phase.COLLECTING,
        "live": live,
    }


def stored_about(user, event: Event) -> dict:
    """What is stored about the person for this evening, for "my data" on the phone."""
    participation = services.participation_of(user, event)
    card_number = None
    if participation is not None and participation.card_id is not None:
        card = db.session.get(LiveCard, participation.card_id)
        card_number = card.number if card else None
    votes = db.session.execute(
        select(Idea.title, Vote.weight)
        .join(Vote, Vote.idea_id == Idea.id)
        .where(Vote.user_id == user.id, Idea.event_id == event.id)
        .order_by(Idea.title)
    ).all()
    ideas = list(
        db.session.scalars(
            select(Idea)
            .where(Idea.author_id == user.id, Idea.event_id == event.id)
            .order_by(Idea.id)
        )
    )
    return {
        "participant_code": participation.code if participation else None,
        "display_name": user.display_name,
        "joined_at": participation.joined_at if participation else None,
        "card_number": card_number,
        "ideas": ideas,
        "votes": votes,
        "deleted_after": services.retention_ends(event),
    }
