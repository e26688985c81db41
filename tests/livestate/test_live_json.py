"""live.json: the ETag follows every change the wall shows, 304 without rendering, what each
viewer may see."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ideenwerkstatt.database import commit
from ideenwerkstatt.events import services as events
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas import services as ideas
from ideenwerkstatt.livestate import services as live

from ..factories import make_event, make_idea, make_theme, make_user

JSON = {"Accept": "application/json"}


@pytest.fixture
def voting_event():
    theme = make_theme(name_de="Mobilität")
    event = make_event(phase="voting", themes=[theme], slug="werkstatt")
    author = make_user(display_name="Erika Mustermann", email="erika@example.org")
    first = make_idea(author=author, theme=theme, event=event, title="Radweg am Fluss")
    second = make_idea(theme=theme, event=event, title="Mehr Bänke im Park")
    return event, first, second


def etag_of(client, slug="werkstatt"):
    response = client.get(f"/events/{slug}/live.json")
    assert response.status_code == 200
    return response.headers["ETag"], response


def test_matching_etag_answers_304_without_a_body(client, voting_event):
    etag, response = etag_of(client)
    assert response.headers["Cache-Control"] == "no-cache"
    assert not response.headers["ETag"].startswith("W/")
    again = client.get("/events/werkstatt/live.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get("/events/werkstatt/live.json", headers={"If-None-Match": '"1-99-p-de"'})
    assert other.status_code == 200


def test_state_carries_phase_timer_mode_and_ideas_by_theme(client, voting_event):
    _event, first, second = voting_event
    _etag, response = etag_of(client)
    state = response.get_json()
    assert state["phase"] == "voting"
    assert state["wall_mode"] == "ideas"
    assert state["numbers_hidden"] is False
    assert state["timer_ends_at"] is None
    assert state["now"].endswith("Z")
    [theme] = state["themes"]
    assert theme["name"] == "Mobilität"
    assert {i["title"] for i in theme["ideas"]} == {first.title, second.title}
    assert all("count" in i for i in theme["ideas"])


def test_etag_changes_after_a_vote(client, auth, voting_event):
    _event, first, _second = voting_event
    before, _ = etag_of(client)
    auth.login_as("citizen")
    assert client.post(f"/ideas/{first.id}/vote", headers=JSON).status_code == 200
    auth.logout()
    after, response = etag_of(client)
    assert after != before
    counts = {i["id"]: i["count"] for i in response.get_json()["themes"][0]["ideas"]}
    assert counts[first.id] == 1
    # The old ETag no longer matches: the client gets the new state.
    assert (
        client.get("/events/werkstatt/live.json", headers={"If-None-Match": before}).status_code
        == 200
    )


def test_etag_changes_after_a_retraction(client, auth, voting_event):
    _event, first, _second = voting_event
    auth.login_as("citizen")
    client.post(f"/ideas/{first.id}/vote", headers=JSON)
    before, _ = etag_of(client)
    assert client.post(f"/ideas/{first.id}/vote/retract", headers=JSON).status_code == 200
    assert etag_of(client)[0] != before


def test_etag_changes_after_an_approval(client, voting_event):
    event, _first, _second = voting_event
    pending = make_idea(theme=event.themes[0], event=event, status="pending", title="Neu hier")
    before, response = etag_of(client)
    assert "Neu hier" not in response.get_data(as_text=True)
    ideas.approve_idea(make_user(role="moderator"), pending)
    commit()
    after, response = etag_of(client)
    assert after != before
    assert "Neu hier" in response.get_data(as_text=True)


def test_etag_changes_after_hiding_an_idea(client, voting_event):
    _event, first, _second = voting_event
    before, _ = etag_of(client)
    ideas.hide_idea(make_user(role="moderator"), first)
    commit()
    after, response = etag_of(client)
    assert after != before
    assert first.title not in response.get_data(as_text=True)


def test_etag_changes_after_a_phase_change(client, voting_event):
    event, _first, _second = voting_event
    before, _ = etag_of(client)
    events.change_phase(make_user(role="organizer"), event, "next")
    commit()
    after, response = etag_of(client)
    assert after != before
    assert response.get_json()["phase"] == "closed"


def test_etag_changes_after_a_timer_change(client, auth, voting_event):
    before, _ = etag_of(client)
    auth.login_as("moderator")
    response = client.post("/moderation/events/werkstatt/live/timer/start", data={"minutes": "5"})
    assert response.status_code == 302
    auth.logout()
    after, response = etag_of(client)
    assert after != before
    assert response.get_json()["timer_ends_at"].endswith("Z")


def test_etag_differs_by_viewer_class_and_language(client, auth, voting_event):
    public, _ = etag_of(client)
    english = client.get("/events/werkstatt/live.json", headers={"Accept-Language": "en"})
    assert english.headers["ETag"] != public
    auth.login_as("moderator")
    staff, _ = etag_of(client)
    assert staff != public
    # A visitor's ETag does not fit a moderator's view, so no stale 304 across roles.
    assert (
        client.get("/events/werkstatt/live.json", headers={"If-None-Match": public}).status_code
        == 200
    )


def test_hidden_numbers_are_hidden_from_everyone_but_staff(client, auth, voting_event):
    event, first, second = voting_event
    live.set_numbers_hidden(make_user(role="moderator"), event, True)
    commit()
    # More votes on the second idea: the order must not give the ranking away either.
    db.session.execute(text("UPDATE idea SET vote_count = 7 WHERE id = :id"), {"id": second.id})
    live.touch(event.id)
    commit()

    state = etag_of(client)[1].get_json()
    assert state["numbers_hidden"] is True and state["counts_shown"] is False
    listed = state["themes"][0]["ideas"]
    assert all("count" not in i and "rank" not in i for i in listed)
    assert [i["id"] for i in listed] == [first.id, second.id]  # order of arrival

    auth.login_as("citizen")
    assert "count" not in etag_of(client)[1].get_json()["themes"][0]["ideas"][0]

    auth.login_as("moderator")
    staff = etag_of(client)[1].get_json()
    assert staff["counts_shown"] is True
    assert [i["id"] for i in staff["themes"][0]["ideas"]] == [second.id, first.id]
    # The room's view, as the wall asks for it, stays hidden for staff too.
    room = client.get("/events/werkstatt/live.json?audience=public").get_json()
    assert room["counts_shown"] is False


def test_nobodys_identity_is_in_the_state(client, auth, voting_event):
    auth.login_as("citizen")
    body = etag_of(client)[1].get_data(as_text=True)
    assert "Erika" not in body
    assert "erika@example.org" not in body
    assert "author" not in body
    assert "join" not in body and "code" not in body


def test_draft_and_unknown_events_are_404(client, auth):
    make_event(phase="draft", slug="entwurf")
    assert client.get("/events/entwurf/live.json").status_code == 404
    assert client.get("/events/gibt-es-nicht/live.json").status_code == 404
    auth.login_as("organizer")
    assert client.get("/events/entwurf/live.json").status_code == 404
    assert client.get("/events/entwurf/live/stream").status_code == 404


def test_touch_counts_up_in_the_transaction_and_rolls_back_with_it(app, voting_event):
    event, _first, _second = voting_event
    start = live.version_of(event.id)
    assert live.touch(event.id) == start + 1
    assert live.touch(event.id) == start + 2
    db.session.rollback()
    assert live.version_of(event.id) == start
    assert live.touch(None) is None


def test_a_304_costs_one_query_and_renders_nothing(app, client, voting_event, monkeypatch):
    from sqlalchemy import event as sa_event

    from ideenwerkstatt.livestate import hub as hub_module

    etag, _ = etag_of(client)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    def no_render(*_args, **_kwargs):
        raise AssertionError("a 304 must not render the state")

    monkeypatch.setattr(hub_module.Hub, "render_cached", no_render)
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/events/werkstatt/live.json", headers={"If-None-Match": etag})
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 304
    assert len(statements) == 1, statements
    assert "event_live_state" in statements[0]


def test_live_json_gives_its_connection_back_before_waiting_for_the_render(
    client, voting_event, monkeypatch
):
    """Lock order: the hub's render lock, then a connection. A live.json that held its
    connection while waiting for the lock drained the pool under load (1,000 phones)."""
    from ideenwerkstatt.livestate import hub as hub_module

    original = hub_module.Hub.render_cached
    in_transaction = []

    def watched(self, *args, **kwargs):
        in_transaction.append(db.session().in_transaction())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(hub_module.Hub, "render_cached", watched)
    response = client.get("/events/werkstatt/live.json")
    assert response.status_code == 200
    assert response.get_json()["themes"][0]["ideas"]
    assert in_transaction == [False]
