"""A second or two of memory of whole public pages, for visitors without a cookie.

A list page costs 5-8 ms of Python (queries, twenty idea cards in Jinja, the filter form);
a visitor without a session sees exactly what every other such visitor of the same language
sees, so for PAGE_CACHE_SECONDS (0 turns this off) each app process answers the same URL from
memory. Only:
- GET requests without any cookie (no session: no user, no flashed message, no language
  switch; the one cookie this app sets is the session) and without Authorization;
- the public pages in CACHED_ENDPOINTS, answered 200 without setting a cookie;
- by URL (host, path and query string) and the language Accept-Language picks.
Any INSERT, UPDATE or DELETE this process runs empties the memory at once (a vote, a new
idea, a moderator's decision); what other processes write shows after at most those
seconds. With REDIS_URL set, every key also holds the cluster's page generation
(clusterstate.py), raised after each committed write on any server: what any process
writes shows at the next request everywhere, and while Redis cannot be reached nothing is
remembered or answered from memory. Signed-in people never get a remembered page.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, g, request, session
from sqlalchemy import event

from .clusterstate import PAGES, generation
from .extensions import db
from .i18n import browser_locale

CACHED_ENDPOINTS = frozenset(
    {
        "pages.index",
        "ideas.index",
        "ideas.detail",
        "themes.detail",
        "events.index",
        "events.detail",
    }
)
MAX_ENTRIES = 500  # each about 20-60 KB; past this the memory simply starts over
_READS = ("SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SHOW")


class PageCache:
    """Answers by key, each valid until its deadline (time.monotonic())."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.entries: dict[tuple, tuple[float, int, list, bytes]] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple):
        hit = self.entries.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit
        return None

    def put(self, key: tuple, status: int, headers: list, body: bytes) -> None:
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
            self.entries[key] = (time.monotonic() + self.seconds, status, headers, body)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def on_statement(self, _conn, _cursor, statement, *_args) -> None:
        """Engine hook: anything but a read may change a page."""
        if self.entries and not statement.lstrip()[:9].upper().startswith(_READS):
            self.clear()


def _key() -> tuple | None:
    """The request's key, or None when its answer must not come from (or go to) memory."""
    if (
        request.method != "GET"
        or request.endpoint not in CACHED_ENDPOINTS
        or request.cookies
        or "Authorization" in request.headers
    ):
        return None
    cluster = generation(PAGES)
    if cluster is None:
        return None  # Redis unreachable: another server's write could not be seen
    return (cluster, request.host, request.full_path, browser_locale())


def init_app(app: Flask) -> None:
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return
    cache = PageCache(seconds)
    app.extensions["page_cache"] = cache
    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", cache.on_statement)

    def _answer_from_memory():
        key = g.page_cache_key = _key()  # once per request; _remember reads it back
        if key is None:
            return None
        hit = cache.get(key)
        if hit is None:
            return None
        _deadline, status, headers, body = hit
        return app.response_class(body, status=status, headers=headers)

    def _remember(response):
        # An empty session sets no cookie; a page that made a CSRF token, say, is not kept.
        if (
            response.status_code == 200
            and not response.direct_passthrough
            and not session
            and "Set-Cookie" not in response.headers
        ):
            key = g.get("page_cache_key")
            if key is not None:
                cache.put(key, 200, list(response.headers.items()), response.get_data())
        return response

    # First of the before_request functions, so that a remembered page costs no other work;
    # last of the after_request functions (they run in reverse), so that it keeps the
    # headers the others set (they run again on a remembered page and find them there).
    app.before_request_funcs.setdefault(None, []).insert(0, _answer_from_memory)
    app.after_request_funcs.setdefault(None, []).insert(0, _remember)
