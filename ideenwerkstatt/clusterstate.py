"""Cluster-wide generation numbers in Redis: how every app server learns at its next request
that some server wrote.

Without REDIS_URL nothing here is active: the page cache (pagecache.py) and the count cache
(ideas/counts.py) are per process and emptied by that process's own writes, as before.

With REDIS_URL (and a cache switched on) two counters live in Redis:
- `<REDIS_KEY_PREFIX>:gen:pages`: one more after every committed transaction that wrote
  anything;
- `<REDIS_KEY_PREFIX>:gen:ideas`: one more after every committed transaction that inserted,
  deleted or updated ideas other than their vote count (what can change a list's total).
A request reads both with one MGET (the first time a cache asks, then kept on `g`), and each
cache files its entries under the generation it read: an entry made before the write is
never found after it, on any server. The entries themselves stay in each process's memory
(a page is 20-60 KB; moving it through Redis would cost more than the hit saves), so Redis
carries two integers, one INCR per write and one MGET per cached request.

Order: the generation is read before the request reads the database, and raised only after
the write committed, so a page rendered from old data is filed under the old generation.

Redis unreachable: the caches are bypassed (every request renders from the database, still
correct), a warning is logged at most once a minute per process, and Redis is not asked again
for RETRY_SECONDS, so an outage costs a failed connection once a second, not once a request.
A raise that failed is retried at the next successful contact.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event

from .extensions import db

log = logging.getLogger(__name__)

PAGES = "pages"
IDEAS = "ideas"
KINDS = (PAGES, IDEAS)
RETRY_SECONDS = 1.0
WARN_EVERY_SECONDS = 60.0
SOCKET_TIMEOUT = 0.5  # seconds; a Redis that hangs must not hang the page for long

_READS = ("SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SHOW")
_IDEA_WRITES = ("INSERT INTO IDEA ", "DELETE FROM IDEA ", "UPDATE IDEA ")
# The mail outbox is on no public page: the delivery workers' bookkeeping empties no cache.
_UNSEEN_WRITES = (
    "INSERT INTO OUTBOX_MESSAGE ",
    "UPDATE OUTBOX_MESSAGE ",
    "DELETE FROM OUTBOX_MESSAGE ",
)
_VOTE_COUNT_UPDATE = "UPDATE IDEA SET VOTE_COUNT"


def write_kinds(statement: str) -> frozenset[str]:
    """Which generations a statement may change: none for reads and the outbox, PAGES for
    any other write, and IDEAS too for a write to ideas other than the vote-count update."""
    head = statement.lstrip()[:40].upper()
    if head.startswith(_READS) or head.startswith(_UNSEEN_WRITES):
        return frozenset()
    if head.startswith(_IDEA_WRITES) and not head.startswith(_VOTE_COUNT_UPDATE):
        return frozenset(KINDS)
    return frozenset((PAGES,))


class Generations:
    """The two counters of one Redis, with the outage handling described above."""

    def __init__(self, url: str, prefix: str):
        self.client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
        )
        self.keys = {kind: f"{prefix}:gen:{kind}" for kind in KINDS}
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.warned_at = float("-inf")
        self.owed: set[str] = set()  # raises that failed while Redis was down

    def _failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until = now + RETRY_SECONDS
            warn = now - self.warned_at >= WARN_EVERY_SECONDS
            if warn:
                self.warned_at = now
        if warn:
            log.warning(
                "Redis unreachable (%s): page and count caches bypassed until it answers "
                "(this warning at most once a minute)",
                error,
            )

    def _available(self) -> bool:
        return time.monotonic() >= self.down_until

    def read(self) -> dict[str, int] | None:
        """{kind: generation}, or None while Redis cannot be reached."""
        if not self._available():
            return None
        try:
            if self.owed:
                self._raise(set(self.owed))
            values = self.client.mget([self.keys[kind] for kind in KINDS])
        except redis.RedisError as error:
            self._failed(error)
            return None
        return {kind: int(value or 0) for kind, value in zip(KINDS, values, strict=True)}

    def _raise(self, kinds: set[str]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for kind in sorted(kinds):
            pipe.incr(self.keys[kind])
        pipe.execute()
        with self.lock:
            self.owed -= kinds

    def bump(self, kinds: set[str]) -> None:
        """Raise the generations after a committed write (never raises itself)."""
        with self.lock:
            self.owed |= kinds
        if not self._available():
            return
        try:
            self._raise(set(self.owed))
        except redis.RedisError as error:
            self._failed(error)


# Writes this thread's transaction made so far, per engine: raised after its commit.
_pending = threading.local()


def _on_statement(_conn, _cursor, statement, *_args) -> None:
    kinds = write_kinds(statement)
    if kinds:
        current = getattr(_pending, "kinds", None)
        _pending.kinds = kinds if current is None else current | kinds


def _after_commit(session) -> None:
    if session.in_nested_transaction():
        return  # releasing a SAVEPOINT: nothing is committed yet
    kinds = getattr(_pending, "kinds", None)
    _pending.kinds = None
    if not kinds or not has_app_context():
        return
    generations = current_app.extensions.get("cluster_generations")
    if generations is not None:
        generations.bump(set(kinds))


def _after_soft_rollback(_session, previous_transaction) -> None:
    if previous_transaction.nested:
        return
    _pending.kinds = None


def generation(kind: str) -> int | None:
    """The cluster's generation of `kind` for this request: 0 without Redis (the caches are
    per process), None when Redis is configured but unreachable (bypass the cache)."""
    generations = current_app.extensions.get("cluster_generations")
    if generations is None:
        return 0
    read = g.get("cluster_generations", False)
    if read is False:
        read = g.cluster_generations = generations.read()
    return None if read is None else read[kind]


def init_app(app: Flask) -> None:
    """Turn the shared generations on when REDIS_URL is set and a cache is on."""
    url = app.config.get("REDIS_URL")
    caching = any(
        float(app.config.get(name, 0) or 0) > 0
        for name in ("PAGE_CACHE_SECONDS", "IDEA_COUNT_CACHE_SECONDS")
    )
    if not url or not caching:
        return
    app.extensions["cluster_generations"] = Generations(url, app.config["REDIS_KEY_PREFIX"])
    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", _on_statement)
    if not getattr(db, "_iw_generations_hooked", False):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_soft_rollback)
        db._iw_generations_hooked = True

    def _forget_generations():
        g.pop("cluster_generations", None)  # read afresh by each request

    app.before_request_funcs.setdefault(None, []).insert(0, _forget_generations)
