"""The summary as one document: what the page, the PDF, CSV, JSON and the API all show."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..opendata import LICENSE, iso_utc
from ..sanitize import stored_html
from . import services
from .models import Summary

CSV_COLUMNS = ("position", "id", "title", "theme", "vote_count", "note", "url")


def _url(path: str) -> str:
    return current_app.config["BASE_URL"] + path


def _still_published(ids: list[int]) -> set[int]:
    # An idea hidden after publishing drops out of the result at once.
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Idea.id).where(Idea.id.in_(ids), Idea.status == IdeaStatus.PUBLISHED)
        )
    )


def _build(event: Event, summary: Summary, data: dict, updated_at, *, draft: bool) -> dict:
    visible = _still_published([item["id"] for item in data["items"]])
    items = [
        {**item, "position": position, "url": _url(f"/ideas/{item['id']}")}
        for position, item in enumerate(
            (item for item in data["items"] if item["id"] in visible), start=1
        )
    ]
    return {
        "event": event,
        "summary": summary,
        "draft": draft,
        "version": summary.version,
        "published_at": summary.published_at,
        "updated_at": updated_at,
        "intro_html": data["intro_html"],
        "conclusion_html": data["conclusion_html"],
        "items": items,
        "figures": services.participation_figures(event),
        "url": _url(f"/events/{event.slug}/summary"),
    }


def published_document(event: Event) -> dict | None:
    """The latest published version of the event's summary, or None when there is none."""
    found = services.published_version(event)
    if found is None:
        return None
    summary, version = found
    return _build(event, summary, version.snapshot, version.created_at, draft=False)


def draft_document(event: Event) -> dict | None:
    """The moderators' working copy, as it would look when published."""
    summary = services.summary_for_event(event)
    if summary is None:
        return None
    return _build(event, summary, services.snapshot(summary), summary.updated_at, draft=True)


def top_items(document: dict, count: int = 3) -> list[dict]:
    """The result's ideas with the most votes (ties: their place in the result), for the
    event page's preview of the result."""
    return sorted(document["items"], key=lambda i: (-i["vote_count"], i["position"]))[:count]


def theme_groups(document: dict, locale: str) -> list[dict]:
    """The items grouped by theme (themes in their order), each group in the items' order."""
    groups: dict[str, dict] = {}
    for item in sorted(document["items"], key=lambda i: (i["theme_position"], i["position"])):
        group = groups.setdefault(
            item["theme"],
            {
                "slug": item["theme"],
                "name": item["theme_name_en"]
                if locale == "en" and item["theme_name_en"]
                else item["theme_name_de"],
                "items": [],
            },
        )
        group["items"].append(item)
    return list(groups.values())


def html(document: dict, key: str):
    return stored_html(document[key])


def json_record(document: dict) -> dict:
    """The open-data record (API and JSON download): public fields only."""
    figures = document["figures"]
    return {
        "event": document["event"].slug,
        "title": document["event"].title,
        "version": document["version"],
        "published_at": iso_utc(document["published_at"]),
        "updated_at": iso_utc(document["updated_at"]),
        "intro_html": document["intro_html"],
        "conclusion_html": document["conclusion_html"],
        "figures": {
            "participants": figures.participants,
            "ideas": figures.ideas,
            "votes": figures.votes,
            "themes": [
                {
                    "theme": theme.slug,
                    "name": {"de": theme.name_de, "en": theme.name_en},
                    "ideas": theme.ideas,
                    "votes": theme.votes,
                    "participants": theme.participants,
                }
                for theme in figures.themes
            ],
        },
        "items": [csv_row(item) for item in document["items"]],
        "url": document["url"],
        "license": LICENSE,
    }


def csv_row(item: dict) -> dict:
    return {column: item[column] for column in CSV_COLUMNS}
