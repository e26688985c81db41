"""Each process's hub: the latest known live version per watched event, and one background
thread that learns of changes made by every process.

How a change reaches a stream held by another process:
- PostgreSQL: `touch` queues `pg_notify('iw_live', 'event:version')` inside the writing
  transaction; the hub's thread holds ONE listening connection per process (not one per
  stream) and wakes the process's streams when a notification arrives.
- Redis (`REDIS_URL` set and the database is not PostgreSQL, or LIVE_FANOUT=redis): after the
  commit the writing process publishes 'event:version' on the channel `iw_live`; the hub's
  thread is subscribed.
- SQLite without Redis: the thread reads the versions of all watched events every
  LIVE_POLL_SECONDS (0.25 s): one indexed query per process, whatever the number of streams.
In the first two modes the thread also reads the versions every LIVE_SAFETY_POLL_SECONDS, so a
notification lost while a connection was re-established is caught up. While Redis cannot be
reached, the Redis mode falls back to the version poll (every LIVE_POLL_SECONDS) and tries
Redis again every few seconds; publishing is skipped meanwhile. Either is logged as a warning
at most once a minute per process, not once per vote.

Streams never hold a database connection: they sleep on the hub's condition variable and
borrow a connection only to render a new state, which is rendered once per version, viewer
class and language in each process (`render_cached`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter, OrderedDict

import psycopg
import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from ..extensions import db
from .models import EventLiveState
from .services import live_state, version_of

log = logging.getLogger(__name__)
CHANNEL = "iw_live"
REDIS_TIMEOUT = 0.5  # seconds to connect (and, publishing, to answer)
REDIS_RETRY_SECONDS = 5.0  # while Redis is down: poll versions, try Redis again after this
WARN_EVERY_SECONDS = 60.0


def fanout_mode(app: Flask) -> str:
    """'postgresql', 'redis' or 'poll' for this app's configuration."""
    configured = app.config.get("LIVE_FANOUT", "auto")
    if configured != "auto":
        return configured
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql"):
        return "postgresql"
    if app.config.get("REDIS_URL"):
        return "redis"
    return "poll"


class Hub:
    def __init__(self, app: Flask):
        self.app = app
        self.mode = fanout_mode(app)
        self.cond = threading.Condition()
        self.versions: dict[int, int] = {}
        self.watched: Counter[int] = Counter()
        self.pid = os.getpid()
        self.thread: threading.Thread | None = None
        self.idle_since = time.monotonic()
        self.stopping = threading.Event()
        self.redis = None
        self.redis_down_until = 0.0
        self.warned_at = float("-inf")
        self.cache: OrderedDict[tuple, tuple[int, bytes, bytes]] = OrderedDict()
        self.render_lock = threading.Lock()
        self.streams = 0
        self.streams_lock = threading.Lock()
        with app.app_context():
            self.engine = db.engine

    # --- streams' side --------------------------------------------------------------------

    def watch(self, event_id: int, version: int) -> None:
        with self.cond:
            self.watched[event_id] += 1
            if version > self.versions.get(event_id, -1):
                self.versions[event_id] = version
        self._ensure_thread()

    def unwatch(self, event_id: int) -> None:
        with self.cond:
            self.watched[event_id] -= 1
            if self.watched[event_id] <= 0:
                del self.watched[event_id]
            if not self.watched:
                self.idle_since = time.monotonic()

    def wait(self, event_id: int, seen: int, timeout: float) -> int:
        """Sleep until the event's version passes `seen`, `timeout` ends or the process shuts
        down; the version."""
        with self.cond:
            self.cond.wait_for(
                lambda: self.versions.get(event_id, 0) > seen or self.stopping.is_set(), timeout
            )
            return self.versions.get(event_id, 0)

    def shutdown(self) -> None:
        """End the streams and the background thread (the worker is exiting)."""
        self.stopping.set()
        with self.cond:
            self.cond.notify_all()

    def try_open_stream(self, limit: int) -> bool:
        with self.streams_lock:
            if self.streams >= limit:
                return False
            self.streams += 1
            return True

    def close_stream(self) -> None:
        with self.streams_lock:
            self.streams -= 1

    # --- changes' side --------------------------------------------------------------------

    def seen(self, event_id: int, version: int) -> None:
        """A version learnt from anywhere: wake the streams if it is new."""
        with self.cond:
            if version > self.versions.get(event_id, -1):
                self.versions[event_id] = version
                self.cond.notify_all()

    def committed(self, pending: dict[int, int]) -> None:
        for event_id, version in pending.items():
            self.seen(event_id, version)
        if self.mode == "redis" and time.monotonic() >= self.redis_down_until:
            try:
                client = self._redis()
                for event_id, version in pending.items():
                    client.publish(CHANNEL, f"{event_id}:{version}")
            except Exception as error:  # the other processes poll; a vote must not fail
                self._redis_failed(error)

    def _redis_failed(self, error: Exception) -> None:
        now = time.monotonic()
        self.redis_down_until = now + REDIS_RETRY_SECONDS
        if now - self.warned_at >= WARN_EVERY_SECONDS:
            self.warned_at = now
            log.warning(
                "live: Redis unreachable (%s): streams fall back to polling the versions every "
                "%s s until it answers (this warning at most once a minute)",
                error,
                self.app.config.get("LIVE_POLL_SECONDS", 0.25),
            )

    # --- rendering, once per version ----------------------------------------------------

    def cached(self, event_id: int, viewer, at_least: int) -> tuple[int, bytes] | None:
        """The rendered state if this process already has one at least as new as
        `at_least`: a stream woken by a change usually finds it here, without the database
        and without the render lock (a dict lookup is atomic)."""
        hit = self.cache.get((event_id, viewer.key))
        return hit[:2] if hit is not None and hit[0] >= at_least else None

    def cached_frame(self, event_id: int, viewer, at_least: int) -> tuple[int, bytes] | None:
        """(version, the whole Server-Sent Events frame as bytes) from the cache, as
        `cached`: the frame is built once per version, not once per stream."""
        hit = self.cache.get((event_id, viewer.key))
        return (hit[0], hit[2]) if hit is not None and hit[0] >= at_least else None

    def render_frame(self, event_id: int, viewer, version: int) -> tuple[int, bytes] | None:
        """(version, SSE frame) at `version` or newer, rendered if this process has none."""
        if self.render_cached(event_id, viewer, version) is None:
            return None
        return self.cached_frame(event_id, viewer, 0)

    def render_cached(
        self, event_id: int, viewer, version: int | None = None
    ) -> tuple[int, bytes] | None:
        """(version, JSON bytes) of the event's live state for this viewer class (in the
        current app context and locale), rendered at most once per version in this process.
        `version`: the current one when the caller has just read it. The caller must hold no
        database connection: the render borrows one under the lock, so a caller waiting for the
        lock with a connection in hand could empty the pool while the lock's holder waits."""
        key = (event_id, viewer.key)
        if version is not None and (hit := self.cached(event_id, viewer, version)):
            return hit
        with self.render_lock:
            if version is not None and (hit := self.cached(event_id, viewer, version)):
                return hit  # another stream rendered it while this one waited for the lock
            if version is None:
                version = version_of(event_id)
            cached = self.cache.get(key)
            if cached is not None and cached[0] == version:
                return cached[:2]
            state = live_state(event_id, viewer)
            if state is None:
                return None
            body = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
            frame = b"id: %d\nevent: state\ndata: %s\n\n" % (state["version"], body)
            self.cache[key] = (state["version"], body, frame)
            self.cache.move_to_end(key)
            while len(self.cache) > 200:
                self.cache.popitem(last=False)
            return state["version"], body

    # --- the background thread --------------------------------------------------------

    def _ensure_thread(self) -> None:
        with self.cond:
            if self.thread is not None or self.stopping.is_set():
                return
            target = {"postgresql": self._listen_postgresql, "redis": self._listen_redis}.get(
                self.mode, self._poll_loop
            )
            self.thread = threading.Thread(target=target, name="live-hub", daemon=True)
            self.thread.start()

    def _done(self) -> bool:
        """Whether the thread should end: the process shuts down, or no stream has watched
        anything for LIVE_HUB_IDLE_SECONDS (its connection is then closed; the next stream
        starts a new thread). Decided under the lock `_ensure_thread` takes, so a stream that
        starts meanwhile either keeps this thread or gets a new one."""
        idle = float(self.app.config.get("LIVE_HUB_IDLE_SECONDS", 60))
        with self.cond:
            if self.stopping.is_set() or (
                not self.watched and time.monotonic() - self.idle_since > idle
            ):
                self.thread = None
                return True
            return False

    def poll_once(self) -> None:
        with self.cond:
            ids = list(self.watched)
        if not ids:
            return
        table = EventLiveState.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.event_id, table.c.version).where(table.c.event_id.in_(ids))
            ).all()
        for event_id, version in rows:
            self.seen(event_id, version)

    def _poll_loop(self) -> None:
        interval = float(self.app.config.get("LIVE_POLL_SECONDS", 0.25))
        while not self._done():
            try:
                self.poll_once()
            except Exception:
                log.exception("live: reading versions failed")
                time.sleep(1)
            self.stopping.wait(interval)

    def _safety_poll(self) -> None:
        try:
            self.poll_once()
        except Exception:
            log.exception("live: reading versions failed")

    def _listen_postgresql(self) -> None:
        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        safety = float(self.app.config.get("LIVE_SAFETY_POLL_SECONDS", 5))
        while not self._done():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._safety_poll()  # what changed while we were not listening
                    while True:
                        if self._done():
                            return
                        for note in conn.notifies(timeout=safety):
                            self._parse(note.payload)
                        self._safety_poll()
            except Exception:
                log.exception("live: the PostgreSQL listener failed; reconnecting")
                self.stopping.wait(1)

    def _redis(self):
        if self.redis is None:
            self.redis = redis.Redis.from_url(
                self.app.config["REDIS_URL"],
                socket_connect_timeout=REDIS_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
            )
        return self.redis

    def _poll_while_redis_is_down(self) -> None:
        """The fallback: the version poll, until it is time to try Redis again."""
        interval = float(self.app.config.get("LIVE_POLL_SECONDS", 0.25))
        while time.monotonic() < self.redis_down_until and not self._done():
            self._safety_poll()
            self.stopping.wait(interval)

    def _listen_redis(self) -> None:
        safety = float(self.app.config.get("LIVE_SAFETY_POLL_SECONDS", 5))
        while not self._done():
            pubsub = None
            try:
                pubsub = self._redis().pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                self.redis_down_until = 0.0
                self._safety_poll()
                last_poll = time.monotonic()
                while True:
                    if self._done():
                        pubsub.close()
                        return
                    message = pubsub.get_message(timeout=safety)
                    if message and message.get("type") == "message":
                        data = message["data"]
                        self._parse(data.decode() if isinstance(data, bytes) else data)
                    if time.monotonic() - last_poll >= safety:
                        self._safety_poll()
                        last_poll = time.monotonic()
            except redis.RedisError as error:
                if pubsub is not None:
                    pubsub.close()
                self._redis_failed(error)
                self._poll_while_redis_is_down()
            except Exception:
                log.exception("live: the Redis subscription failed; reconnecting")
                self.stopping.wait(1)

    def _parse(self, payload: str) -> None:
        try:
            event_id, version = (int(part) for part in payload.split(":", 1))
        except ValueError:
            return
        self.seen(event_id, version)


_hubs: dict[int, Hub] = {}
_hubs_lock = threading.Lock()


def hub_for(app: Flask) -> Hub:
    """This process's hub for `app` (a fresh one after a fork: threads do not survive it)."""
    key = id(app)
    hub = _hubs.get(key)
    if hub is None or hub.pid != os.getpid():
        with _hubs_lock:
            hub = _hubs.get(key)
            if hub is None or hub.pid != os.getpid():
                hub = Hub(app)
                _hubs[key] = hub
    return hub


def shutdown_all() -> None:
    """Wake and end every stream of this process (gunicorn's worker_exit hook)."""
    for hub in list(_hubs.values()):
        if hub.pid == os.getpid():
            hub.shutdown()


def committed(pending: dict[int, int]) -> None:
    """After a commit that touched events: wake this process's streams, publish to Redis."""
    if not has_app_context():
        return
    hub_for(current_app._get_current_object()).committed(pending)
