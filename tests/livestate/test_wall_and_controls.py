"""The wall page and the moderators' wall controls: who may, what they change, the log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ideenwerkstatt.auditlog import ModerationLogEntry
from ideenwerkstatt.extensions import db
from ideenwerkstatt.livestate import services as live
from ideenwerkstatt.livestate.models import EventLiveState, WallMode
from ideenwerkstatt.permissions import PermissionDenied

from ..factories import make_event, make_idea, make_theme, make_user

BASE = "/moderation/events/abend/live"


@pytest.fixture
def event(app):
    theme = make_theme(name_de="Grün")
    event = make_event(phase="voting", themes=[theme], slug="abend")
    make_idea(theme=theme, event=event, title="Bäume pflanzen", vote_count=3)
    return event


def state_of(event) -> EventLiveState:
    db.session.expire_all()
    return db.session.get(EventLiveState, event.id)


def test_wall_needs_a_moderator(client, auth, event):
    response = client.get("/events/abend/wall")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    auth.login_as("citizen")
    assert client.get("/events/abend/wall").status_code == 403
    auth.login_as("moderator")
    response = client.get("/events/abend/wall")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Bäume pflanzen" in page
    assert 'http-equiv="refresh"' in page and "<noscript>" in page
    assert "js/wall.js" in page


def test_wall_of_a_draft_is_404(client, auth):
    make_event(phase="draft", slug="entwurf")
    auth.login_as("organizer")
    assert client.get("/events/entwurf/wall").status_code == 404


def test_wall_shows_no_numbers_while_hidden_even_to_staff(client, auth, event):
    live.set_numbers_hidden(make_user(role="moderator"), event, True)
    live.set_wall_mode(make_user(role="moderator"), event, "voting")
    db.session.commit()
    auth.login_as("organizer")
    page = client.get("/events/abend/wall").get_data(as_text=True)
    assert "Bäume pflanzen" in page
    assert "3 Stimmen" not in page and "<progress" not in page
    assert "Die Zahlen werden am Ende gezeigt." in page


def test_wall_voting_mode_shows_bars_with_numbers(client, auth, event):
    live.set_wall_mode(make_user(role="moderator"), event, "voting")
    db.session.commit()
    auth.login_as("moderator")
    page = client.get("/events/abend/wall").get_data(as_text=True)
    assert "<progress" in page and "3 Stimmen" in page


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/mode", {"mode": "voting"}),
        ("/numbers", {"hidden": "1"}),
        ("/timer/start", {"minutes": "5"}),
        ("/timer/extend", {"minutes": "5"}),
        ("/timer/stop", {}),
    ],
)
def test_controls_are_refused_to_citizens_and_visitors(client, auth, event, path, data):
    response = client.post(BASE + path, data=data)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    auth.login_as("citizen")
    assert client.post(BASE + path, data=data).status_code == 403
    assert client.get(BASE).status_code == 403
    assert state_of(event) is None  # nothing changed


def test_controls_change_the_wall_and_write_the_log(client, auth, event):
    moderator = auth.login_as("moderator")
    assert client.get(BASE).status_code == 200
    assert client.post(BASE + "/mode", data={"mode": "results"}).status_code == 302
    assert state_of(event).wall_mode == WallMode.RESULTS
    assert client.post(BASE + "/numbers", data={"hidden": "1"}).status_code == 302
    assert state_of(event).numbers_hidden is True
    assert client.post(BASE + "/numbers", data={"hidden": "0"}).status_code == 302
    assert state_of(event).numbers_hidden is False

    before = dt.datetime.now(dt.UTC)
    assert client.post(BASE + "/timer/start", data={"minutes": "10"}).status_code == 302
    ends = state_of(event).timer_ends_at
    assert dt.timedelta(minutes=9) < ends - before <= dt.timedelta(minutes=10, seconds=5)
    assert client.post(BASE + "/timer/extend", data={"minutes": "5"}).status_code == 302
    assert state_of(event).timer_ends_at - ends == dt.timedelta(minutes=5)
    assert client.post(BASE + "/timer/stop").status_code == 302
    assert state_of(event).timer_ends_at is None

    actions = db.session.scalars(
        select(ModerationLogEntry.action).where(ModerationLogEntry.actor_id == moderator.id)
    ).all()
    assert actions.count("live.timer") == 3
    assert "live.wall_mode" in actions and actions.count("live.numbers") == 2


@pytest.mark.parametrize("minutes", ["0", "181", "zehn", ""])
def test_bad_minutes_get_a_message_and_keep_what_was_typed(client, auth, event, minutes):
    auth.login_as("moderator")
    response = client.post(BASE + "/timer/start", data={"minutes": minutes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "error-message" in page
    if minutes:
        assert f'value="{minutes}"' in page
    assert state_of(event) is None


def test_unknown_mode_is_422(client, auth, event):
    auth.login_as("moderator")
    response = client.post(BASE + "/mode", data={"mode": "party"})
    assert response.status_code == 422
    assert "error-message" in response.get_data(as_text=True)


def test_services_refuse_citizens(event):
    citizen = make_user()
    with pytest.raises(PermissionDenied):
        live.set_wall_mode(citizen, event, "voting")
    with pytest.raises(PermissionDenied):
        live.start_timer(citizen, event, 5)
    with pytest.raises(PermissionDenied):
        live.stop_timer(citizen, event)
    with pytest.raises(live.LiveStateError):
        live.start_timer(make_user(role="moderator"), event, 0)
