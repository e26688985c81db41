"""A few seconds' memory of how many ideas match a list filter, per app process.

Counting is the one part of a list page that grows with the data: at 30,000 ideas the count
reads the whole index (and for a search, every row), while the page itself reads 20 rows.
Visitors page through the same filter, so the count is kept for IDEA_COUNT_CACHE_SECONDS
(0 turns this off). Any INSERT, DELETE or UPDATE of ideas run by this process empties it at
once, except the vote-count updates (they never change how many ideas match), and so does a
rollback; changes made by other processes show after at most those seconds. With REDIS_URL
set, the key also holds the cluster's idea generation (clusterstate.py), raised after such a
write on any server, so a change shows everywhere at the next request; while Redis cannot be
reached, every count is made afresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from flask import current_app
from sqlalchemy import event

from ..clusterstate import IDEAS, generation
from ..extensions import db

MAX_ENTRIES = 2000  # searches make many keys; past this the memory simply starts over

_WRITES = ("INSERT INTO IDEA ", "DELETE FROM IDEA ", "UPDATE IDEA ")
_VOTE_COUNT_UPDATE = "UPDATE IDEA SET VOTE_COUNT"


class CountCache:
    """Counts by filter key, each valid until its deadline (time.monotonic())."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.entries: dict[Hashable, tuple[float, int]] = {}
        self.lock = threading.Lock()

    def get(self, key: Hashable, count: Callable[[], int]) -> int:
        now = time.monotonic()
        hit = self.entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = count()
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
            self.entries[key] = (now + self.seconds, value)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def on_statement(self, _conn, _cursor, statement, *_args) -> None:
        """Engine hook: a statement that may change which ideas exist empties the memory."""
        head = statement.lstrip()[:40].upper()
        if head.startswith(_WRITES) and not head.startswith(_VOTE_COUNT_UPDATE):
            self.clear()


def cached_count(key: Hashable, count: Callable[[], int]) -> int:
    """`count()`, or the value it gave for the same key within the last few seconds."""
    app = current_app._get_current_object()
    cache = app.extensions.get("idea_count_cache")
    if cache is None:
        seconds = float(app.config.get("IDEA_COUNT_CACHE_SECONDS", 0) or 0)
        if seconds <= 0:
            return count()
        cache = CountCache(seconds)
        event.listen(db.engine, "after_cursor_execute", cache.on_statement)
        # A count taken inside a transaction that is then rolled back may describe rows that
        # never were (a search sees an edit before its commit): forget it.
        event.listen(db.engine, "rollback", lambda _conn: cache.clear())
        app.extensions["idea_count_cache"] = cache
    cluster = generation(IDEAS)
    if cluster is None:
        return count()  # Redis unreachable: another server's write could not be seen
    return cache.get((cluster, key), count)
