"""Summaries: propose, curate and publish an event's result; build the published document.

Explicit actor, flush only. The public page, the downloads and the API all read the
document built by `published_document` (or `draft_document` for the moderators' preview)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import distinct, func, or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..auditlog import log_action
from ..database import utcnow
from ..events.models import Event, Phase
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..sanitize import clean_html
from ..themes.models import Theme
from ..votes.models import Vote
from .models import Summary, SummaryItem, SummaryStatus, SummaryVersion

MAX_TEXT_LENGTH = 20_000
MAX_NOTE_LENGTH = 2_000
LATEST_COUNT = 3


class SummaryError(Exception):
    """A curation step that the rules refuse; the message is for people (German, gettext)."""


def _log(actor, action: str, summary: Summary) -> None:
    log_action(actor, action, summary)


# --- reading ---------------------------------------------------------------------------------


def summary_for_event(event: Event) -> Summary | None:
    return db.session.scalar(
        select(Summary)
        .where(Summary.event_id == event.id)
        .options(
            selectinload(Summary.items).selectinload(SummaryItem.idea).selectinload(Idea.theme)
        )
    )


def _ranked(query):
    # Most votes first; a tie goes to the idea published earlier, then to the lower id.
    return query.order_by(Idea.vote_count.desc(), Idea.published_at.asc(), Idea.id.asc())


def ranked_ideas(event: Event) -> list[Idea]:
    """The event's published ideas, grouped by theme (in the themes' order), each group
    ranked by votes (ties: earlier publication, then lower id)."""
    query = (
        select(Idea)
        .join(Theme, Idea.theme_id == Theme.id)
        .where(Idea.event_id == event.id, Idea.status == IdeaStatus.PUBLISHED)
        .options(selectinload(Idea.theme))
    )
    ideas = db.session.scalars(_ranked(query)).all()
    return sorted(ideas, key=lambda idea: (idea.theme.position, idea.theme_id))


def unselected_ideas(summary: Summary) -> list[Idea]:
    chosen = {item.idea_id for item in summary.items}
    return [idea for idea in ranked_ideas(summary.event) if idea.id not in chosen]


@dataclass
class ThemeFigures:
    slug: str
    name_de: str
    name_en: str
    ideas: int
    votes: int
    participants: int

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_de


@dataclass
class Figures:
    participants: int
    ideas: int
    votes: int
    themes: list[ThemeFigures]


def participation_figures(event: Event) -> Figures:
    """Participants (distinct voters and authors), published ideas and votes (the sum of the
    ideas' counts), in all and per theme. Votes of deleted accounts count as votes, not as
    participants (they can no longer be told apart). Three queries, whatever the size."""
    published = (Idea.event_id == event.id) & (Idea.status == IdeaStatus.PUBLISHED)
    people = union(
        select(Idea.theme_id, Idea.author_id.label("person")).where(
            published, Idea.author_id.is_not(None)
        ),
        select(Idea.theme_id, Vote.user_id.label("person"))
        .join(Vote, Vote.idea_id == Idea.id)
        .where(published, Vote.user_id.is_not(None)),
    ).subquery()
    per_theme_people = dict(
        db.session.execute(
            select(people.c.theme_id, func.count(distinct(people.c.person))).group_by(
                people.c.theme_id
            )
        ).all()
    )
    participants = db.session.scalar(select(func.count(distinct(people.c.person)))) or 0
    rows = db.session.execute(
        select(Theme, func.count(Idea.id), func.coalesce(func.sum(Idea.vote_count), 0))
        .join(Idea, Idea.theme_id == Theme.id)
        .where(published)
        .group_by(Theme.id)
        .order_by(Theme.position, Theme.id)
    ).all()
    themes = [
        ThemeFigures(
            theme.slug,
            theme.name_de,
            theme.name_en,
            int(ideas),
            int(votes),
            per_theme_people.get(theme.id, 0),
        )
        for theme, ideas, votes in rows
    ]
    return Figures(
        participants=participants,
        ideas=sum(t.ideas for t in themes),
        votes=sum(t.votes for t in themes),
        themes=themes,
    )


def latest_published_summaries(limit: int = LATEST_COUNT) -> list[Summary]:
    """The newest published summaries (by their last publish), with their events."""
    return list(
        db.session.scalars(
            select(Summary)
            .where(Summary.status == SummaryStatus.PUBLISHED)
            .options(selectinload(Summary.event))
            .order_by(Summary.updated_at.desc(), Summary.id.desc())
            .limit(limit)
        )
    )


def latest_version(summary: Summary) -> SummaryVersion | None:
    if summary.version == 0:
        return None
    return db.session.scalar(
        select(SummaryVersion).where(
            SummaryVersion.summary_id == summary.id, SummaryVersion.version == summary.version
        )
    )


def published_version(event: Event) -> tuple[Summary, SummaryVersion] | None:
    """The event's published summary with its latest version, in one query; None when the
    event has no published summary."""
    row = db.session.execute(
        select(Summary, SummaryVersion)
        .join(
            SummaryVersion,
            (SummaryVersion.summary_id == Summary.id) & (SummaryVersion.version == Summary.version),
        )
        .where(Summary.event_id == event.id, Summary.status == SummaryStatus.PUBLISHED)
    ).first()
    return (row[0], row[1]) if row is not None else None


def published_event_ids(event_ids) -> set[int]:
    """Which of these events have a published summary (one query, for lists of events)."""
    event_ids = list(event_ids)
    if not event_ids:
        return set()
    return set(
        db.session.scalars(
            select(Summary.event_id).where(
                Summary.event_id.in_(event_ids), Summary.status == SummaryStatus.PUBLISHED
            )
        )
    )


def events_awaiting_summary() -> list[tuple[Event, Summary | None]]:
    """Closed events whose result is not public yet: no summary at all, or a draft never
    published. Most recently ended first; for the moderators' queue."""
    return [
        (event, summary)
        for event, summary in db.session.execute(
            select(Event, Summary)
            .outerjoin(Summary, Summary.event_id == Event.id)
            .where(
                Event.phase == Phase.CLOSED,
                or_(Summary.id.is_(None), Summary.status != SummaryStatus.PUBLISHED),
            )
            .order_by(Event.ends_at.desc(), Event.id.desc())
        )
    ]


def idea_result(idea: Idea) -> dict | None:
    """The published result of the idea's event, for the idea's page: {"summary",
    "included"} (whether the latest version lists the idea), or None when there is none."""
    if idea.event_id is None:
        return None
    found = published_version(idea.event)
    if found is None:
        return None
    summary, version = found
    included = any(item["id"] == idea.id for item in version.snapshot["items"])
    return {"summary": summary, "included": included}


def summaries_for_idea(idea: Idea) -> list[Summary]:
    """The published summaries whose latest version lists the idea (its trail)."""
    if idea.event_id is None:
        return []
    summary = db.session.scalar(
        select(Summary).where(
            Summary.event_id == idea.event_id, Summary.status == SummaryStatus.PUBLISHED
        )
    )
    version = latest_version(summary) if summary is not None else None
    if version is None:
        return []
    ids = {item["id"] for item in version.snapshot["items"]}
    return [summary] if idea.id in ids else []


# --- curating --------------------------------------------------------------------------------


def start_summary(event: Event, actor) -> Summary:
    """Open the draft of a closed event's summary, proposing its published ideas (grouped
    by theme, ranked by votes). Returns the existing summary if there is one already.
    Raises SummaryError when the event is not closed."""
    if event.phase != Phase.CLOSED:
        raise SummaryError("event-not-closed")
    existing = summary_for_event(event)
    if existing is not None:
        return existing
    summary = Summary(event=event)
    summary.items = [
        SummaryItem(idea=idea, position=position)
        for position, idea in enumerate(ranked_ideas(event), start=1)
    ]
    try:
        with db.session.begin_nested():
            db.session.add(summary)
            db.session.flush()
    except IntegrityError:
        # Another moderator opened it at the same moment: theirs is the one.
        return summary_for_event(event)
    return summary


def save_texts(summary: Summary, actor, intro: str, conclusion: str, notes: dict[int, str]):
    """Store intro and conclusion (Markdown, kept sanitized as HTML) and the notes by item
    id; unknown item ids are ignored. Raises SummaryError for texts that are too long."""
    if len(intro) > MAX_TEXT_LENGTH or len(conclusion) > MAX_TEXT_LENGTH:
        raise SummaryError("text-too-long")
    if any(len(note) > MAX_NOTE_LENGTH for note in notes.values()):
        raise SummaryError("note-too-long")
    summary.intro = intro.strip()
    summary.intro_html = str(clean_html(summary.intro))
    summary.conclusion = conclusion.strip()
    summary.conclusion_html = str(clean_html(summary.conclusion))
    for item in summary.items:
        if item.id in notes:
            item.note = notes[item.id].strip()
    db.session.flush()


def _renumber(summary: Summary) -> None:
    for position, item in enumerate(summary.items, start=1):
        item.position = position


def move_item(summary: Summary, idea_id: int, direction: str) -> None:
    """Move an idea one place up or down among the selected ideas of its theme (the page
    shows them grouped by theme). At the edge it stays. Raises SummaryError for an idea
    that is not selected or a direction that is neither "up" nor "down"."""
    if direction not in ("up", "down"):
        raise SummaryError("bad-direction")
    items = list(summary.items)
    index = next((i for i, item in enumerate(items) if item.idea_id == idea_id), None)
    if index is None:
        raise SummaryError("not-selected")
    theme_id = items[index].idea.theme_id
    same_theme = [i for i, item in enumerate(items) if item.idea.theme_id == theme_id]
    at = same_theme.index(index)
    target = at - 1 if direction == "up" else at + 1
    if 0 <= target < len(same_theme):
        other = same_theme[target]
        items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        item.position = position
    summary.items.sort(key=lambda item: item.position)
    db.session.flush()


def set_order(summary: Summary, idea_ids: list[int]) -> None:
    """Put the selected ideas in the given order (the drag-and-drop script sends it);
    ideas not named keep their relative order after the named ones. Raises SummaryError
    for an id that is not selected."""
    by_idea = {item.idea_id: item for item in summary.items}
    if any(idea_id not in by_idea for idea_id in idea_ids):
        raise SummaryError("not-selected")
    ordered = [by_idea[i] for i in dict.fromkeys(idea_ids)]
    ordered += [item for item in summary.items if item not in ordered]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    summary.items.sort(key=lambda item: item.position)
    db.session.flush()


def remove_item(summary: Summary, idea_id: int) -> None:
    """Take an idea out of the summary (its note goes with it). Raises SummaryError when
    it is not selected."""
    item = next((item for item in summary.items if item.idea_id == idea_id), None)
    if item is None:
        raise SummaryError("not-selected")
    summary.items.remove(item)
    _renumber(summary)
    db.session.flush()


def add_item(summary: Summary, idea_id: int) -> None:
    """Put a published idea of the event back into the summary, last in its theme's group.
    Raises SummaryError for any other idea or one already selected."""
    idea = db.session.get(Idea, idea_id)
    if idea is None or idea.event_id != summary.event_id or idea.status != IdeaStatus.PUBLISHED:
        raise SummaryError("not-available")
    if any(item.idea_id == idea_id for item in summary.items):
        raise SummaryError("already-selected")
    summary.items.append(SummaryItem(idea=idea, position=len(summary.items) + 1))
    db.session.flush()


def snapshot(summary: Summary) -> dict:
    """The summary as published: texts and the selected published ideas in order."""
    return {
        "intro": summary.intro,
        "intro_html": summary.intro_html,
        "conclusion": summary.conclusion,
        "conclusion_html": summary.conclusion_html,
        "items": [
            {
                "id": item.idea.id,
                "title": item.idea.title,
                "theme": item.idea.theme.slug,
                "theme_name_de": item.idea.theme.name_de,
                "theme_name_en": item.idea.theme.name_en,
                "theme_position": item.idea.theme.position,
                "vote_count": item.idea.vote_count,
                "note": item.note,
            }
            for item in summary.items
            if item.idea.status == IdeaStatus.PUBLISHED
        ],
    }


def check_pdf(summary: Summary) -> None:
    """Render the working copy's PDF in every language, as the public download will.
    Raises SummaryError("pdf-failed") when it cannot be made: nothing is published whose
    download would fail."""
    # Imported here: the document (and the PDF built from it) reads summaries through this
    # module (cycle services <-> document).
    from .document import draft_document
    from .pdf import render_pdf

    document = draft_document(summary.event)
    for locale in current_app.config["LANGUAGES"]:
        try:
            with force_locale(locale):
                render_pdf(document, locale)
        except Exception as exc:  # whatever fails in the renderer: refuse, and say so
            current_app.logger.exception("summary %s: the PDF cannot be made", summary.id)
            raise SummaryError("pdf-failed") from exc


def publish_summary(summary: Summary, actor) -> SummaryVersion:
    """Publish the working copy as a new version (1, 2, …) and make it public. Raises
    SummaryError when the event is no longer closed or its PDF cannot be made."""
    if summary.event.phase != Phase.CLOSED:
        raise SummaryError("event-not-closed")
    check_pdf(summary)
    now = utcnow()
    first = summary.status != SummaryStatus.PUBLISHED
    summary.version += 1
    summary.status = SummaryStatus.PUBLISHED
    summary.published_at = summary.published_at or now
    summary.updated_at = now
    version = SummaryVersion(
        summary_id=summary.id,
        version=summary.version,
        snapshot=snapshot(summary),
        created_at=now,
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    _log(actor, "summary.publish" if first else "summary.update", summary)
    return version
