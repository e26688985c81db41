"""Event rules: who sees which event, creating and changing events, how the phase moves.
What a valid event is lives in events.validation."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..auditlog import log_action
from ..database import utcnow
from ..extensions import db
from ..permissions import PermissionDenied, can_edit_event, can_organize
from ..themes.services import slugify
from .models import PHASE_ORDER, Event, Phase, VotingRule
from .validation import RETENTION_DAYS_DEFAULT, SLUG_MAX, EventError, clean_event

CURRENT_EVENTS_LIMIT = 6
# How often a clashing slug is retried with a counter (-2, -3 …) before giving up.
SLUG_ATTEMPTS = 50


class PhaseStep(enum.StrEnum):
    NEXT = "next"
    PREVIOUS = "previous"


def _require_event_editor(actor) -> None:
    if not can_edit_event(actor):
        raise PermissionDenied("organizer role required")


# Reading -------------------------------------------------------------------------------


def _visible_to(viewer):
    """The WHERE clause for the events `viewer` may see: drafts only for organizers."""
    return true() if can_organize(viewer) else Event.phase != Phase.DRAFT


def upcoming_and_past(viewer, now: dt.datetime | None = None) -> tuple[list[Event], list[Event]]:
    """The events `viewer` may see, split in two: upcoming and running ones (not yet
    ended) soonest first, then past ones most recent first. Themes are loaded with them
    (two queries per list, whatever the number of events)."""
    now = now or utcnow()
    base = select(Event).where(_visible_to(viewer)).options(selectinload(Event.themes))
    upcoming = base.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    past = base.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
    return list(db.session.scalars(upcoming)), list(db.session.scalars(past))


def visible_events(viewer, now: dt.datetime | None = None) -> list[Event]:
    """The events `viewer` may see: upcoming/current first (soonest first), then past ones
    (most recent first). Drafts only for organizers."""
    upcoming, past = upcoming_and_past(viewer, now)
    return upcoming + past


def current_events(
    now: dt.datetime | None = None, limit: int = CURRENT_EVENTS_LIMIT
) -> list[Event]:
    """For the start page: published events that have not ended yet or still collect ideas
    or votes, soonest first. Never drafts, whoever looks."""
    now = now or utcnow()
    query = (
        select(Event)
        .where(
            Event.phase != Phase.DRAFT,
            or_(Event.ends_at >= now, Event.phase.in_([Phase.COLLECTING, Phase.VOTING])),
        )
        .options(selectinload(Event.themes))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def events_open_for_ideas() -> list[Event]:
    """Events in the collecting phase: the ones a new idea may be submitted for."""
    query = select(Event).where(Event.phase == Phase.COLLECTING).order_by(Event.starts_at)
    return list(db.session.scalars(query))


def event_by_slug(slug: str, viewer) -> Event | None:
    """The event with this slug if `viewer` may see it (a draft only for organizers)."""
    query = (
        select(Event)
        .where(Event.slug == slug, _visible_to(viewer))
        .options(selectinload(Event.themes))
    )
    return db.session.scalar(query)


def get_event(event_id: int) -> Event | None:
    """Any event by id, drafts included (for the organizers' pages)."""
    return db.session.get(Event, event_id)


def all_events() -> list[Event]:
    """Every event, newest start first, for the organizers' list."""
    query = (
        select(Event)
        .options(selectinload(Event.themes))
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    return list(db.session.scalars(query))


# Changing ------------------------------------------------------------------------------


def create_event(
    actor,
    *,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    description: str = "",
    place: str = "",
    theme_ids: Iterable[int] = (),
    capacity: int | None = None,
    voting_rule: VotingRule | str = VotingRule.SUPPORT,
    dot_budget: int | None = None,
    retention_days: int | None = RETENTION_DAYS_DEFAULT,
    comments_premoderated: bool = False,
) -> Event:
    """Create an event in the draft phase (visible to organizers only).

    Times are aware datetimes, or naive ones meaning local time (Europe/Berlin); they are
    stored in UTC, and the end must come after the start. Capacity is empty (no limit) or
    1..100000; dots need a budget of 1..50; registrant data is kept 1..3650 days (90 when
    not given). The slug comes from the title; when it is taken, a counter is added
    (-2, -3 …). The slug never changes afterwards, so links keep working.
    `comments_premoderated`: comments on the event's ideas wait for a moderator.

    Raises PermissionDenied for non-organizers and EventError with a message per field."""
    _require_event_editor(actor)
    cleaned = clean_event(
        None,
        dict(
            title=title,
            description=description,
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            theme_ids=theme_ids,
            capacity=capacity,
            voting_rule=voting_rule,
            dot_budget=dot_budget,
            retention_days=retention_days,
        ),
    )
    base_slug = slugify(cleaned["title"], SLUG_MAX - 4) or "veranstaltung"
    for attempt in range(1, SLUG_ATTEMPTS + 1):
        event = Event(
            slug=base_slug if attempt == 1 else f"{base_slug}-{attempt}",
            phase=Phase.DRAFT,
            comments_premoderated=bool(comments_premoderated),
            **cleaned,
        )
        try:
            # A savepoint per attempt: a taken slug rolls back only this insert. The unique
            # constraint decides, so two organizers saving the same title at once both win.
            with db.session.begin_nested():
                db.session.add(event)
            log_action(actor, "event.create", event)
            return event
        except IntegrityError as exc:
            if "slug" not in str(exc.orig):
                raise
    raise EventError({"title": _l("Zu viele Veranstaltungen mit diesem Titel.")})


def update_event(
    actor,
    event: Event,
    *,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    description: str = "",
    place: str = "",
    theme_ids: Iterable[int] = (),
    capacity: int | None = None,
    voting_rule: VotingRule | str = VotingRule.SUPPORT,
    dot_budget: int | None = None,
    retention_days: int | None = RETENTION_DAYS_DEFAULT,
    comments_premoderated: bool | None = None,
) -> Event:
    """Change an event's details, by the same rules as create_event. The slug and the phase
    stay; the voting rule and dot budget are fixed once voting has begun or votes exist;
    a retired theme may stay on an event but not be added anew.

    Raises PermissionDenied for non-organizers and EventError with a message per field."""
    _require_event_editor(actor)
    cleaned = clean_event(
        event,
        dict(
            title=title,
            description=description,
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            theme_ids=theme_ids,
            capacity=capacity,
            voting_rule=voting_rule,
            dot_budget=dot_budget,
            retention_days=retention_days,
        ),
    )
    for name, value in cleaned.items():
        setattr(event, name, value)
    if comments_premoderated is not None:
        event.comments_premoderated = bool(comments_premoderated)
    db.session.flush()
    log_action(actor, "event.update", event)
    return event


# Phases --------------------------------------------------------------------------------


def phase_after(phase: Phase, step: PhaseStep | str) -> Phase | None:
    """The neighbouring phase in draft -> collecting -> voting -> closed, or None at an end."""
    index = PHASE_ORDER.index(Phase(phase)) + (1 if PhaseStep(step) is PhaseStep.NEXT else -1)
    return PHASE_ORDER[index] if 0 <= index < len(PHASE_ORDER) else None


def allowed_steps(event: Event) -> list[PhaseStep]:
    """The phase moves the organizers' page offers for this event (see change_phase)."""
    steps = []
    if phase_after(event.phase, PhaseStep.NEXT) is not None:
        steps.append(PhaseStep.NEXT)
    if phase_after(event.phase, PhaseStep.PREVIOUS) is not None:
        steps.append(PhaseStep.PREVIOUS)
    return steps


def has_ideas(event: Event) -> bool:
    # Imported here: the ideas slice builds on events (Idea.event, the phases), so events
    # reach ideas only when this rule runs (cycle events <-> ideas).
    from ..ideas.models import Idea

    return bool(db.session.scalar(select(exists().where(Idea.event_id == event.id))))


class ConfirmationNeeded(EventError):
    """The step is allowed but needs the organizer's explicit yes (confirmed=True)."""


def has_published_ideas(event: Event) -> bool:
    """Whether any idea of the event is published (something to vote on)."""
    # Imported here: the ideas slice builds on events (cycle events <-> ideas, as above).
    from ..ideas.models import Idea, IdeaStatus

    return bool(
        db.session.scalar(
            select(exists().where(Idea.event_id == event.id, Idea.status == IdeaStatus.PUBLISHED))
        )
    )


def pending_idea_count(event: Event) -> int:
    """The event's ideas waiting for the moderation."""
    # Imported here: the ideas slice builds on events (cycle events <-> ideas, as above).
    from ..ideas.models import Idea, IdeaStatus

    return db.session.scalar(
        select(func.count(Idea.id)).where(
            Idea.event_id == event.id, Idea.status == IdeaStatus.PENDING
        )
    )


def change_phase(
    actor,
    event: Event,
    step: PhaseStep | str,
    *,
    from_phase: Phase | str | None = None,
    confirmed: bool = False,
) -> Phase:
    """Move an event one step along draft -> collecting -> voting -> closed, or one step back
    to correct a mistake: voting -> collecting (votes stay), closed -> voting (voting opens
    again), collecting -> draft only while no idea belongs to the event (once people took
    part, the event stays public). Never more than one step, so never closed -> draft.

    `from_phase` is the phase the organizer saw: when the event has meanwhile reached the
    phase this step leads to (a double click), nothing happens; when it is elsewhere, the
    step is refused instead of being applied to a phase nobody looked at.

    Opening the vote (collecting -> voting) while no published idea belongs to the event
    (nothing to vote on: the ideas may still wait for the moderation) needs `confirmed`; the
    correction closed -> voting does not ask.

    Returns the new phase. Raises PermissionDenied for non-organizers, ConfirmationNeeded
    (nothing changed) and EventError when the step is not allowed."""
    _require_event_editor(actor)
    step = PhaseStep(step)
    # Lock the row on PostgreSQL so two organizers' clicks are applied one after the other
    # (SQLite already serializes writing requests).
    db.session.refresh(event, with_for_update=True)
    if from_phase is not None:
        from_phase = Phase(from_phase)
        if event.phase != from_phase:
            if event.phase == phase_after(from_phase, step):
                return event.phase
            raise EventError(
                {None: _l("Die Phase wurde inzwischen geändert. Bitte prüfen Sie sie erneut.")}
            )
    target = phase_after(event.phase, step)
    if target is None:
        if step is PhaseStep.NEXT:
            raise EventError({None: _l("Die Veranstaltung ist bereits abgeschlossen.")})
        raise EventError({None: _l("Die Veranstaltung ist noch ein Entwurf.")})
    if target is Phase.DRAFT and has_ideas(event):
        raise EventError(
            {
                None: _l(
                    "Zu dieser Veranstaltung gibt es schon Ideen; "
                    "sie kann nicht mehr zum Entwurf werden."
                )
            }
        )
    if (
        step is PhaseStep.NEXT
        and target is Phase.VOTING
        and not confirmed
        and not has_published_ideas(event)
    ):
        raise ConfirmationNeeded(
            {
                None: _l(
                    "Zu dieser Veranstaltung ist noch keine Idee veröffentlicht: In der "
                    "Abstimmung gäbe es nichts zum Abstimmen."
                )
            }
        )
    event.phase = target
    db.session.flush()
    # Imported here: the live state reads events (cycle events <-> livestate).
    from ..livestate.services import show_results, touch

    touch(event.id)
    log_action(actor, "event.phase", event, str(target))
    if target is Phase.CLOSED:
        show_results(actor, event)  # the evening's wall freezes on the ranking
    return target
