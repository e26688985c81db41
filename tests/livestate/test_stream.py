"""The Server-Sent Events stream: the first state, a change made elsewhere, Last-Event-ID,
heartbeats, a bounded lifetime and the per-process limit."""

from __future__ import annotations

import json
import queue
import threading
import time

import pytest

from ideenwerkstatt import create_app
from ideenwerkstatt.extensions import db
from ideenwerkstatt.livestate import services as live

from ..conftest import build_test_config
from ..factories import make_event, make_idea, make_theme


@pytest.fixture
def app_config():
    return {
        "LIVE_STREAM_SECONDS": 3,
        "LIVE_HEARTBEAT_SECONDS": 0.5,
        "LIVE_MIN_INTERVAL_SECONDS": 0.05,
        "LIVE_POLL_SECONDS": 0.1,
    }


@pytest.fixture
def event(file_db_app):
    theme = make_theme()
    event = make_event(phase="voting", themes=[theme], slug="abend")
    make_idea(theme=theme, event=event, title="Bäume pflanzen")
    return event.id  # the stream view gives the test's session back: keep only the id


def read_stream(client, url, headers=None):
    """Read the stream in a thread; chunks arrive in the queue, None at its end."""
    chunks: queue.Queue = queue.Queue()
    response = client.get(url, headers=headers or {}, buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"

    def pump():
        try:
            for chunk in response.response:
                chunks.put(chunk.decode() if isinstance(chunk, bytes) else chunk)
        finally:
            response.close()
            chunks.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return response, chunks


def drain(chunks) -> list[str]:
    """Wait for the end of the stream (its short lifetime in these tests)."""
    received = []
    while (chunk := chunks.get(timeout=10)) is not None:
        received.append(chunk)
    return received


def next_state(chunks, timeout=3.0):
    """The next `event: state` message as (id, data), skipping other chunks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = chunks.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if chunk is None:
            break
        if "event: state" in chunk:
            lines = dict(line.split(": ", 1) for line in chunk.strip().splitlines())
            return int(lines["id"]), json.loads(lines["data"])
    return None


def test_stream_sends_the_state_then_a_change_made_by_another_app(file_db_app, event, tmp_path):
    client = file_db_app.test_client()
    response, chunks = read_stream(client, "/events/abend/live/stream")
    assert response.headers["Cache-Control"] == "no-cache"
    assert chunks.get(timeout=3) == "retry: 2000\n\n"
    first = next_state(chunks)
    assert first is not None and first[1]["phase"] == "voting"

    # Another app instance (its own hub, as another process would have) makes the change.
    other = create_app(build_test_config(tmp_path / "other", **_same_db(file_db_app)))
    with other.app_context():
        version = live.touch(event)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    changed = next_state(chunks)
    assert changed is not None and changed[0] == version > first[0]
    drain(chunks)


def test_last_event_id_skips_what_the_client_has(file_db_app, event):
    client = file_db_app.test_client()
    version = live.touch(event)
    db.session.commit()
    response, chunks = read_stream(
        client, "/events/abend/live/stream", headers={"Last-Event-ID": str(version)}
    )
    assert next_state(chunks, timeout=1.0) is None  # nothing new: heartbeats only
    drain(chunks)


def test_heartbeats_and_the_end_of_a_stream(file_db_app, event):
    client = file_db_app.test_client()
    started = time.monotonic()
    _response, chunks = read_stream(client, "/events/abend/live/stream")
    received = drain(chunks)
    assert time.monotonic() - started < 8  # a bounded lifetime (3 s here)
    assert ": \n\n" in received  # heartbeat comments


def test_a_full_process_refuses_more_streams(file_db_app, event):
    file_db_app.config["LIVE_MAX_STREAMS"] = 0
    response = file_db_app.test_client().get("/events/abend/live/stream")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def _same_db(app) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SQLALCHEMY_ENGINE_OPTIONS": {},
    }


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_redis_fanout_reaches_another_apps_stream(file_db_app, event, tmp_path):
    """With LIVE_FANOUT=redis the change is published after the commit; the safety poll is
    set far beyond the test's patience, so only Redis can deliver it in time."""
    redis_config = {"REDIS_URL": REDIS_URL, "LIVE_FANOUT": "redis", "LIVE_SAFETY_POLL_SECONDS": 60}
    file_db_app.config.update(redis_config)
    client = file_db_app.test_client()
    _response, chunks = read_stream(client, "/events/abend/live/stream")
    first = next_state(chunks)
    assert first is not None
    time.sleep(0.3)  # the hub's subscription is in place

    other = create_app(
        build_test_config(tmp_path / "other", **_same_db(file_db_app), **redis_config)
    )
    with other.app_context():
        version = live.touch(event)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    changed = next_state(chunks, timeout=2.0)
    assert changed is not None and changed[0] == version
    drain(chunks)


def test_a_stream_never_read_gives_its_slot_back(file_db_app, event):
    from ideenwerkstatt.livestate.hub import hub_for

    hub = hub_for(file_db_app)
    client = file_db_app.test_client()
    head = client.head("/events/abend/live/stream")
    assert head.status_code == 200
    head.close()  # what every WSGI server does with a response it has sent
    assert hub.streams == 0
    response = client.get("/events/abend/live/stream", buffered=False)
    assert hub.streams == 1
    response.close()  # a client gone before the first byte
    assert hub.streams == 0


@pytest.mark.parametrize("how", ["revoked", "replaced"])
def test_a_walls_stream_ends_as_soon_as_its_link_is_revoked(file_db_app, event, tmp_path, how):
    """The stream opened with the wall's secret link checks it on every wake-up; revoking
    (or replacing) the link changes the version, so the stream ends at once, not after
    LIVE_STREAM_SECONDS. Revoked by another app instance, as another process would."""
    from ideenwerkstatt.events.models import Event
    from ideenwerkstatt.live import services as evening

    from ..factories import make_live_session, make_user

    file_db_app.config["LIVE_STREAM_SECONDS"] = 60
    organizer = make_user(role="organizer")
    make_live_session(db.session.get(Event, event))
    key = evening.new_wall_key(organizer, db.session.get(Event, event))
    db.session.commit()
    organizer_id = organizer.id
    client = file_db_app.test_client()
    _response, chunks = read_stream(client, f"/events/abend/live/stream?audience=public&key={key}")
    first = next_state(chunks)
    assert first is not None and "code" in first[1]["evening"]

    other = create_app(build_test_config(tmp_path / "other", **_same_db(file_db_app)))
    with other.app_context():
        from ideenwerkstatt.accounts.models import User

        actor, target = db.session.get(User, organizer_id), db.session.get(Event, event)
        if how == "revoked":
            evening.revoke_wall_key(actor, target)
        else:
            evening.new_wall_key(actor, target)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    started = time.monotonic()
    rest = drain(chunks)
    assert time.monotonic() - started < 3  # at once (the poll is 0.1 s here), not after 60 s
    assert not any("event: state" in chunk for chunk in rest)  # no state after revoking


def test_a_walls_stream_without_a_change_keeps_running(file_db_app, event):
    """The check does not end a stream whose link is still valid: heartbeats go on."""
    from ideenwerkstatt.events.models import Event
    from ideenwerkstatt.live import services as evening

    from ..factories import make_live_session, make_user

    organizer = make_user(role="organizer")
    make_live_session(db.session.get(Event, event))
    key = evening.new_wall_key(organizer, db.session.get(Event, event))
    db.session.commit()
    started = time.monotonic()
    _response, chunks = read_stream(
        file_db_app.test_client(), f"/events/abend/live/stream?audience=public&key={key}"
    )
    received = drain(chunks)
    assert time.monotonic() - started > 2.5  # its whole lifetime (3 s here)
    assert received.count(": \n\n") >= 3  # heartbeats every 0.5 s, each after a check
