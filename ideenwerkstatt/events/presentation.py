"""How an event reads to people: phase names and explanations, the voting rule, its dates."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import format_date, format_time, gettext, ngettext, to_user_timezone
from flask_babel import lazy_gettext as _l

from .models import Event, Phase, VotingRule

PHASE_LABELS = {
    Phase.DRAFT: _l("Entwurf"),
    Phase.COLLECTING: _l("Ideen sammeln"),
    Phase.VOTING: _l("Abstimmung"),
    Phase.CLOSED: _l("Abgeschlossen"),
}

PHASE_EXPLANATIONS = {
    Phase.DRAFT: _l(
        "Diese Veranstaltung ist noch in Vorbereitung. Nur das Organisationsteam sieht sie."
    ),
    Phase.COLLECTING: _l(
        "Jetzt werden Ideen gesammelt: Reichen Sie Ihre Ideen zu dieser Veranstaltung ein."
    ),
    Phase.VOTING: _l(
        "Jetzt wird abgestimmt: Unterstützen Sie die Ideen, die Ihnen am wichtigsten sind."
    ),
    # What comes next (the result, or that it is being put together) the event page says.
    Phase.CLOSED: _l("Die Veranstaltung ist abgeschlossen."),
}


def phase_label(phase: Phase | str) -> str:
    return str(PHASE_LABELS[Phase(phase)])


def phase_explanation(phase: Phase | str) -> str:
    return str(PHASE_EXPLANATIONS[Phase(phase)])


def voting_rule_explanation(event: Event) -> str:
    """The voting rule in plain words."""
    if event.voting_rule == VotingRule.DOTS and event.dot_budget:
        return ngettext(
            "Punktabstimmung: Jede Person hat %(num)d Punkt und kann ihn einer Idee geben.",
            "Punktabstimmung: Jede Person hat %(num)d Punkte und verteilt sie auf die Ideen, "
            "auch mehrere auf eine Idee.",
            event.dot_budget,
        )
    return gettext("Jede Person kann jede Idee einmal unterstützen.")


def _local(value: dt.datetime) -> dt.datetime:
    return to_user_timezone(value)


def event_when(event: Event) -> str:
    """Start and end in the reader's language and in local time (Europe/Berlin), e.g.
    "Samstag, 14. September 2024, 10:00 bis 16:00 Uhr"."""
    start, end = _local(event.starts_at), _local(event.ends_at)
    if start.date() == end.date():
        return gettext(
            "%(date)s, %(start)s bis %(end)s Uhr",
            date=format_date(start, "full"),
            start=format_time(start, "short"),
            end=format_time(end, "short"),
        )
    return gettext(
        "%(start_date)s, %(start)s Uhr bis %(end_date)s, %(end)s Uhr",
        start_date=format_date(start, "full"),
        start=format_time(start, "short"),
        end_date=format_date(end, "full"),
        end=format_time(end, "short"),
    )


def event_date(event: Event) -> str:
    """The start day, short (for lists)."""
    return format_date(_local(event.starts_at), "medium")


def paragraphs(text: str | None) -> list[str]:
    """Plain text split at blank lines, for <p> elements (single line breaks are kept by CSS)."""
    if not text:
        return []
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [block.strip() for block in blocks if block.strip()]


TEMPLATE_GLOBALS = {
    "paragraphs": paragraphs,
    "phase_label": phase_label,
    "phase_explanation": phase_explanation,
    "voting_rule_explanation": voting_rule_explanation,
    "event_when": event_when,
    "event_date": event_date,
}
