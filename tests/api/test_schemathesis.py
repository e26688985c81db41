"""The running API against its own OpenAPI document, with schemathesis (`--checks all`):
every operation with generated valid and invalid parameters, unsupported methods, missing
and malformed values; no answer may contradict the document or be a server error.

The app runs in a Werkzeug server on a free port in a thread (on the test database:
SQLite in a file, or PostgreSQL), seeded with a little of everything the API shows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from ideenwerkstatt.extensions import db
from ideenwerkstatt.summaries import services as summaries
from tests.factories import make_event, make_idea, make_theme, make_user, make_vote

# Examples per operation and phase (examples, coverage, fuzzing, stateful): enough to find
# what the coverage phase misses, few enough for a suite that runs twice (SQLite and
# PostgreSQL): about 1,000 requests in 15-20 s.
MAX_EXAMPLES = 50
TIMEOUT = 300  # seconds: a hung run fails instead of blocking the suite


def _seed() -> None:
    mobility = make_theme(slug="mobilitaet", name_de="Mobilität", position=1)
    school = make_theme(slug="bildung", name_de="Bildung", position=2)
    open_event = make_event(slug="offen", title="Offene Werkstatt", themes=[mobility])
    closed = make_event(
        slug="vorbei", title="Vorbei", phase="closed", themes=[mobility, school], starts_in_days=-5
    )
    make_event(slug="entwurf", title="Entwurf", phase="draft")
    voters = [make_user() for _ in range(3)]
    author = make_user(display_name="Kiezgärtnerin")
    for n in range(12):
        idea = make_idea(
            theme=mobility if n % 2 else school,
            event=closed if n < 6 else (open_event if n < 9 else None),
            title=f"Idee {n}: Radweg „{n}“ =?utf-8?q?x?=",
            author=author,
        )
        for voter in voters[: n % 4]:
            make_vote(idea, voter)
    make_idea(title="Wartend", status="pending")
    moderator = make_user(role="moderator")
    summary = summaries.start_summary(closed, moderator)
    summaries.save_texts(summary, None, "Siehe [Protokoll](/p.pdf).", "**Danke!**", {})
    summaries.publish_summary(summary, None)
    db.session.commit()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *_args, **_kwargs):  # thousands of requests: no log lines
        pass


@pytest.fixture
def live_api(file_db_app):
    """The API served on 127.0.0.1 on a free port; yields its base URL."""
    _seed()
    server = make_server("127.0.0.1", 0, file_db_app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v1"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_the_api_keeps_its_openapi_contract(live_api, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{live_api}/openapi.json",
            "--url",
            live_api,
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "11",
            "--workers",
            "1",
            "--report-dir",
            str(tmp_path),
            "--wait-for-schema",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
