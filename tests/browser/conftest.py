"""Browser tests: one live server, one SMTP sink and one Chromium per session; a fresh
browser context and page per test, which fails the test on third-party requests, CSP
violations, script errors, broken resources or server errors."""

from __future__ import annotations

import email
import email.policy
import html
import os
import re
import socket
import threading
import time
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, got_request_exception
from playwright.sync_api import sync_playwright
from sqlalchemy.engine import make_url
from werkzeug.serving import WSGIRequestHandler, make_server

from ideenwerkstatt import create_app
from ideenwerkstatt.config import normalize_database_url
from ideenwerkstatt.extensions import db

from ..conftest import FAST_PASSWORD_HASH

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Fail fast: a local page that needs longer than this is a bug, not a slow network.
DEFAULT_TIMEOUT_MS = 5_000


def pytest_collection_modifyitems(items):
    """Everything under tests/browser/ drives Chromium: mark it, so `-m "not browser"` works
    even for a test that forgot its marker."""
    for item in items:
        if "tests/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


# --- database ----------------------------------------------------------------------------


def prepare_database(app: Flask) -> None:
    """Give the live server's empty database its schema the way `make run` does: by running
    the migrations (unit tests use `create_all`; tests/test_migrations.py keeps them equal)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def live_postgres_url(test_database_url: str) -> str:
    """TEST_DATABASE_URL with `_live` appended to the database name: the live server keeps
    its own database, so the other tests' truncation after each test never touches it."""
    url = make_url(normalize_database_url(test_database_url))
    return url.set(database=f"{url.database}_live").render_as_string(hide_password=False)


def reset_postgres_database(url: str) -> None:
    """Create the database when missing (connected to the `postgres` maintenance database),
    then start from an empty public schema."""
    import psycopg

    target = make_url(url).set(drivername="postgresql")
    maintenance = target.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{target.database}"')
    with psycopg.connect(target.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


# --- mail --------------------------------------------------------------------------------


class _MailSink:
    """aiosmtpd handler that keeps every message it receives, in order of arrival."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 OK"


def _free_port() -> int:
    # aiosmtpd's Controller cannot listen on port 0 (it connects to its own port to check
    # that it is up), so ask the OS for a free port first.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    """An SMTP server on 127.0.0.1 that keeps what it receives (see `mailbox`)."""
    controller = Controller(_MailSink(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    controller.stop()


_LINK = re.compile(r"https?://[^\s<>\"'()\[\]]+")


class Mailbox:
    """The mail that arrives at the SMTP sink during one test."""

    def __init__(self, sink: _MailSink):
        self._sink = sink
        with sink.arrived:
            self._first = len(sink.messages)  # mail of earlier tests is not ours
        self._taken: set[int] = set()

    @property
    def messages(self) -> list[EmailMessage]:
        """Everything that arrived since the test began, oldest first."""
        with self._sink.arrived:
            return self._sink.messages[self._first :]

    def wait_for(
        self, to: str, subject_contains: str | None = None, timeout: float = 10
    ) -> EmailMessage:
        """The oldest message to `to` (with `subject_contains` in its subject, ignoring case)
        that this test has not taken yet; waits up to `timeout` seconds, then fails."""
        deadline = time.monotonic() + timeout
        with self._sink.arrived:
            while True:
                for index in range(self._first, len(self._sink.messages)):
                    message = self._sink.messages[index]
                    if index not in self._taken and _is_for(message, to, subject_contains):
                        self._taken.add(index)
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    received = [
                        f"{m['To']}: {m['Subject']}" for m in self._sink.messages[self._first :]
                    ]
                    pytest.fail(
                        f"no mail to {to!r} with subject containing {subject_contains!r} "
                        f"within {timeout}s; received: {received or 'nothing'}"
                    )
                self._sink.arrived.wait(remaining)

    @staticmethod
    def links_in(message: EmailMessage) -> list[str]:
        """Every http(s) link in the message (text parts first, then HTML hrefs), in order,
        without duplicates."""
        links: list[str] = []
        parts = [p for p in message.walk() if p.get_content_maintype() == "text"]
        parts.sort(key=lambda p: p.get_content_subtype() == "html")
        for part in parts:
            text = part.get_content()
            if part.get_content_subtype() == "html":
                text = " ".join(html.unescape(h) for h in re.findall(r'href="([^"]+)"', text))
            links.extend(link.rstrip(".,;:!?") for link in _LINK.findall(text))
        return list(dict.fromkeys(links))


def _is_for(message: EmailMessage, to: str, subject_contains: str | None) -> bool:
    recipients = f"{message['To']} {message['X-Envelope-To']}".lower()
    if to.lower() not in recipients:
        return False
    return subject_contains is None or subject_contains.lower() in str(message["Subject"]).lower()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    """`mailbox.wait_for(to=..., subject_contains=...)` and `mailbox.links_in(message)`."""
    return Mailbox(smtp_server.handler)


# --- live server -------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    # Keep-alive: a page and its stylesheet, script and fonts share one connection.
    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs):  # one line per request is noise in test output
        pass


class LiveServer:
    """The app served over HTTP in a background thread."""

    def __init__(self, app: Flask, url: str):
        self.app = app
        self.url = url
        self.host = urlsplit(url).netloc
        self.errors: list[BaseException] = []

    def __call__(self, path: str = "/") -> str:
        """The absolute URL of a path on the live server."""
        return self.url + path

    def take_errors(self) -> list[BaseException]:
        errors, self.errors = self.errors, []
        return errors


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_server):
    """The real app (real CSRF, mail delivered to the SMTP sink) on a file database: SQLite,
    or PostgreSQL `<TEST_DATABASE_URL>_live` when TEST_DATABASE_URL is set."""
    root = tmp_path_factory.mktemp("live")
    if TEST_DATABASE_URL:
        database_url = live_postgres_url(TEST_DATABASE_URL)
        reset_postgres_database(database_url)
    else:
        database_url = f"sqlite:///{root / 'live.db'}"
    app = create_app(
        {
            "TESTING": False,
            "INSTANCE_PATH": root / "instance",
            "SECRET_KEY": "live-server-secret-key-0123456789-0123456789",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
            "FORM_MIN_FILL_SECONDS": 0,
            "MAIL_DELIVER_AFTER_COMMIT": "sync",
            "SMTP_HOST": smtp_server.hostname,
            "SMTP_PORT": smtp_server.port,
            "SMTP_SECURITY": "none",
            "MAIL_FROM": "Ideenwerkstatt <no-reply@ideenwerkstatt.test>",
        }
    )
    prepare_database(app)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    live = LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    # Links in mail must lead back to this server; the port is known only now.
    app.config["BASE_URL"] = live.url

    def record(_sender, exception, **_extra):
        live.errors.append(exception)

    got_request_exception.connect(record, app)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield live
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    got_request_exception.disconnect(record, app)
    with app.app_context():
        db.engine.dispose()


# --- browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


class PageWatch:
    """What a browser context did that a test should never see."""

    def __init__(self, live: LiveServer):
        self.live = live
        self.third_party: list[str] = []
        self.broken: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []

    def on_request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.scheme not in ("http", "https") or parts.netloc != self.live.host:
            self.third_party.append(f"{request.method} {request.url}")

    def on_response(self, response):
        # The document's own status belongs to the test (a 404 page is fine); a missing
        # stylesheet, script or font is always a bug. A script's fetch may get a 4xx answer
        # on purpose (a refused vote is a 409 with a message), so that is the test's too.
        by_script = response.request.resource_type in ("fetch", "xhr")
        floor = 500 if by_script else 400
        if response.status >= floor and response.request.resource_type != "document":
            self.broken.append(f"{response.status} {response.url}")

    def on_console(self, message):
        # CSP violations are reported only on the console.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.console_errors.append(message.text)

    def on_page_error(self, error):
        self.page_errors.append(str(error))

    def problems(self) -> list[str]:
        found = []
        if self.third_party:
            found.append(f"third-party requests: {self.third_party}")
        if self.broken:
            found.append(f"failed resources: {self.broken}")
        if self.console_errors:
            found.append(f"CSP violations: {self.console_errors}")
        if self.page_errors:
            found.append(f"JavaScript errors: {self.page_errors}")
        errors = self.live.take_errors()
        if errors:
            found.append(f"server errors: {[repr(e) for e in errors]}")
        return found


@pytest.fixture
def new_page(browser, live_server):
    """A factory: `new_page(**context_options)` opens a page in a fresh browser context
    (its own cookies), German by default, addressed relative to the live server
    (`page.goto("/privacy")`). Several per test are fine: two people, two contexts."""
    opened = []
    live_server.take_errors()  # a previous test's leftovers are reported there, not here

    def open_page(**options):
        options.setdefault("base_url", live_server.url)
        options.setdefault("locale", "de-DE")
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        watch = PageWatch(live_server)
        context.on("request", watch.on_request)
        context.on("response", watch.on_response)
        page = context.new_page()
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        opened.append((context, watch))
        return page

    yield open_page

    problems = []
    for context, watch in opened:
        context.close()
        problems.extend(watch.problems())
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture
def page(new_page):
    """A Chromium page with JavaScript, German, 1280x720."""
    return new_page()


@pytest.fixture
def page_nojs(new_page):
    """A Chromium page with JavaScript switched off: everything must still work."""
    return new_page(java_script_enabled=False)
