"""The evening's staff pages are valid HTML (vnu, as tests/test_html_valid.py): the wall
with its join corner, the live console with a queue, the organizer's page with a fresh wall
link, and the phone page with a running timer."""

from __future__ import annotations

import re

from ideenwerkstatt.extensions import db
from ideenwerkstatt.livestate import services as livestate

from ..factories import make_event, make_idea, make_live_session, make_theme, make_user
from ..test_html_valid import validate


def test_the_evenings_pages_are_valid_html(app, client, auth, tmp_path):
    theme = make_theme(name_de="Grün")
    event = make_event(phase="voting", themes=[theme], slug="abend")
    make_idea(theme=theme, event=event, title="Bäume pflanzen", vote_count=2)
    make_idea(theme=theme, event=event, title="Bänke am Fluss", status="pending")
    make_idea(theme=theme, event=event, title="Brunnen", status="pending")
    make_live_session(event)
    livestate.start_timer(make_user(role="moderator"), event, 5)
    db.session.commit()
    auth.login_as("organizer")
    client.post(f"/organize/events/{event.id}/live/wall-link")
    pages = {}
    for url in (
        f"/organize/events/{event.id}/live",
        "/moderation/events/abend/live",
        "/events/abend/wall",
        "/events/abend/live",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    assert re.search(r'id="wall-link" readonly value="[^"]+key=', pages[list(pages)[0]])
    assert validate(pages, tmp_path / "pages") == []
