"""Rate limits around similar ideas (limiting on): asking costs nothing of the ideas' limit,
the lookup itself has its own."""

from __future__ import annotations

import pytest

from ..factories import make_event, make_live_session, make_theme

BODY = "Eine ausführliche Beschreibung meiner Idee für die Stadt."


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def test_checks_do_not_count_against_the_ideas_limit(app, client, auth):
    app.config["RATELIMIT_IDEAS"] = "2 per minute"
    make_theme(slug="mobilitaet")
    auth.login_as("citizen")
    data = {"theme": "mobilitaet", "title": "Radweg am Fluss", "body": BODY}
    checks = [client.post("/ideas/new", data={**data, "check": "1"}).status_code for _ in range(4)]
    assert checks == [200] * 4
    sent = [client.post("/ideas/new", data=data).status_code for _ in range(3)]
    assert sent == [302, 302, 429]


def test_phone_checks_do_not_count_against_the_ideas_limit(app, client):
    app.config["RATELIMIT_IDEAS"] = "2 per minute"
    theme = make_theme()
    event = make_event(themes=[theme], phase="collecting")
    live = make_live_session(event)
    assert client.post(f"/j/{live.join_code}", data={"consent": "y"}).status_code == 302
    url = f"/events/{event.slug}/live/ideas"
    data = {"theme": str(theme.id), "title": "Radweg am Fluss", "body": ""}
    checks = [client.post(url, data={**data, "check": "1"}).status_code for _ in range(4)]
    assert checks == [200] * 4
    assert [client.post(url, data=data).status_code for _ in range(3)] == [302, 302, 429]


def test_the_lookup_has_its_own_limit(app, client, auth):
    auth.login_as("citizen")
    answers = [
        client.post("/ideas/similar", data={"title": f"Radweg {n}"}).status_code for n in range(61)
    ]
    assert answers[:60] == [200] * 60 and answers[60] == 429
