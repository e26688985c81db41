"""Open data holds no personal data and nothing that is not public."""

from __future__ import annotations

import json

import pytest

from ideenwerkstatt.extensions import db
from tests.factories import make_event, make_idea, make_theme, make_user

LIST_URLS = [
    "/api/v1/themes",
    "/api/v1/events",
    "/api/v1/ideas",
    "/api/v1/themes?format=csv",
    "/api/v1/events?format=csv",
    "/api/v1/ideas?format=csv",
]
PERSONAL_KEYS = {"email", "user_id", "author_id", "user", "password_hash", "role", "locale"}


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in all_keys(item)}
    return set()


@pytest.mark.parametrize("status", ["pending", "rejected", "hidden"])
def test_unpublished_ideas_never_appear(api, status):
    theme = make_theme(slug="t")
    public = make_idea(theme=theme, title="Öffentliche Idee")
    secret = make_idea(theme=theme, title="Unveröffentlicht", status=status)

    for url in ("/api/v1/ideas", "/api/v1/ideas?theme=t&sort=votes", "/api/v1/ideas?q=idee"):
        body = api.json(url)
        assert [item["id"] for item in body["items"]] == [public.id]
        assert body["total"] == 1
    csv_text = api.get("/api/v1/ideas?format=csv").get_data(as_text=True)
    assert "Unveröffentlicht" not in csv_text
    api.json(f"/api/v1/ideas/{secret.id}", status=404)


def test_a_moderators_session_changes_nothing(api, auth):
    """The API answers everyone alike: a signed-in moderator sees published ideas only."""
    public = make_idea()
    pending = make_idea(status="pending")
    auth.login_as("moderator")
    assert [item["id"] for item in api.json("/api/v1/ideas")["items"]] == [public.id]
    api.json(f"/api/v1/ideas/{pending.id}", status=404)
    response = api.get("/api/v1/ideas")
    # If a session cookie is ever refreshed here, shared caches must key on the cookie.
    assert "Set-Cookie" not in response.headers or "Cookie" in response.vary


def test_draft_events_never_appear(api):
    draft = make_event(slug="entwurf", title="Geheimer Entwurf", phase="draft")
    make_event(slug="oeffentlich")
    # An idea attached to a draft (which the phase rules prevent) would not leak its slug.
    idea = make_idea(event=draft)

    body = api.json("/api/v1/events")
    assert [item["slug"] for item in body["items"]] == ["oeffentlich"]
    assert "entwurf" not in api.get("/api/v1/events?format=csv").get_data(as_text=True)
    assert api.json(f"/api/v1/ideas/{idea.id}")["event"] is None
    assert "entwurf" not in api.get("/api/v1/ideas?format=csv").get_data(as_text=True)
    # Filtering by a draft answers exactly like filtering by a slug that does not exist.
    assert api.json("/api/v1/ideas?event=entwurf") == api.json("/api/v1/ideas?event=gibtsnicht")
    assert api.json("/api/v1/ideas?event=entwurf")["total"] == 0


def test_no_personal_data_anywhere(api, client):
    theme = make_theme(slug="t")
    event = make_event(slug="e", themes=[theme])
    named = make_user(email="kiez.gaertnerin@example.org", display_name="Kiezgärtnerin")
    anonymous = make_user(email="ohne.namen@example.org")
    gone = make_user(email="geloescht@example.org", display_name="Bald weg")
    ideas = [
        make_idea(author=named, theme=theme, event=event),
        make_idea(author=anonymous, theme=theme),
        make_idea(author=gone, theme=theme),
    ]
    # The author deleted their account and left the idea: it stays, attributed to nobody.
    ideas[2].author = None
    db.session.commit()

    by_id = {item["id"]: item for item in api.json("/api/v1/ideas")["items"]}
    assert by_id[ideas[0].id]["author"] == "Kiezgärtnerin"
    assert by_id[ideas[1].id]["author"] is None
    assert by_id[ideas[2].id]["author"] is None

    texts = [api.get(url).get_data(as_text=True) for url in LIST_URLS]
    texts += [api.get(f"/api/v1/ideas/{idea.id}").get_data(as_text=True) for idea in ideas]
    texts.append(api.get("/api/v1/openapi.json").get_data(as_text=True))
    for text in texts:
        assert "@example.org" not in text
        assert "Bald weg" not in text
        assert "ohne.namen" not in text
    for text in texts[:3] + texts[6:-1]:
        assert not all_keys(json.loads(text)) & PERSONAL_KEYS
    for text in texts[3:6]:
        header = text.splitlines()[0].split(",")
        assert not set(header) & PERSONAL_KEYS
