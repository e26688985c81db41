"""Public pages remembered for a moment for visitors without a cookie (pagecache.py)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import g
from sqlalchemy import event

from ideenwerkstatt.extensions import db

from .factories import make_idea


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 60}


@contextmanager
def statements():
    seen: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def get(client, url: str, **kwargs):
    # Each request starts without what an earlier one left on the shared `g` (conftest).
    g.pop("_login_user", None)
    with statements() as seen:
        response = client.get(url, **kwargs)
    return response, seen


def test_a_visitor_gets_the_remembered_page_without_queries(client):
    make_idea(title="Erste Idee")
    first, queried = get(client, "/ideas")
    assert first.status_code == 200 and queried
    again, queried = get(client, "/ideas")
    assert again.status_code == 200 and not queried
    assert again.get_data() == first.get_data()
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert "Set-Cookie" not in again.headers


def test_a_write_of_this_process_forgets_every_page(client):
    make_idea(title="Erste Idee")
    get(client, "/ideas")
    make_idea(title="Zweite Idee")
    response, queried = get(client, "/ideas")
    assert queried and "Zweite Idee" in response.text


def test_each_language_and_url_has_its_own_page(client):
    make_idea(title="Erste Idee")
    german, _ = get(client, "/ideas")
    english, queried = get(client, "/ideas", headers={"Accept-Language": "en"})
    assert queried and 'lang="en"' in english.text and 'lang="de"' in german.text
    _, queried = get(client, "/ideas?sort=votes")
    assert queried


def test_signed_in_people_never_get_a_remembered_page(client, auth):
    make_idea(title="Erste Idee")
    get(client, "/ideas")
    auth.login_as("citizen")
    for _ in range(2):
        response, queried = get(client, "/ideas")
        assert queried and "Abmelden" in response.text


def test_only_the_public_pages_are_remembered(app, client):
    for url in ("/healthz", "/account/login", "/ideas?page=x"):
        get(client, url)
    assert not app.extensions["page_cache"].entries
    app.test_client().get("/")  # the login form's CSRF token gave `client` a cookie
    assert len(app.extensions["page_cache"].entries) == 1


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 0}])
def test_zero_seconds_turns_it_off(client):
    get(client, "/ideas")
    _, queried = get(client, "/ideas")
    assert queried
