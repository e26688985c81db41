"""What a valid event is: field limits, local times, the voting-rule lock, and the
check shared by create_event, update_event and the organizers' form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..themes.models import Theme
from .models import Event, Phase, VotingRule

TITLE_MAX = 160
PLACE_MAX = 200
DESCRIPTION_MAX = 10_000
SLUG_MAX = 80
CAPACITY_MIN, CAPACITY_MAX = 1, 100_000
DOT_BUDGET_MIN, DOT_BUDGET_MAX = 1, 50
RETENTION_DAYS_MIN, RETENTION_DAYS_MAX, RETENTION_DAYS_DEFAULT = 1, 3650, 90
# Far outside any real workshop, and keeps time-zone arithmetic away from year 1 and 9999.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


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


def has_votes(event: Event) -> bool:
    """Whether anybody has voted on an idea of this event."""
    # Imported here: ideas and votes build on events (Idea.event, the phases), so events
    # reach them only when this rule runs (cycle events <-> ideas, votes).
    from ..ideas.models import Idea
    from ..votes.models import Vote

    query = select(Vote.id).join(Idea, Vote.idea_id == Idea.id).where(Idea.event_id == event.id)
    return bool(db.session.scalar(select(query.exists())))


def voting_rule_locked(event: Event) -> bool:
    """The voting rule and dot budget are fixed once voting has started or votes exist:
    changing them afterwards would make the votes already cast mean something else."""
    if event.id is None:
        return False
    return event.phase in (Phase.VOTING, Phase.CLOSED) or has_votes(event)


def clean_event(event: Event | None, values: dict) -> dict:
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
    clean_event(event, defaults | values)
