"""The evening on the wall: the join corner, the participant count in live.json for everyone,
the join code only for staff (and the wall link), and joins bump the version."""

from __future__ import annotations

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.live import services as live_services
from ideenwerkstatt.livestate import services as live

from ..factories import make_event, make_idea, make_live_session, make_theme, make_user


@pytest.fixture
def evening(app):
    theme = make_theme(name_de="Grün")
    event = make_event(phase="collecting", themes=[theme], slug="abend")
    make_idea(theme=theme, event=event, title="Bäume pflanzen")
    session = make_live_session(event)
    return event, session


def _state(client, **params):
    response = client.get("/events/abend/live.json", query_string=params)
    assert response.status_code == 200
    return response.get_json()


def test_visitors_see_the_count_but_no_join_code(client, auth, evening):
    _event, session = evening
    state = _state(client)
    assert state["evening"] == {"open": True, "admitting": True, "participants": 0}
    assert session.join_code not in client.get("/events/abend/live.json").get_data(as_text=True)
    auth.login_as("citizen")
    assert "code" not in _state(client)["evening"]


def test_staff_get_the_join_code_and_url(client, auth, evening):
    _event, session = evening
    auth.login_as("moderator")
    for params in ({}, {"audience": "public"}):
        state = _state(client, **params)
        assert state["evening"]["code"] == session.join_code
        assert state["evening"]["url"].endswith(f"/j/{session.join_code}")


def test_no_join_code_while_joining_is_closed(client, auth, evening):
    event, session = evening
    live_services.set_joining(make_user(role="moderator"), event, False)
    db.session.commit()
    auth.login_as("moderator")
    state = _state(client)
    assert state["evening"]["admitting"] is False and "code" not in state["evening"]


def test_a_join_changes_the_version_and_the_count(client, evening):
    event, session = evening
    before = live.version_of(event.id)
    response = client.post(f"/j/{session.join_code}", data={"consent": "y"})
    assert response.status_code == 302
    assert live.version_of(event.id) > before
    state = _state(client)  # the guest's phone follows the state too
    assert state["evening"]["participants"] == 1 and "code" not in state["evening"]


def test_closing_and_opening_joining_touch_the_event_and_are_logged(evening):
    from sqlalchemy import select

    from ideenwerkstatt.auditlog import ModerationLogEntry

    event, _session = evening
    moderator = make_user(role="moderator")
    before = live.version_of(event.id)
    live_services.set_joining(moderator, event, False)
    assert live.version_of(event.id) == before + 1
    live_services.set_joining(moderator, event, True)
    assert live.version_of(event.id) == before + 2
    actions = db.session.scalars(
        select(ModerationLogEntry.reason).where(ModerationLogEntry.action == "live.joining")
    ).all()
    assert actions == ["closed", "open"]


def test_a_participant_may_not_close_joining(evening):
    event, _session = evening
    with pytest.raises(live_services.NotAllowed):
        live_services.set_joining(make_user(role="citizen"), event, False)


def test_the_wall_shows_qr_code_join_code_and_count(client, auth, evening):
    _event, session = evening
    auth.login_as("organizer")
    page = client.get("/events/abend/wall").get_data(as_text=True)
    assert 'id="wall-join"' in page and "<svg" in page and 'class="qr-code' in page
    assert session.join_code in page
    assert 'id="wall-participants">0<' in page


def test_the_wall_has_no_join_corner_without_an_open_session(client, auth):
    make_event(phase="collecting", slug="ohne")
    auth.login_as("organizer")
    page = client.get("/events/ohne/wall").get_data(as_text=True)
    assert "<svg" not in page


def test_closing_the_session_freezes_the_wall_on_the_results(evening):
    event, _session = evening
    organizer = make_user(role="organizer")
    live.set_numbers_hidden(organizer, event, True)
    live_services.update_session(
        organizer,
        event,
        is_open=False,
        joining_open=True,
        join_mode=live_services.JoinMode.OPEN_CODE,
        announce_link=False,
    )
    settings = live.current_settings(event.id)
    assert str(settings.wall_mode) == "results" and settings.numbers_hidden is False


def test_closing_the_event_freezes_the_wall_on_the_results(evening):
    from ideenwerkstatt.events import services as events

    event, _session = evening
    organizer = make_user(role="organizer")
    events.change_phase(organizer, event, "next", confirmed=True)
    assert str(live.current_settings(event.id).wall_mode) == "ideas"
    events.change_phase(organizer, event, "next")
    assert str(live.current_settings(event.id).wall_mode) == "results"
