"""Event rules: who sees which event, what a valid event is, how its phase may move."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..database import utcnow
from ..extensions import db
from ..ideas.models import Idea
from ..permissions import can_organize
from ..themes.models import Theme
from ..themes.services import require_organizer, slugify
from ..votes.models import Vote
from .models import PHASE_ORDER, Event, Phase, VotingRule

TITLE_MAX = 160
PLACE_MAX = 200
DESCRIPTION_MAX = 10_000
SLUG_MAX = 80
CAPACITY_MIN, CAPACITY_MAX = 1, 100_000
DOT_BUDGET_MIN, DOT_BUDGET_MAX = 1, 50
RETENTION_DAYS_MIN, RETENTION_DAYS_MAX, RETENTION_DAYS_DEFAULT = 1, 3650, 90
# Far outside any real workshop, and keeps time-zone arithmetic away from year 1 and 9999.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
CURRENT_EVENTS_LIMIT = 6
# How often a clashing slug is retried with a counter (-2, -3 …) before giving up.
SLUG_ATTEMPTS = 50


class EventError(Exception):
    """An event change was refused. `errors` maps form field names (None: the whole form)
    to messages in the user's words."""

    def __init__(self, errors: dict[str | None, object]):
        # The messages stay lazy: they are translated when shown, in the reader's language.
        super().__init__(errors)
        self.errors = errors

    @property
    def message(self) -> str:
        return " ".join(str(message) for message in self.errors.values())

    def __str__(self) -> str:
        return self.message


class PhaseStep(enum.StrEnum):
    NEXT = "next"
    PREVIOUS = "previous"


def local_timezone() -> ZoneInfo:
    """The zone event times are entered and shown in (BABEL_DEFAULT_TIMEZONE, Europe/Berlin)."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_utc(value: dt.datetime) -> dt.datetime:
    """An aware datetime in UTC; a naive one is read as local time (Europe/Berlin)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_timezone())
    return value.astimezone(dt.UTC)


def to_local(value: dt.datetime) -> dt.datetime:
    """A stored (UTC) datetime as aware local time, for forms and display."""
    return value.astimezone(local_timezone())


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


def has_votes(event: Event) -> bool:
    """Whether anybody has voted on an idea of this event."""
    query = select(Vote.id).join(Idea, Vote.idea_id == Idea.id).where(Idea.event_id == event.id)
    return bool(db.session.scalar(select(query.exists())))


def voting_rule_locked(event: Event) -> bool:
    """The voting rule and dot budget are fixed once voting has started or votes exist:
    changing them afterwards would make the votes already cast mean something else."""
    if event.id is None:
        return False
    return event.phase in (Phase.VOTING, Phase.CLOSED) or has_votes(event)


# Validation ----------------------------------------------------------------------------


def _clean(event: Event | None, values: dict) -> dict:
    """Check every field and return the cleaned values, or raise EventError with one
    message per field that is wrong (so the form can show them all at once)."""
    errors: dict[str | None, object] = {}
    title = (values["title"] or "").strip()
    description = (values["description"] or "").strip()
    place = (values["place"] or "").strip()
    if not title:
        errors["title"] = _l("Bitte geben Sie einen Titel ein.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l("Höchstens %(max)d Zeichen.", max=TITLE_MAX)
    if len(place) > PLACE_MAX:
        errors["place"] = _l("Höchstens %(max)d Zeichen.", max=PLACE_MAX)
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _l("Höchstens %(max)d Zeichen.", max=DESCRIPTION_MAX)

    starts_at, ends_at = values["starts_at"], values["ends_at"]
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None:
            errors[name] = _l("Bitte geben Sie Datum und Uhrzeit an.")
        elif not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            errors[name] = _l(
                "Bitte ein Datum zwischen %(first)d und %(last)d.",
                first=EARLIEST_YEAR,
                last=LATEST_YEAR,
            )
    if "starts_at" not in errors and "ends_at" not in errors:
        starts_at, ends_at = to_utc(starts_at), to_utc(ends_at)
        if ends_at <= starts_at:
            errors["ends_at"] = _l("Das Ende muss nach dem Beginn liegen.")

    capacity = values["capacity"]
    if capacity is not None and not CAPACITY_MIN <= capacity <= CAPACITY_MAX:
        errors["capacity"] = _l(
            "Bitte eine Zahl von %(min)d bis %(max)d, oder leer lassen für unbegrenzt.",
            min=CAPACITY_MIN,
            max=CAPACITY_MAX,
        )

    try:
        voting_rule = VotingRule(values["voting_rule"])
    except ValueError:
        voting_rule = None
        errors["voting_rule"] = _l("Bitte wählen Sie eine Abstimmungsregel.")
    dot_budget = values["dot_budget"]
    if voting_rule is VotingRule.DOTS:
        if dot_budget is None:
            errors["dot_budget"] = _l("Bei Punktabstimmung braucht es eine Zahl von Punkten.")
        elif not DOT_BUDGET_MIN <= dot_budget <= DOT_BUDGET_MAX:
            errors["dot_budget"] = _l(
                "Bitte eine Zahl von %(min)d bis %(max)d.", min=DOT_BUDGET_MIN, max=DOT_BUDGET_MAX
            )
    else:
        dot_budget = None  # a budget means nothing for support votes
    if (
        event is not None
        and voting_rule is not None
        and (voting_rule, dot_budget) != (event.voting_rule, event.dot_budget)
        and voting_rule_locked(event)
    ):
        errors["voting_rule"] = _l(
            "Die Abstimmungsregel lässt sich nicht mehr ändern: die Abstimmung hat begonnen."
        )

    retention_days = values["retention_days"]
    if retention_days is None:
        retention_days = RETENTION_DAYS_DEFAULT
    elif not RETENTION_DAYS_MIN <= retention_days <= RETENTION_DAYS_MAX:
        errors["retention_days"] = _l(
            "Bitte eine Zahl von %(min)d bis %(max)d Tagen.",
            min=RETENTION_DAYS_MIN,
            max=RETENTION_DAYS_MAX,
        )

    themes = _themes(event, values["theme_ids"], errors)
    if errors:
        raise EventError(errors)
    return {
        "title": title,
        "description": description,
        "place": place,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "capacity": capacity,
        "voting_rule": voting_rule,
        "dot_budget": dot_budget,
        "retention_days": retention_days,
        "themes": themes,
    }


def _themes(event: Event | None, theme_ids: Iterable[int], errors: dict) -> list[Theme]:
    """The chosen themes: they must exist, and be active unless the event already has them."""
    wanted = set(theme_ids or ())
    if not wanted:
        return []
    themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(wanted))))
    kept = {theme.id for theme in event.themes} if event is not None else set()
    if len(themes) != len(wanted):
        errors["themes"] = _l("Bitte wählen Sie nur Themen aus der Liste.")
    elif any(not theme.active and theme.id not in kept for theme in themes):
        errors["themes"] = _l("Ein nicht mehr aktives Thema lässt sich nicht neu zuordnen.")
    return sorted(themes, key=lambda theme: (theme.position, theme.id))


def check_event(event: Event | None, **values) -> None:
    """Apply the rules of create_event/update_event without changing anything, so a form
    that already failed its own checks can show the remaining messages at once.
    Raises EventError."""
    defaults = dict(
        description="",
        place="",
        theme_ids=(),
        capacity=None,
        voting_rule=VotingRule.SUPPORT,
        dot_budget=None,
        retention_days=RETENTION_DAYS_DEFAULT,
    )
    _clean(event, defaults | values)


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
) -> Event:
    """Create an event in the draft phase (visible to organizers only).

    Times are aware datetimes, or naive ones meaning local time (Europe/Berlin); they are
    stored in UTC, and the end must come after the start. Capacity is empty (no limit) or
    1..100000; dots need a budget of 1..50; registrant data is kept 1..3650 days (90 when
    not given). The slug comes from the title; when it is taken, a counter is added
    (-2, -3 …). The slug never changes afterwards, so links keep working.

    Raises PermissionDenied for non-organizers and EventError with a message per field."""
    require_organizer(actor)
    cleaned = _clean(
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
            **cleaned,
        )
        try:
            # A savepoint per attempt: a taken slug rolls back only this insert. The unique
            # constraint decides, so two organizers saving the same title at once both win.
            with db.session.begin_nested():
                db.session.add(event)
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
) -> Event:
    """Change an event's details, by the same rules as create_event. The slug and the phase
    stay; the voting rule and dot budget are fixed once voting has begun or votes exist;
    a retired theme may stay on an event but not be added anew.

    Raises PermissionDenied for non-organizers and EventError with a message per field."""
    require_organizer(actor)
    cleaned = _clean(
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
    db.session.flush()
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
    return bool(db.session.scalar(select(exists().where(Idea.event_id == event.id))))


def change_phase(
    actor, event: Event, step: PhaseStep | str, *, from_phase: Phase | str | None = None
) -> Phase:
    """Move an event one step along draft -> collecting -> voting -> closed, or one step back
    to correct a mistake: voting -> collecting (votes stay), closed -> voting (voting opens
    again), collecting -> draft only while no idea belongs to the event (once people took
    part, the event stays public). Never more than one step, so never closed -> draft.

    `from_phase` is the phase the organizer saw: when the event has meanwhile reached the
    phase this step leads to (a double click), nothing happens; when it is elsewhere, the
    step is refused instead of being applied to a phase nobody looked at.

    Returns the new phase. Raises PermissionDenied for non-organizers and EventError when
    the step is not allowed."""
    require_organizer(actor)
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
    event.phase = target
    db.session.flush()
    return target
