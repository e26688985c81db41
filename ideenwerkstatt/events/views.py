"""Public event pages: the list of events and one event with its ideas."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..permissions import can_moderate
from . import services
from .models import Phase
from .presentation import TEMPLATE_GLOBALS

bp = Blueprint("events", __name__, url_prefix="/events")

IDEAS_PER_PAGE = 20


@bp.record_once
def _template_globals(state):
    # phase_label, event_when … for every template (start page, ideas, organizers' pages).
    state.app.jinja_env.globals.update(TEMPLATE_GLOBALS)


@bp.get("")
def index():
    """Upcoming and running events first, then past ones; drafts only for organizers."""
    # Imported here: summaries build on events (a summary is an event's result), so the
    # events page reaches them only when it is shown (cycle events <-> summaries).
    from ..summaries.services import latest_published_summaries, published_event_ids

    upcoming, past = services.upcoming_and_past(current_user)
    return render_template(
        "events/index.html",
        upcoming=upcoming,
        past=past,
        latest_summaries=latest_published_summaries(),
        result_events=published_event_ids(e.id for e in upcoming + past),
    )


@bp.get("/<slug>")
def detail(slug: str):
    """One event; a draft is a 404 for everyone but organizers."""
    # Imported here: the ideas slice builds on events (Idea.event), so the event page
    # reaches the idea list only when it is shown (cycle events <-> ideas).
    from ..ideas.queries import list_ideas

    # The result is a summary of this event (cycle events <-> summaries, as above).
    from ..summaries import document as summary_document
    from ..summaries.services import summary_for_event

    event = services.event_by_slug(slug, current_user) or abort(404)
    ideas = list_ideas(
        current_user,
        event=event,
        sort=request.args.get("sort", "newest"),
        page=_page_number(),
        per_page=IDEAS_PER_PAGE,
    )
    # The published result leads the page; a closed event without one says it is coming,
    # and moderators get the way to start it (the draft, if any, only for them).
    result = summary_document.published_document(event)
    draft = None
    if result is None and event.phase == Phase.CLOSED and can_moderate(current_user):
        draft = summary_for_event(event)
    return render_template(
        "events/detail.html",
        event=event,
        ideas=ideas,
        result=result,
        top_ideas=summary_document.top_items(result) if result else [],
        draft_summary=draft,
    )


def _page_number() -> int:
    """?page= of the idea list: a positive number, or a 404 like any page that is not there."""
    raw = request.args.get("page") or "1"
    if not raw.isdigit():
        abort(404)
    return int(raw)
