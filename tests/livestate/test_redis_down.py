"""LIVE_FANOUT=redis with Redis unreachable: streams fall back to polling the versions (a
change made by another app still arrives within a second), votes are not refused, and the
outage is logged as one warning per process, not one per vote."""

from __future__ import annotations

import logging
import time

import pytest

from ideenwerkstatt import create_app
from ideenwerkstatt.extensions import db
from ideenwerkstatt.livestate import services as live

from ..conftest import build_test_config
from .test_stream import _same_db, drain, event, next_state, read_stream  # noqa: F401

DOWN = {
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "LIVE_FANOUT": "redis",
    # Far beyond the test's patience: only the fallback poll can bring the change in time.
    "LIVE_SAFETY_POLL_SECONDS": 60,
}


@pytest.fixture
def app_config():
    return {
        "LIVE_STREAM_SECONDS": 3,
        "LIVE_HEARTBEAT_SECONDS": 0.5,
        "LIVE_MIN_INTERVAL_SECONDS": 0.05,
        "LIVE_POLL_SECONDS": 0.1,
        **DOWN,
    }


def test_streams_poll_while_redis_is_unreachable(file_db_app, event, tmp_path, caplog):  # noqa: F811
    caplog.set_level(logging.WARNING, logger="ideenwerkstatt.livestate.hub")
    _response, chunks = read_stream(file_db_app.test_client(), "/events/abend/live/stream")
    assert next_state(chunks) is not None
    time.sleep(0.3)  # the hub's thread has found Redis unreachable

    other = create_app(build_test_config(tmp_path / "other", **_same_db(file_db_app), **DOWN))
    with other.app_context():
        for _ in range(3):
            version = live.touch(event)
            db.session.commit()  # publishing fails quietly: the change is committed
        db.session.remove()
        db.engine.dispose()
    started = time.monotonic()
    changed = next_state(chunks, timeout=2.0)
    assert changed is not None and changed[0] == version
    assert time.monotonic() - started < 1.0
    drain(chunks)
    warnings = [
        r
        for r in caplog.records
        if r.name == "ideenwerkstatt.livestate.hub" and "Redis unreachable" in r.getMessage()
    ]
    # One per process-wide hub (the stream's app, the writing app), not one per vote.
    assert 1 <= len(warnings) <= 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
