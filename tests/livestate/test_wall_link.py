"""The secret wall link: made and revoked by organizers, shown once, hashed; the wall,
live.json and the stream accept it; without it or after revoking, no wall and no join code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ideenwerkstatt.auditlog import ModerationLogEntry
from ideenwerkstatt.extensions import db
from ideenwerkstatt.live.models import LiveSession

from ..factories import make_event, make_live_session, make_theme


@pytest.fixture
def evening(app):
    theme = make_theme(name_de="Grün")
    event = make_event(phase="collecting", themes=[theme], slug="abend")
    session = make_live_session(event)
    return event, session


def _new_link(client, auth, event) -> str:
    auth.login_as("organizer")
    page = client.get(f"/organize/events/{event.id}/live").get_data(as_text=True)
    assert 'id="wall-link"' not in page
    response = client.post(f"/organize/events/{event.id}/live/wall-link", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    link = re.search(r'id="wall-link" readonly value="([^"]+)"', html).group(1)
    assert "/events/abend/wall?key=" in link
    again = client.get(f"/organize/events/{event.id}/live").get_data(as_text=True)
    assert link not in again  # shown once
    auth.logout()
    return link.replace("&amp;", "&").split("localhost", 1)[-1].split("//", 1)[-1]


def _path(link: str) -> str:
    return link[link.index("/events/") :]


def test_the_link_opens_the_wall_with_the_join_code_without_sign_in(client, auth, evening):
    event, session = evening
    path = _path(_new_link(client, auth, event))
    key = path.split("key=", 1)[1]
    stored = db.session.scalar(select(LiveSession.wall_key_hash))
    assert stored and key not in stored and len(stored) == 64
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert session.join_code in html and "<svg" in html
    assert f"key={key}" in html  # the page's own requests carry it
    state = client.get(f"/events/abend/live.json?audience=public&key={key}").get_json()
    assert state["evening"]["code"] == session.join_code
    stream = client.get(f"/events/abend/live/stream?audience=public&key={key}", buffered=False)
    assert stream.status_code == 200
    stream.close()


def test_no_wall_and_no_code_without_the_link(client, auth, evening):
    _event, session = evening
    response = client.get("/events/abend/wall")
    assert response.status_code == 302  # to the sign-in
    for wrong in ("nope", ""):
        assert client.get(f"/events/abend/wall?key={wrong}").status_code == 403
        assert client.get(f"/events/abend/live.json?key={wrong}").status_code == 403
    assert session.join_code not in client.get("/events/abend/live.json").get_data(as_text=True)
    auth.login_as("citizen")
    assert client.get("/events/abend/wall").status_code == 403


def test_a_revoked_or_replaced_link_is_refused(client, auth, evening):
    event, session = evening
    old = _path(_new_link(client, auth, event))
    newer = _path(_new_link(client, auth, event))
    assert client.get(old).status_code == 403
    assert client.get(newer).status_code == 200
    auth.login_as("organizer")
    assert client.post(f"/organize/events/{event.id}/live/wall-link/revoke").status_code == 302
    auth.logout()
    assert client.get(newer).status_code == 403
    key = newer.split("key=", 1)[1]
    assert client.get(f"/events/abend/live.json?key={key}").status_code == 403
    assert client.get(f"/events/abend/live/stream?key={key}").status_code == 403
    reasons = db.session.scalars(
        select(ModerationLogEntry.reason).where(ModerationLogEntry.action == "live.wall_link")
    ).all()
    assert reasons == ["new", "new", "revoked"]


def test_only_organizers_make_or_revoke_links(client, auth, evening):
    event, _session = evening
    for role in ("citizen", "moderator"):
        auth.login_as(role)
        assert client.post(f"/organize/events/{event.id}/live/wall-link").status_code == 403
        assert client.post(f"/organize/events/{event.id}/live/wall-link/revoke").status_code == 403
    auth.logout()
    response = client.post(f"/organize/events/{event.id}/live/wall-link")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert db.session.scalar(select(LiveSession.wall_key_hash)) is None
