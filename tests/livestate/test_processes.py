"""Two server processes on one database: a vote handled by one reaches a stream held by the
other (on SQLite through the version poll, on PostgreSQL through LISTEN/NOTIFY). The servers
are real `ideenwerkstatt serve` processes (gunicorn, gthread)."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer

from ideenwerkstatt.accounts.services import start_login_session
from ideenwerkstatt.extensions import db

from ..factories import make_event, make_idea, make_theme, make_user

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app, tmp_path, name: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path / name),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "RATELIMIT_ENABLED": "0",
        "MAIL_DELIVER_AFTER_COMMIT": "off",
        "LIVE_MIN_INTERVAL_SECONDS": "0.05",
    }
    proc = subprocess.Popen(
        [str(BIN / "ideenwerkstatt"), "serve", "--port", str(port), "--workers", "1"]
        + ["--threads", "8"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/", timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    stop(proc)
    pytest.fail(f"server {name} did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)  # quick shutdown: streams need no grace
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture
def servers(file_db_app, tmp_path):
    started = []
    try:
        for name in ("a", "b"):
            started.append(start_server(file_db_app, tmp_path, name))
        yield [base for _proc, base in started]
    finally:
        for proc, _base in started:
            stop(proc)


def signed_in_cookies(app, user) -> tuple[dict, str]:
    """A session cookie for `user` and a CSRF token, made the way the app makes them."""
    token = start_login_session(user)
    db.session.commit()
    raw_csrf = hashlib.sha1(os.urandom(32)).hexdigest()  # noqa: S324 (Flask-WTF's own format)
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": token, "_fresh": True, "csrf_token": raw_csrf})
    csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw_csrf)
    return {app.config["SESSION_COOKIE_NAME"]: cookie}, csrf


def stream_states(url: str, states: queue.Queue, stop_event: threading.Event) -> None:
    """Put each state the stream sends into `states`; ends quietly when the server stops."""
    try:
        with httpx.stream("GET", url, timeout=httpx.Timeout(10, read=30)) as response:
            if response.status_code != 200:
                states.put((time.monotonic(), {"status": response.status_code}))
                return
            data = None
            for line in response.iter_lines():
                if line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and data is not None:
                    states.put((time.monotonic(), data))
                    data = None
                if stop_event.is_set():
                    return
    except httpx.HTTPError:
        if not stop_event.is_set():
            raise


def test_a_vote_on_one_process_reaches_a_stream_on_the_other(file_db_app, servers):
    theme = make_theme()
    event = make_event(phase="voting", themes=[theme], slug="zwei-prozesse")
    idea = make_idea(theme=theme, event=event, title="Sitzbänke am Markt")
    idea_id = idea.id
    cookies, csrf = signed_in_cookies(file_db_app, make_user())
    server_a, server_b = servers

    states: queue.Queue = queue.Queue()
    stop_event = threading.Event()
    reader = threading.Thread(
        target=stream_states,
        args=(f"{server_b}/events/zwei-prozesse/live/stream", states, stop_event),
        daemon=True,
    )
    reader.start()
    try:
        _at, first = states.get(timeout=15)
    except queue.Empty:
        stop_event.set()
        raise
    assert first["themes"][0]["ideas"][0]["count"] == 0

    with httpx.Client(base_url=server_a, cookies=cookies) as client:
        response = client.post(
            f"/ideas/{idea_id}/vote",
            headers={"Accept": "application/json", "X-CSRFToken": csrf},
        )
    answered = time.monotonic()
    assert response.status_code == 200, response.text
    assert response.json()["vote_count"] == 1

    try:
        arrived, state = states.get(timeout=5)
    finally:
        stop_event.set()
    assert state["version"] > first["version"]
    assert state["themes"][0]["ideas"][0]["count"] == 1
    assert arrived - answered < 2.0  # within a second in practice; margin for a busy machine
