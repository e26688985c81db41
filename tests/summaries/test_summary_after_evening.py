"""After the evening: the summary draft starts from the evening's ranking (most votes first
within each theme), with the phones' votes counted like any other."""

from __future__ import annotations

from ideenwerkstatt.events import services as events
from ideenwerkstatt.summaries.services import start_summary

from ..factories import make_event, make_idea, make_live_session, make_theme, make_user


def test_the_draft_follows_the_evenings_ranking(app):
    theme = make_theme(name_de="Grün")
    event = make_event(phase="voting", themes=[theme], slug="abend")
    make_live_session(event)
    few = make_idea(theme=theme, event=event, title="Wenige Punkte", vote_count=1)
    most = make_idea(theme=theme, event=event, title="Die meisten Punkte", vote_count=9)
    some = make_idea(theme=theme, event=event, title="Einige Punkte", vote_count=4)
    organizer = make_user(role="organizer")
    events.change_phase(organizer, event, "next")
    summary = start_summary(event, organizer)
    assert [item.idea_id for item in summary.items] == [most.id, some.id, few.id]
