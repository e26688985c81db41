"""The organizer's live-session page: switch, code, QR code, join mode, announced link."""

from __future__ import annotations

import re

from sqlalchemy import select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.live.models import JoinMode, LiveSession
from ideenwerkstatt.live.services import CODE_ALPHABET, JOIN_CODE_LENGTH

from ..factories import make_event


def test_the_page_shows_code_qr_svg_join_url_count_and_mode(client, auth):
    event = make_event()
    auth.login_as("organizer")
    page = client.get(f"/organize/events/{event.id}/live")
    assert page.status_code == 200
    live = db.session.scalar(select(LiveSession))
    assert len(live.join_code) == JOIN_CODE_LENGTH
    assert set(live.join_code) <= set(CODE_ALPHABET)
    assert not set(live.join_code) & set("0O1lI")
    assert not live.is_open  # switched off until the organizer switches it on
    html = page.get_data(as_text=True)
    assert re.search(r'<svg role="img" aria-label="QR-Code zum Mitmachen: [^"]+"', html)
    assert f"http://localhost/j/{live.join_code}" in html
    assert "0 Personen sind dabei." in html and "Offener Code" in html


def test_switching_on_choosing_cards_and_announcing_the_link(client, auth):
    event = make_event()
    auth.login_as("organizer")
    client.get(f"/organize/events/{event.id}/live")
    response = client.post(
        f"/organize/events/{event.id}/live",
        data={"is_open": "y", "joining_open": "y", "join_mode": "cards", "announce_link": "y"},
    )
    assert response.status_code == 302
    live = db.session.scalar(select(LiveSession))
    db.session.refresh(live)
    assert live.is_open and live.joining_open and live.join_mode is JoinMode.CARDS
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f"/j/{live.join_code}" in page
    bad = client.post(f"/organize/events/{event.id}/live", data={"join_mode": "nonsense"})
    assert bad.status_code == 422


def test_a_new_code_makes_the_old_one_unknown(client, auth, app):
    event = make_event()
    auth.login_as("organizer")
    client.get(f"/organize/events/{event.id}/live")
    client.post(
        f"/organize/events/{event.id}/live",
        data={"is_open": "y", "joining_open": "y", "join_mode": "open_code"},
    )
    live = db.session.scalar(select(LiveSession))
    old = live.join_code
    assert client.post(f"/organize/events/{event.id}/live/code").status_code == 302
    db.session.refresh(live)
    assert live.join_code != old
    phone = app.test_client()
    assert phone.get(f"/j/{old}").status_code == 404
    assert phone.get(f"/j/{live.join_code}").status_code == 200


def test_strangers_cannot_change_the_evening(app, client, auth):
    event = make_event()
    auth.login_as("moderator")
    assert (
        client.post(f"/organize/events/{event.id}/live", data={"is_open": "y"}).status_code == 403
    )
    assert client.post(f"/organize/events/{event.id}/live/code").status_code == 403
    assert db.session.scalar(select(LiveSession)) is None
