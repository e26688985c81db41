"""`make run PORT=…`: the server and the mail worker start together, mailed links carry the
port the server listens on, and one Ctrl-C ends both.

The first test runs the Makefile's own `run` recipe (database upgrade, demo data, server with
worker) in a throwaway instance folder, registers through HTTP and reads the mail the worker
wrote; the others check the configuration path on its own."""

from __future__ import annotations

import email
import email.policy
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ideenwerkstatt.config import build_config, default_base_url

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
MAIL_TIMEOUT = 30.0
STOP_TIMEOUT = 40.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run ended early ({process.returncode}):\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listens on {port} after {START_TIMEOUT} s:\n{log.read_text()}")


def hidden_inputs(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def newest_mail(mail_dir: Path, timeout: float) -> email.message.EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(mail_dir.glob("*.eml")) if mail_dir.is_dir() else []
        if files:
            return email.message_from_bytes(files[-1].read_bytes(), policy=email.policy.default)
        time.sleep(0.3)
    pytest.fail(f"no mail in {mail_dir} after {timeout} s: the worker did not deliver")


@pytest.fixture
def make_run(tmp_path):
    """`make run PORT=<free port>` as a newcomer types it, in its own process group (as a
    terminal runs it), on a fresh SQLite instance folder; the venv that runs the tests stands
    in for .venv (BIN, and a STAMP newer than pyproject.toml so `install` has nothing to do)."""
    port = free_port()
    stamp = tmp_path / "installed"
    stamp.touch()
    log = tmp_path / "make-run.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("BASE_URL", "DATABASE_URL", "HOST", "PORT", "MAKEFLAGS", "MFLAGS")
    }
    # Only the worker delivers: no delivery attempt right after the commit.
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), MAIL_DELIVER_AFTER_COMMIT="off")
    env["PYTHONUNBUFFERED"] = "1"
    command = [
        "make",
        "--no-print-directory",
        "run",
        f"PORT={port}",
        f"BIN={Path(sys.executable).parent}",
        f"STAMP={stamp}",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_serving(port, process, log)
        yield port, process, log, tmp_path / "instance"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_run_mails_links_with_its_port_and_one_ctrl_c_ends_server_and_worker(make_run):
    port, process, log, instance = make_run
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{base}/account/register", timeout=10) as response:
        form = hidden_inputs(response.read().decode())
    assert "csrf_token" in form
    time.sleep(3.2)  # the registration form's minimum fill time (spam defence)
    form.update(
        email="neu@example.org",
        password="Ein langes Passwort für Musterstadt 42",
        password_repeat="Ein langes Passwort für Musterstadt 42",
        consent_participation="y",
    )
    data = urllib.parse.urlencode(form).encode()
    with opener.open(f"{base}/account/register", data=data, timeout=20) as response:
        assert response.status == 200
        assert response.url.endswith("/check-inbox")  # accepted

    message = newest_mail(instance / "mail", MAIL_TIMEOUT)
    assert message["To"] == "neu@example.org"
    text = message.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(r"https?://[^\s<>\"]+", text)
    assert links, text
    for link in links:
        assert urllib.parse.urlsplit(link).port == port, link
    confirm = next(link for link in links if "/account/confirm/" in link)
    with opener.open(confirm, timeout=10) as response:
        assert response.status == 200  # the link leads to the server that sent it

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"make run still running {STOP_TIMEOUT} s after Ctrl-C:\n{log.read_text()}")
    output = log.read_text()
    assert "mail: worker" in output and "started" in output
    assert "mail: worker stopped" in output
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "5101"}, "http://127.0.0.1:5101"),
        ({"HOST": "localhost", "PORT": "8080"}, "http://localhost:8080"),
        ({"HOST": "0.0.0.0", "PORT": "5101"}, "http://127.0.0.1:5101"),  # noqa: S104
        ({"HOST": "::1", "PORT": "5101"}, "http://[::1]:5101"),
        ({"PORT": "5101", "BASE_URL": "https://ideen.example.de/"}, "https://ideen.example.de"),
    ],
)
def test_base_url_follows_host_and_port_unless_set(monkeypatch, tmp_path, environ, expected):
    for name in ("HOST", "PORT", "BASE_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert build_config(tmp_path)["BASE_URL"] == expected
    if "BASE_URL" not in environ:
        assert default_base_url() == expected


def test_run_command_sets_host_and_port_before_the_app_is_built(monkeypatch, tmp_path):
    """`ideenwerkstatt run --port N` without PORT in the environment: the app it serves
    already has BASE_URL on port N (the server itself is not started here)."""
    from ideenwerkstatt import cli

    for name in ("HOST", "PORT", "BASE_URL"):
        monkeypatch.setenv(name, "")  # so that the test's end restores what was there before
        monkeypatch.delenv(name)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'run.db'}")
    served = {}

    def fake_run_simple(host, port, app, **options):
        served.update(host=host, port=port, base_url=app.config["BASE_URL"])

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    result = cli.main.main(
        ["run", "--port", "5123", "--no-worker"], prog_name="ideenwerkstatt", standalone_mode=False
    )
    assert result is None
    assert served == {"host": "127.0.0.1", "port": 5123, "base_url": "http://127.0.0.1:5123"}
