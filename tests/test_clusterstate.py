"""Two app servers on one database and one Redis (clusterstate.py): a write through server A
shows through server B's remembered pages at the next request; without Redis it would not
(the control); with Redis unreachable pages still answer, caches bypassed, one warning; the
rate limits count the requests to both servers together."""

from __future__ import annotations

import logging
import re
import uuid
from contextlib import contextmanager

import pytest
import redis
from flask import g
from sqlalchemy import event

from ideenwerkstatt import create_app
from ideenwerkstatt.extensions import db, limiter
from ideenwerkstatt.ideas.models import Idea, IdeaStatus

from .conftest import AuthActions, build_test_config
from .factories import make_idea, make_user
from .summaries.helpers import closed_event_with_ideas

REDIS_URL = "redis://127.0.0.1:6379/11"
UNREACHABLE = "redis://127.0.0.1:1/0"


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def prefix():
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"iwtest-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        keys = list(client.scan_iter(match=f"*{name}*"))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass


@pytest.fixture
def app_config(prefix):
    return {
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "PAGE_CACHE_SECONDS": 60,
        "IDEA_COUNT_CACHE_SECONDS": 60,
    }


def _fresh_g():
    # The test's app context outlives each request of app A and shares its `g` (conftest).
    for name in ("_login_user", "csrf_token", "_flask_babel"):
        g.pop(name, None)


@contextmanager
def second_server(first, tmp_path, **config):
    """Server B: another app on the first one's database (and the config given)."""
    other = create_app(
        build_test_config(
            tmp_path / "b",
            SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"],
            SQLALCHEMY_ENGINE_OPTIONS={},
            **config,
        )
    )
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def a(file_db_app):
    file_db_app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    return file_db_app


@pytest.fixture
def b(a, tmp_path, app_config):
    with second_server(a, tmp_path, **app_config) as other:
        yield other


class Visitor:
    """A browser without cookies on one server, counting that server's queries."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        with app.app_context():
            self.engine = db.engine

    def get(self, url: str):
        seen: list[str] = []

        def remember(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(self.engine, "before_cursor_execute", remember)
        try:
            response = self.client.get(url)
        finally:
            event.remove(self.engine, "before_cursor_execute", remember)
        assert response.status_code == 200, url
        return response.get_data(as_text=True), len(seen)


def remembered(visitor: Visitor, url: str) -> str:
    """Load the page twice: the second answer must come from memory (no query)."""
    visitor.get(url)
    html, queries = visitor.get(url)
    assert queries == 0, f"{url} was not remembered"
    return html


def vote_count(html: str, idea_id: int) -> str:
    match = re.search(rf'href="/ideas/{idea_id}".*?data-vote-count>([^<]*)<', html, re.S)
    assert match, "no vote count"
    return match.group(1).strip()


# --- a write on A, the next request on B -------------------------------------------------------


@needs_redis
def test_an_idea_approved_on_a_shows_on_bs_remembered_list_at_once(a, b):
    waiting = make_idea(title="Bank am Weiher", status="pending")
    visitor = Visitor(b)
    assert "Bank am Weiher" not in remembered(visitor, "/ideas")
    auth = AuthActions(a, a.test_client())
    auth.login_as("moderator")
    response = auth._client.post(f"/moderation/ideas/{waiting.id}/approve")
    assert response.status_code in (302, 303)
    assert db.session.get(Idea, waiting.id).status == IdeaStatus.PUBLISHED
    html, queries = visitor.get("/ideas")
    assert queries > 0 and "Bank am Weiher" in html
    # The total of the list (the count cache) moved with it.
    assert "1 Idee" in html or "1 idea" in html


@needs_redis
def test_a_vote_on_a_shows_on_bs_remembered_pages(a, b):
    idea = make_idea(title="Mehr Bäume")
    visitor = Visitor(b)
    before = remembered(visitor, "/ideas")
    detail_before = remembered(visitor, f"/ideas/{idea.id}")
    auth = AuthActions(a, a.test_client())
    auth.login_as("citizen")
    response = auth._client.post(f"/ideas/{idea.id}/vote", data={})
    assert response.status_code in (200, 302, 303)
    assert db.session.get(Idea, idea.id).vote_count == 1
    after, queries = visitor.get("/ideas")
    assert queries > 0
    assert vote_count(after, idea.id) != vote_count(before, idea.id)
    assert vote_count(after, idea.id).startswith("1")
    detail_after, queries = visitor.get(f"/ideas/{idea.id}")
    assert queries > 0 and detail_after != detail_before


@needs_redis
def test_a_summary_published_on_a_shows_on_bs_remembered_event_page(a, b):
    from ideenwerkstatt.summaries import services

    data = closed_event_with_ideas()
    visitor = Visitor(b)
    assert 'href="/events/sued/summary"' not in remembered(visitor, "/events/sued")
    summary = services.start_summary(data["event"], make_user(role="moderator"))
    services.save_texts(summary, None, "Danke!", "", {})
    services.publish_summary(summary, None)
    db.session.commit()  # through app A: its context is the test's
    html, queries = visitor.get("/events/sued")
    assert queries > 0 and 'href="/events/sued/summary"' in html


def test_without_redis_b_shows_its_remembered_page_until_it_expires(file_db_app, tmp_path):
    """The control: per-process caches do not learn of another process's write."""
    local = {"PAGE_CACHE_SECONDS": 60, "IDEA_COUNT_CACHE_SECONDS": 60}
    file_db_app.config.update(local)
    with second_server(file_db_app, tmp_path, **local) as b:
        assert "cluster_generations" not in b.extensions
        visitor = Visitor(b)
        remembered(visitor, "/ideas")
        make_idea(title="Unsichtbar auf B")
        html, queries = visitor.get("/ideas")
        assert queries == 0 and "Unsichtbar auf B" not in html


@needs_redis
def test_the_generations_rise_after_the_commit_only(a, prefix):
    client = redis.Redis.from_url(REDIS_URL)
    read = a.extensions["cluster_generations"].read
    start = read()
    idea = make_idea(commit=False)
    assert read() == start  # flushed, not committed: nothing to see elsewhere yet
    db.session.commit()
    after = read()
    assert after["pages"] > start["pages"] and after["ideas"] > start["ideas"]
    db.session.execute(
        Idea.__table__.update().where(Idea.id == idea.id).values(vote_count=Idea.vote_count + 1)
    )
    db.session.rollback()
    assert read() == after  # rolled back: nothing changed
    db.session.execute(
        Idea.__table__.update().where(Idea.id == idea.id).values(vote_count=Idea.vote_count + 1)
    )
    db.session.commit()
    votes = read()
    # A vote changes pages, never how many ideas a filter matches.
    assert votes["pages"] > after["pages"] and votes["ideas"] == after["ideas"]
    assert int(client.get(f"{prefix}:gen:pages")) == votes["pages"]


# --- Redis unreachable ----------------------------------------------------------------------------


def test_redis_down_pages_answer_uncached_with_one_warning(file_db_app, tmp_path, caplog):
    down = {"REDIS_URL": UNREACHABLE, "PAGE_CACHE_SECONDS": 60, "IDEA_COUNT_CACHE_SECONDS": 60}
    file_db_app.config.update(down)
    with second_server(file_db_app, tmp_path, **down) as b:
        b.extensions["cluster_generations"]
        visitor = Visitor(b)
        make_idea(title="Erste")
        with caplog.at_level(logging.WARNING, logger="ideenwerkstatt.clusterstate"):
            for _ in range(3):
                html, queries = visitor.get("/ideas")
                assert queries > 0 and "Erste" in html  # nothing from memory
            b.extensions["cluster_generations"].down_until = 0.0  # the retry second is over
            make_idea(title="Zweite")
            html, queries = visitor.get("/ideas")
            assert queries > 0 and "Zweite" in html
        warnings = [r for r in caplog.records if r.name == "ideenwerkstatt.clusterstate"]
        assert len(warnings) == 1 and "Redis unreachable" in warnings[0].getMessage()


def test_redis_down_a_vote_still_counts(file_db_app, tmp_path):
    file_db_app.config.update({"REDIS_URL": UNREACHABLE})
    with second_server(file_db_app, tmp_path, REDIS_URL=UNREACHABLE, PAGE_CACHE_SECONDS=60) as b:
        idea = make_idea()
        auth = AuthActions(b, b.test_client())
        auth.login_as("citizen")
        response = auth._client.post(f"/ideas/{idea.id}/vote", data={})
        assert response.status_code in (200, 302, 303)
        db.session.rollback()  # written by app B: a fresh snapshot
        assert db.session.get(Idea, idea.id).vote_count == 1
        assert b.extensions["cluster_generations"].owed == {"pages"}


def _failed_logins(app, times: int) -> list[int]:
    client = app.test_client()
    codes = []
    for n in range(times):
        response = client.post(
            "/account/login", data={"email": f"niemand{n}@example.org", "password": "falsch"}
        )
        codes.append(response.status_code)
    return codes


def test_redis_down_rate_limits_fail_open_to_memory(file_db_app, tmp_path):
    limited = {
        "REDIS_URL": UNREACHABLE,
        "RATELIMIT_STORAGE_URI": UNREACHABLE,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOGIN": "3 per minute",
    }
    with second_server(file_db_app, tmp_path, **limited) as b:
        codes = _failed_logins(b, 5)
    # No 500, nobody locked out by the outage: the same limit, counted in this process.
    assert codes == [422, 422, 422, 429, 429]  # 422: a wrong login


@needs_redis
def test_the_rate_limit_counts_both_servers_together(file_db_app, tmp_path, prefix, monkeypatch):
    shared = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "REDIS_KEY_PREFIX": prefix,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOGIN": "3 per minute",
    }
    # flask-limiter's Limiter is one object per process and keeps the first app's key prefix
    # and an earlier test's outage: this test's own prefix, and Redis taken as alive.
    monkeypatch.setattr(limiter, "_key_prefix", prefix)
    monkeypatch.setattr(limiter, "_storage_dead", False)
    with (
        second_server(file_db_app, tmp_path / "one", **shared) as one,
        second_server(file_db_app, tmp_path / "two", **shared) as two,
    ):
        codes = _failed_logins(one, 2) + _failed_logins(two, 2)
    assert codes == [422, 422, 422, 429]  # 422: a wrong login
    client = redis.Redis.from_url(REDIS_URL)
    counters = [key for key in client.scan_iter(match=f"*{prefix}*") if b"accounts.login" in key]
    assert len(counters) == 1 and int(client.get(counters[0])) >= 3
    # The per-account failed-login counters (accounts/throttle.py) are shared too: niemand0
    # failed once on each server, niemand1 once on the first (its second try met the 429).
    failures = client.scan_iter(match=f"*{prefix}/login-fail:*")
    assert sorted(int(client.get(key)) for key in failures) == [1, 2]


def test_which_writes_raise_which_generation():
    from ideenwerkstatt.clusterstate import write_kinds

    assert write_kinds("SELECT idea.id FROM idea") == frozenset()
    assert write_kinds("UPDATE outbox_message SET status=? WHERE id=?") == frozenset()
    assert write_kinds("INSERT INTO vote (user_id) VALUES (?)") == {"pages"}
    assert write_kinds("UPDATE idea SET vote_count=(idea.vote_count + ?)") == {"pages"}
    assert write_kinds("UPDATE idea SET status=? WHERE idea.id = ?") == {"pages", "ideas"}
    assert write_kinds("INSERT INTO idea (title) VALUES (?)") == {"pages", "ideas"}


@needs_redis
def test_redis_gone_mid_run_then_back(a, b, prefix):
    """Redis stops answering while both servers run: B stops answering from memory at once,
    A's write still commits and its raise is owed; when Redis is back, A's first contact
    makes the raise, and B's old page is not shown again."""
    make_idea(title="Vorher")
    visitor = Visitor(b)
    remembered(visitor, "/ideas")
    working = {app: app.extensions["cluster_generations"].client for app in (a, b)}
    gone = redis.Redis.from_url(UNREACHABLE, socket_connect_timeout=0.5)
    for app in (a, b):
        app.extensions["cluster_generations"].client = gone
    html, queries = visitor.get("/ideas")
    assert queries > 0  # bypassed, not the remembered page
    make_idea(title="Während")  # through A, whose raise fails
    assert a.extensions["cluster_generations"].owed == {"pages", "ideas"}
    html, queries = visitor.get("/ideas")
    assert queries > 0 and "Während" in html
    for app in (a, b):
        generations = app.extensions["cluster_generations"]
        generations.client, generations.down_until = working[app], 0.0
    assert a.extensions["cluster_generations"].read() is not None  # A's next request
    assert a.extensions["cluster_generations"].owed == set()
    html, queries = visitor.get("/ideas")
    assert queries > 0 and "Während" in html
