"""Joining an evening by code: consent in the ledger, signed in as a guest, refusals."""

from __future__ import annotations

from sqlalchemy import func, select

from ideenwerkstatt.accounts.models import LoginSession, User
from ideenwerkstatt.extensions import db
from ideenwerkstatt.live.models import LiveParticipant
from ideenwerkstatt.permissions import Role
from ideenwerkstatt.privacy.models import ConsentRecord

from ..factories import make_event, make_live_session


def _join(client, code, **data):
    data.setdefault("consent", "y")
    return client.post(f"/j/{code}", data=data)


def test_join_page_shows_consent_text_unticked_and_no_email_field(client):
    event = make_event(title="Hamm von Morgen")
    live = make_live_session(event)
    page = client.get(f"/j/{live.join_code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Hamm von Morgen" in html
    assert "zufällige Teilnahme-Nummer" in html
    assert 'type="email"' not in html and 'type="password"' not in html
    assert 'name="consent"' in html and "checked" not in html


def test_joining_makes_a_guest_records_consent_and_signs_in(client):
    event = make_event()
    live = make_live_session(event)
    response = _join(client, live.join_code.lower(), display_name="Fuchs")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.slug}/live")
    guest = db.session.scalar(select(User).where(User.role == Role.PARTICIPANT))
    assert guest.email is None and guest.display_name == "Fuchs"
    assert guest.confirmed_at is not None
    row = db.session.scalar(select(LiveParticipant).where(LiveParticipant.user_id == guest.id))
    assert row.event_id == event.id and len(row.code) == 12
    record = db.session.scalar(select(ConsentRecord).where(ConsentRecord.user_id == guest.id))
    assert str(record.purpose) == "event_participation"
    assert str(record.channel) == "event_join" and str(record.action) == "granted"
    assert record.consent_text.version == 1 and "Teilnahme-Nummer" in record.consent_text.text
    assert db.session.scalar(select(func.count(LoginSession.id))) == 1
    phone = client.get(f"/events/{event.slug}/live")
    assert phone.status_code == 200
    assert "Meine Ideen" in phone.get_data(as_text=True)


def test_joining_without_consent_is_refused_next_to_the_box_and_keeps_the_name(client):
    event = make_event()
    live = make_live_session(event)
    response = client.post(f"/j/{live.join_code}", data={"display_name": "Fuchs"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte stimmen Sie zu" in html and 'value="Fuchs"' in html
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_rejoining_in_the_same_browser_keeps_the_same_guest(client):
    event = make_event()
    live = make_live_session(event)
    _join(client, live.join_code)
    again = client.get(f"/j/{live.join_code}")
    assert again.status_code == 302
    _join(client, live.join_code)
    assert db.session.scalar(select(func.count(LiveParticipant.id))) == 1


def test_another_browser_makes_another_guest_and_the_organizer_sees_the_count(app, auth):
    event = make_event()
    live = make_live_session(event)
    for _ in range(3):
        assert _join(app.test_client(), live.join_code).status_code == 302
    client = app.test_client()
    from ..conftest import AuthActions

    AuthActions(app, client).login_as("organizer")
    page = client.get(f"/organize/events/{event.id}/live")
    assert "3 Personen sind dabei." in page.get_data(as_text=True)


def test_an_account_joins_with_its_account_and_gets_no_second_voice(client, auth):
    event = make_event()
    live = make_live_session(event)
    me = auth.login_as("citizen")
    response = _join(client, live.join_code)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == 1
    row = db.session.scalar(select(LiveParticipant))
    assert row.user_id == me.id
    records = db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == me.id))
    assert [str(r.channel) for r in records] == ["event_join"]
    _join(client, live.join_code)
    assert db.session.scalar(select(func.count(LiveParticipant.id))) == 1


def test_unknown_code_is_a_clear_404(client):
    response = client.get("/j/ZZZZZ")
    assert response.status_code == 404
    assert "Diesen Code kennen wir nicht" in response.get_data(as_text=True)


def test_closed_joining_and_switched_off_evening_refuse_new_joins(client):
    event = make_event()
    closed = make_live_session(event, joining_open=False)
    response = _join(client, closed.join_code)
    assert response.status_code == 403
    assert "kann man gerade nicht dazukommen" in response.get_data(as_text=True)
    off = make_live_session(make_event(), is_open=False)
    assert client.get(f"/j/{off.join_code}").status_code == 403
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_card_mode_needs_a_card_for_guests(client):
    live = make_live_session(make_event(), join_mode="cards")
    response = _join(client, live.join_code)
    assert response.status_code == 403
    assert "Teilnahmekarte" in response.get_data(as_text=True)
