"""The sitemap's entries: every public page, read as bare columns (a handful of queries,
whatever the number of ideas)."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from sqlalchemy import func, select

from ..events.models import Event, Phase
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..summaries.models import Summary, SummaryStatus
from ..themes.models import Theme

# The sitemap protocol's limit of URLs per file (sitemaps.org).
MAX_URLS = 50_000
STATIC_PATHS = (
    "/",
    "/ideas",
    "/events",
    "/privacy",
    "/accessibility",
    "/imprint",
    "/easy-language",
)

Entry = tuple[str, dt.datetime | None]  # (path, last modified)


def page_entries() -> list[Entry]:
    """Everything public but the ideas: start, lists, legal pages, themes, events that are
    not drafts and their published results. Three queries."""
    entries: list[Entry] = [(path, None) for path in STATIC_PATHS]
    entries += [
        (f"/themes/{slug}", None)
        for slug in db.session.scalars(select(Theme.slug).order_by(Theme.position, Theme.id))
    ]
    events = db.session.execute(
        select(Event.slug, Event.updated_at)
        .where(Event.phase != Phase.DRAFT)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    entries += [(f"/events/{slug}", updated_at) for slug, updated_at in events]
    results = db.session.execute(
        select(Event.slug, Summary.updated_at)
        .join(Summary, Summary.event_id == Event.id)
        .where(Event.phase != Phase.DRAFT, Summary.status == SummaryStatus.PUBLISHED)
        .order_by(Summary.updated_at.desc(), Event.id)
    )
    entries += [(f"/events/{slug}/summary", updated_at) for slug, updated_at in results]
    return entries


def idea_entries(offset: int = 0, limit: int = MAX_URLS) -> list[Entry]:
    """Published ideas by id, `limit` of them from `offset`. One query."""
    rows = db.session.execute(
        select(Idea.id, Idea.updated_at)
        .where(Idea.status == IdeaStatus.PUBLISHED)
        .order_by(Idea.id)
        .offset(offset)
        .limit(limit)
    )
    return [(f"/ideas/{idea_id}", updated_at) for idea_id, updated_at in rows]


def published_idea_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Idea).where(Idea.status == IdeaStatus.PUBLISHED)
    )


def _lastmod(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return f"<lastmod>{value.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}</lastmod>"


def urlset(base_url: str, entries: list[Entry]) -> str:
    """A sitemap (<urlset>) of absolute URLs under `base_url`."""
    base = escape(base_url.rstrip("/"))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    lines += [f"<url><loc>{base}{escape(path)}</loc>{_lastmod(at)}</url>" for path, at in entries]
    lines.append("</urlset>\n")
    return "\n".join(lines)


def sitemap_index(base_url: str, paths: list[str]) -> str:
    """A sitemap index (<sitemapindex>) naming the sitemap files at these paths."""
    base = escape(base_url.rstrip("/"))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    lines += [f"<sitemap><loc>{base}{escape(path)}</loc></sitemap>" for path in paths]
    lines.append("</sitemapindex>\n")
    return "\n".join(lines)
