"""Themes, events and ideas as open-data records: public fields only, never personal data."""

from __future__ import annotations

from flask import current_app

from ..events.models import Event, Phase
from ..ideas.models import Idea
from ..opendata import iso_utc
from ..themes.models import Theme

# The CSV columns of each list (the JSON fields, flattened).
THEME_COLUMNS = (
    "slug",
    "name_de",
    "name_en",
    "description_de",
    "description_en",
    "active",
    "url",
)
EVENT_COLUMNS = (
    "slug",
    "title",
    "description",
    "place",
    "starts_at",
    "ends_at",
    "phase",
    "voting_rule",
    "dot_budget",
    "capacity",
    "themes",
    "url",
)
IDEA_COLUMNS = (
    "id",
    "title",
    "body_html",
    "theme",
    "event",
    "vote_count",
    "created_at",
    "published_at",
    "author",
    "from_paper_card",
    "url",
)


def public_url(path: str) -> str:
    # The page paths are a published interface (SPEC "Pages"), so they are spelled out here
    # rather than built from endpoints another slice may name or register differently.
    return current_app.config["BASE_URL"] + path


def theme_record(theme: Theme) -> dict:
    return {
        "slug": theme.slug,
        "name": {"de": theme.name_de, "en": theme.name_en},
        "description": {"de": theme.description_de or "", "en": theme.description_en or ""},
        "active": bool(theme.active),
        "url": public_url(f"/themes/{theme.slug}"),
    }


def theme_row(theme: Theme) -> dict:
    record = theme_record(theme)
    return {
        **record,
        "name_de": record["name"]["de"],
        "name_en": record["name"]["en"],
        "description_de": record["description"]["de"],
        "description_en": record["description"]["en"],
    }


def event_record(event: Event) -> dict:
    """Needs `event.themes` loaded (selectinload) to stay at a fixed number of queries."""
    return {
        "slug": event.slug,
        "title": event.title,
        "description": event.description or "",
        "place": event.place or "",
        "starts_at": iso_utc(event.starts_at),
        "ends_at": iso_utc(event.ends_at),
        "phase": str(event.phase),
        "voting_rule": str(event.voting_rule),
        "dot_budget": event.dot_budget,
        "capacity": event.capacity,
        "themes": [theme.slug for theme in event.themes],
        "url": public_url(f"/events/{event.slug}"),
    }


def event_row(event: Event) -> dict:
    record = event_record(event)
    return {**record, "themes": " ".join(record["themes"])}


def public_event_slug(idea: Idea) -> str | None:
    # A draft event is visible to organizers only; its slug must not leak through an idea.
    if idea.event is None or idea.event.phase == Phase.DRAFT:
        return None
    return idea.event.slug


def author_name(idea: Idea) -> str | None:
    """The pseudonym the author chose to show, or None: never an e-mail address or an id."""
    if idea.author is None:
        return None
    return idea.author.display_name or None


def idea_record(idea: Idea) -> dict:
    """Needs theme, event and author loaded with the idea (list_ideas does it)."""
    return {
        "id": idea.id,
        "title": idea.title,
        "body_html": idea.body_html,
        "theme": idea.theme.slug,
        "event": public_event_slug(idea),
        "vote_count": idea.vote_count,
        "created_at": iso_utc(idea.created_at),
        "published_at": iso_utc(idea.published_at),
        "author": author_name(idea),
        "from_paper_card": bool(idea.from_paper_card),
        "url": public_url(f"/ideas/{idea.id}"),
    }
