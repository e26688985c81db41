"""The live state of an event: its change version, the wall's settings and what `live.json`
and the stream show.

The version: every change the wall would show calls `touch(event_id)` in the transaction that
makes it (votes, moderation decisions, phase changes, the settings below). `touch` is one
statement: an upsert that adds one to the version; on PostgreSQL the same statement also
queues `pg_notify('iw_live', '<event_id>:<version>')`, which PostgreSQL delivers only when
the transaction commits (and never when it rolls back). With Redis as the fan-out the
version is published after the commit (see hub.py). The row is written last in a vote's
transaction, so the row lock it takes is held only for the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import bindparam, create_engine, func, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..auditlog import log_action
from ..database import UTCDateTime, utcnow
from ..events.models import Event, Phase, VotingRule
from ..events.presentation import phase_label
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..live.presentation import join_url
from ..live.services import join_open, participant_count, session_of
from ..permissions import PermissionDenied, can_moderate
from ..themes.models import Theme
from .models import EventLiveState, WallMode

CHANNEL = "iw_live"
TIMER_MAX_MINUTES = 180
RESULTS_TOP_N = 5
_state = EventLiveState.__table__
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_PENDING_KEY = "livestate_touched"
_DEFERRED_KEY = "livestate_touch_after_commit"
log = logging.getLogger(__name__)


class LiveStateError(Exception):
    """A wall setting was refused; `message` says why, for people."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _touch_statement(dialect: str):
    """The upsert (and on PostgreSQL the notification) as one statement, built once per
    dialect: a vote pays for executing it, not for building it."""
    upsert = (
        _INSERTS[dialect](_state)
        .values(
            event_id=bindparam("event_id"),
            version=1,
            wall_mode=WallMode.IDEAS,
            numbers_hidden=False,
            updated_at=bindparam("now", type_=UTCDateTime()),
        )
        .on_conflict_do_update(
            index_elements=[_state.c.event_id],
            set_={"version": _state.c.version + 1, "updated_at": bindparam("now")},
        )
        .returning(_state.c.event_id, _state.c.version)
    )
    if dialect != "postgresql":
        return upsert
    bumped = upsert.cte("bumped")
    return select(
        bumped.c.event_id,
        bumped.c.version,
        func.pg_notify(CHANNEL, func.concat(bumped.c.event_id, ":", bumped.c.version)),
    )


_TOUCH = {dialect: _touch_statement(dialect) for dialect in _INSERTS}


def touch(event_id: int | None) -> int | None:
    """Add one to the event's live version in the current transaction (creating its row on
    first use) and return the new version; None for ideas without an event. On PostgreSQL
    the notification to other processes goes out with the commit. Raises nothing of its own."""
    if event_id is None:
        return None
    session = db.session
    statement = _TOUCH[session.get_bind().dialect.name]
    version = session.execute(statement, {"event_id": event_id, "now": utcnow()}).first()[1]
    session.info.setdefault(_PENDING_KEY, {})[event_id] = version
    return version


def touch_after_commit(event_id: int | None) -> None:
    """For votes, the many small changes of an evening: on PostgreSQL the version goes up
    (and the notification goes out) right after the transaction commits, in a statement of
    its own, so that votes do not queue on the event's one `event_live_state` row: `touch`
    inside a vote's transaction held that row's lock until the commit, and at 1,000 phones
    every vote of the event waited in that one line (benchmarks/RESULTS.md). The version
    still never runs ahead of the data: it is bumped after the data is visible, so a state
    may be newer than its version says, never older. On SQLite, which has one writer at a
    time anyway, the same as `touch`."""
    if event_id is None:
        return
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        touch(event_id)
        return
    session.info.setdefault(_DEFERRED_KEY, set()).add(event_id)


_bump_engines: dict[tuple[int, str], object] = {}
_bump_engines_lock = threading.Lock()


def _bump_engine(engine):
    """A small pool of autocommit connections of this process for the bumps after commit,
    apart from the app's pool: the committing request still holds its own connection while
    the hook runs, so taking the bump's from the same pool could empty it (15 votes each
    holding one and waiting for a second) and stop the process."""
    key = (os.getpid(), engine.url.render_as_string(hide_password=False))
    with _bump_engines_lock:
        bump = _bump_engines.get(key)
        if bump is None:
            bump = create_engine(
                engine.url, pool_size=1, max_overflow=2, isolation_level="AUTOCOMMIT"
            )
            _bump_engines[key] = bump
        return bump


def _touch_now(session, event_ids) -> dict[int, int]:
    """Bump the versions of `event_ids` in an autocommit statement each (PostgreSQL): the
    row lock lasts for that statement only."""
    bumped = {}
    with _bump_engine(session.get_bind()).connect() as conn:
        for event_id in sorted(event_ids):
            row = conn.execute(_TOUCH["postgresql"], {"event_id": event_id, "now": utcnow()})
            bumped[event_id] = row.first()[1]
    return bumped


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    pending = session.info.pop(_PENDING_KEY, None) or {}
    deferred = session.info.pop(_DEFERRED_KEY, None)
    if deferred:
        try:
            pending.update(_touch_now(session, deferred))
        except Exception:  # the vote is stored; the next change shows it
            log.exception("live: bumping the version after a vote failed")
    if pending:
        # Imported here: the hub renders states through this module (cycle services <-> hub).
        from . import hub

        hub.committed(pending)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_DEFERRED_KEY, None)


def version_of(event_id: int) -> int:
    """The event's live version, 0 before anything changed."""
    return db.session.scalar(select(_state.c.version).where(_state.c.event_id == event_id)) or 0


def live_event(slug: str):
    """(event id, version) of the non-draft event with this slug, or None: one query, for the
    conditional GET that must not render anything."""
    row = db.session.execute(
        select(Event.id, func.coalesce(_state.c.version, 0))
        .outerjoin(_state, _state.c.event_id == Event.id)
        .where(Event.slug == slug, Event.phase != Phase.DRAFT)
    ).first()
    return None if row is None else (row[0], row[1])


def settings_of(event_id: int) -> EventLiveState:
    """The event's live row, created (version 1) when missing. Flushes."""
    row = db.session.get(EventLiveState, event_id)
    if row is None:
        touch(event_id)
        row = db.session.get(EventLiveState, event_id)
    return row


def current_settings(event_id: int) -> EventLiveState:
    """The event's live row, or the defaults (not stored) when nothing has changed yet.
    Reads only: for GET requests."""
    row = db.session.get(EventLiveState, event_id)
    if row is None:
        row = EventLiveState(
            event_id=event_id,
            version=0,
            wall_mode=WallMode.IDEAS,
            numbers_hidden=False,
            timer_ends_at=None,
        )
    return row


# --- the wall's settings (moderators) ---------------------------------------------------


def _require_moderator(actor) -> None:
    if not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation kann das tun."))


def _change(actor, event: Event, action: str, reason: str, **values) -> EventLiveState:
    _require_moderator(actor)
    settings_of(event.id)
    db.session.execute(
        update(_state)
        .where(_state.c.event_id == event.id)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    touch(event.id)
    log_action(actor, action, event, reason)
    row = db.session.get(EventLiveState, event.id)
    db.session.refresh(row)
    return row


def set_wall_mode(actor, event: Event, mode: WallMode | str) -> EventLiveState:
    """Show ideas, voting bars or results on the wall. Moderators only; logged.
    Raises PermissionDenied, LiveStateError (unknown mode)."""
    try:
        mode = WallMode(mode)
    except ValueError:
        raise LiveStateError(_("Unbekannte Ansicht."), field="mode") from None
    return _change(actor, event, "live.wall_mode", str(mode), wall_mode=mode)


def set_numbers_hidden(actor, event: Event, hidden: bool) -> EventLiveState:
    """Hide the counts from everyone but staff (so early counts do not steer the room), or
    reveal them. Moderators only; logged. Raises PermissionDenied."""
    return _change(
        actor,
        event,
        "live.numbers",
        "hidden" if hidden else "shown",
        numbers_hidden=bool(hidden),
    )


def _check_minutes(minutes) -> int:
    if not isinstance(minutes, int) or not 1 <= minutes <= TIMER_MAX_MINUTES:
        raise LiveStateError(
            _("Bitte 1 bis %(max)d Minuten angeben.", max=TIMER_MAX_MINUTES), field="minutes"
        )
    return minutes


def start_timer(actor, event: Event, minutes: int, now: dt.datetime | None = None):
    """The countdown ends `minutes` (1..180) from now; the end lives on the server, so wall
    and phones agree. Moderators only; logged. Raises PermissionDenied, LiveStateError."""
    minutes = _check_minutes(minutes)
    ends = (now or utcnow()) + dt.timedelta(minutes=minutes)
    return _change(actor, event, "live.timer", f"start {minutes}", timer_ends_at=ends)


def extend_timer(actor, event: Event, minutes: int, now: dt.datetime | None = None):
    """Add minutes to a running countdown (or start one when none runs). Moderators only;
    logged. Raises PermissionDenied, LiveStateError."""
    _require_moderator(actor)
    minutes = _check_minutes(minutes)
    now = now or utcnow()
    current = settings_of(event.id).timer_ends_at
    base = current if current is not None and current > now else now
    ends = base + dt.timedelta(minutes=minutes)
    return _change(actor, event, "live.timer", f"extend {minutes}", timer_ends_at=ends)


def stop_timer(actor, event: Event) -> EventLiveState:
    """Stop the countdown. Moderators only; logged. Raises PermissionDenied."""
    return _change(actor, event, "live.timer", "stop", timer_ends_at=None)


def show_results(actor, event: Event) -> EventLiveState:
    """The evening is over (its session closed, or the event closed): the wall stays on the
    results with the numbers shown and the timer stopped. Moderators and organizers; logged.
    Raises PermissionDenied."""
    return _change(
        actor,
        event,
        "live.wall_mode",
        "results (evening closed)",
        wall_mode=WallMode.RESULTS,
        numbers_hidden=False,
        timer_ends_at=None,
    )


# --- what the wall and the phones see ---------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What decides the content of the live state besides the event: staff or not, and the
    language. Nobody's identity is ever part of it."""

    staff: bool
    locale: str
    # May see the join code: staff, or the wall opened with its secret link.
    join: bool = False

    @classmethod
    def public(cls, locale: str, join: bool = False) -> Viewer:
        return cls(staff=False, locale=locale, join=join)

    @property
    def key(self) -> str:
        return f"{'s' if self.staff else 'p'}{'j' if self.join else ''}-{self.locale}"


def etag_for(event_id: int, version: int, viewer: Viewer) -> str:
    return f"{event_id}-{version}-{viewer.key}"


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def live_state(event_id: int, viewer: Viewer, now: dt.datetime | None = None) -> dict | None:
    """The live state as `live.json` and the stream send it, or None for a missing or draft
    event: the phase, version, timer end and server time (ISO 8601 UTC), the wall mode,
    whether numbers are hidden, and the event's published ideas by theme with their counts
    (left out when numbers are hidden and the viewer is not staff), and the evening: whether
    its session is open, how many joined, and the join code and URL only for viewers that may
    see them (`viewer.join`: staff, the wall's secret link) while joining is open. Ideas carry
    id, title and count only: never an author."""
    event = db.session.get(Event, event_id)
    if event is None or event.phase == Phase.DRAFT:
        return None
    row = db.session.get(EventLiveState, event_id)
    version = row.version if row else 0
    mode = row.wall_mode if row else WallMode.IDEAS
    hidden = bool(row and row.numbers_hidden)
    show_counts = not hidden or viewer.staff
    # With the numbers hidden the order must not give the ranking away: order of arrival.
    order = (Idea.vote_count.desc(),) if show_counts else ()
    rows = db.session.execute(
        select(Idea.id, Idea.title, Idea.vote_count, Idea.theme_id)
        .where(Idea.event_id == event_id, Idea.status == IdeaStatus.PUBLISHED)
        .order_by(*order, Idea.published_at, Idea.id)
    ).all()
    theme_ids = {r.theme_id for r in rows}
    themes = (
        list(
            db.session.scalars(
                select(Theme).where(Theme.id.in_(theme_ids)).order_by(Theme.position, Theme.id)
            )
        )
        if theme_ids
        else []
    )
    by_theme: dict[int, list[dict]] = {t.id: [] for t in themes}
    for rank, r in enumerate(rows, start=1):
        idea = {"id": r.id, "title": r.title}
        if show_counts:
            idea["count"] = r.vote_count
            idea["rank"] = rank
        by_theme[r.theme_id].append(idea)
    now = now or utcnow()
    live = session_of(event)
    evening = {
        "open": bool(live and live.is_open),
        "admitting": join_open(live),  # new people may join now
        "participants": participant_count(event) if live else 0,
    }
    if viewer.join and join_open(live):
        evening["code"] = live.join_code
        evening["url"] = join_url(live.join_code)
    return {
        "event": {"slug": event.slug, "title": event.title},
        "phase": str(event.phase),
        "phase_label": phase_label(event.phase),
        "voting_rule": str(event.voting_rule),
        # The word after a count: "one" for 1, "other" for any other number (de and en).
        "units": (
            {
                "one": pgettext("after a number", "Punkt"),
                "other": pgettext("after a number", "Punkte"),
            }
            if event.voting_rule == VotingRule.DOTS
            else {
                "one": pgettext("after a number", "Stimme"),
                "other": pgettext("after a number", "Stimmen"),
            }
        ),
        "version": version,
        "now": _iso(now),
        "timer_ends_at": _iso(row.timer_ends_at if row else None),
        "wall_mode": str(mode),
        "numbers_hidden": hidden,
        "counts_shown": show_counts,
        "top_n": RESULTS_TOP_N,
        "themes": [
            {"id": t.id, "name": t.name(viewer.locale), "ideas": by_theme[t.id]} for t in themes
        ],
        "idea_count": len(rows),
        "evening": evening,
    }
