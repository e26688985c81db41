"""The hub's background thread comes and goes with the streams; `ideenwerkstatt serve`
serves with gthread workers and keeps threads for pages."""

from __future__ import annotations

import time

import pytest

from ideenwerkstatt import serve
from ideenwerkstatt.livestate.hub import fanout_mode, hub_for


@pytest.fixture
def app_config():
    return {
        "LIVE_HUB_IDLE_SECONDS": 0.2,
        "LIVE_POLL_SECONDS": 0.05,
        "LIVE_SAFETY_POLL_SECONDS": 0.2,
    }


def wait_until(predicate, timeout=3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_hub_thread_ends_when_idle_and_returns_with_a_stream(file_db_app):
    hub = hub_for(file_db_app)
    hub.watch(1, 0)
    first = hub.thread
    assert first is not None and first.is_alive()
    hub.unwatch(1)
    assert wait_until(lambda: not first.is_alive())
    assert hub.thread is None
    hub.watch(1, 0)
    assert hub.thread is not None and hub.thread is not first and hub.thread.is_alive()
    hub.seen(1, 5)
    assert hub.wait(1, 4, timeout=0.1) == 5
    hub.shutdown()
    assert wait_until(lambda: hub.thread is None)


def test_fanout_mode_follows_the_configuration(app):
    assert fanout_mode(app) == (
        "postgresql" if "postgresql" in app.config["SQLALCHEMY_DATABASE_URI"] else "poll"
    )
    app.config["LIVE_FANOUT"] = "redis"
    assert fanout_mode(app) == "redis"


def test_serve_is_a_command_with_the_documented_options(runner):
    result = runner.invoke(args=["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers", "--threads"):
        assert option in result.output


def test_serve_uses_threads_and_keeps_a_reserve_for_pages():
    options = serve.gunicorn_options("127.0.0.1", 5000, 2, 640)
    assert options["worker_class"] == "gthread"
    assert options["threads"] == 640 and options["workers"] == 2
    assert options["bind"] == "127.0.0.1:5000"
    assert serve.stream_reserve(640) == 80
    assert serve.stream_reserve(64) == 16
    assert serve.stream_reserve(8) == 4
    assert serve.default_workers() >= 2


def test_serve_takes_its_worker_count_from_web_concurrency(monkeypatch):
    # The deployment's environment file (deploy/ideenwerkstatt.env.example) sets it.
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert serve.default_workers() == 5
    monkeypatch.setenv("WEB_CONCURRENCY", "")
    assert serve.default_workers() >= 2
