"""What the catalogue reads: a fixed number of queries however many themes, ideas and
summaries there are (no query per data set)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from ..events.models import Event, Phase
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..summaries.models import Summary, SummaryStatus
from ..themes.models import Theme


@dataclass
class IdeaSet:
    """Published ideas of one theme (or of all themes): how many, first published, last
    changed."""

    count: int = 0
    issued: dt.datetime | None = None
    modified: dt.datetime | None = None
    theme: Theme | None = None

    def add(self, other: IdeaSet) -> None:
        self.count += other.count
        self.issued = _earliest(self.issued, other.issued)
        self.modified = _latest(self.modified, other.modified)


@dataclass
class CatalogData:
    ideas: IdeaSet = field(default_factory=IdeaSet)
    themes: list[IdeaSet] = field(default_factory=list)  # only themes with published ideas
    summaries: list[Summary] = field(default_factory=list)  # published, events loaded

    @property
    def issued(self) -> dt.datetime | None:
        result = self.ideas.issued
        for summary in self.summaries:
            result = _earliest(result, summary.published_at)
        return result

    @property
    def modified(self) -> dt.datetime | None:
        result = self.ideas.modified
        for summary in self.summaries:
            result = _latest(result, summary.updated_at)
        return result


def _earliest(a, b):
    return b if a is None else a if b is None else min(a, b)


def _latest(a, b):
    return b if a is None else a if b is None else max(a, b)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    # Aggregates come back without the column type's conversion on SQLite: naive UTC.
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def theme_idea_sets() -> list[IdeaSet]:
    """Per theme with at least one published idea, in the organizers' order: one query.
    Hidden, pending and rejected ideas count nowhere."""
    rows = db.session.execute(
        select(
            Theme,
            func.count(Idea.id),
            func.min(func.coalesce(Idea.published_at, Idea.created_at)),
            func.max(Idea.updated_at),
        )
        .join(Idea, Idea.theme_id == Theme.id)
        .where(Idea.status == IdeaStatus.PUBLISHED)
        .group_by(Theme.id)
        .order_by(Theme.position, Theme.id)
    )
    return [
        IdeaSet(count=count, issued=_as_utc(issued), modified=_as_utc(modified), theme=theme)
        for theme, count, issued, modified in rows
    ]


def published_summaries() -> list[Summary]:
    """Published summaries of events that are not drafts, newest event first, with their
    events and the events' themes: two queries."""
    return list(
        db.session.scalars(
            select(Summary)
            .join(Summary.event)
            .where(Summary.status == SummaryStatus.PUBLISHED, Event.phase != Phase.DRAFT)
            .options(contains_eager(Summary.event).selectinload(Event.themes))
            .order_by(Event.starts_at.desc(), Event.id.desc())
        ).unique()
    )


def catalog_data() -> CatalogData:
    """Everything the catalogue shows, in three queries."""
    data = CatalogData(themes=theme_idea_sets(), summaries=published_summaries())
    for theme_set in data.themes:
        data.ideas.add(theme_set)
    return data
