"""A cluster on this machine: nginx in front of app servers, on a throwaway PostgreSQL database
and the machine's Redis, the way deploy/ runs it on several machines.

- nginx runs the site of deploy/nginx/ideenwerkstatt.conf itself, with its upstream, listen
  address and static path swapped for loopback ports and this checkout (`render_site`; it
  fails when the file's shape changes so that a swap would miss), under its own temporary
  prefix (no root paths, no fixed port), and adds an `X-Upstream` header naming the app
  server that answered.
- each app server is `ideenwerkstatt serve` on a free loopback port with its own instance
  folder, as on its own machine; they share SECRET_KEY, DATABASE_URL, REDIS_URL and trust
  nginx's forwarded headers (TRUSTED_PROXIES=127.0.0.1).
- the database `iw_cluster_test_<random>` is made with CREATE DATABASE and migrated with
  `ideenwerkstatt db upgrade`; Redis is the database number in CLUSTER_REDIS_URL
  (redis://127.0.0.1:6379/5), emptied before and after.

Everything started is stopped, and the database dropped, by `Cluster.stop()` (also when
starting failed half-way). Used by tests/cluster (`make test-cluster`) and
benchmarks/cluster.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "ideenwerkstatt.conf"
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("CLUSTER_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/5")
SECRET_KEY = "cluster-test-secret-key-0123456789-0123456789-0123456789"
STATIC_PLACEHOLDER = "/srv/ideenwerkstatt/static/"
MIME_TYPES = Path("/etc/nginx/mime.types")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


# --- nginx's configuration ----------------------------------------------------------------


def _block(text: str, header: str, start: int = 0) -> tuple[int, int]:
    """Start and end (after the closing brace) of the first block opened by `header`."""
    match = re.compile(header, re.MULTILINE).search(text, start)
    if match is None:
        raise ValueError(f"{SITE.name}: no block matching {header!r}")
    depth, i = 0, text.index("{", match.start())
    while True:
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return match.start(), i + 1
        i += 1


def _sub(pattern: str, replacement: str, text: str, count: int | None = None) -> str:
    """re.sub over lines that must be there: a deploy file that no longer has them fails here
    rather than serving a configuration the test never meant."""
    new, found = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if not found or (count is not None and found != count):
        raise ValueError(f"{SITE.name}: expected {count or 'some'} line(s) matching {pattern!r}")
    return new


def render_site(site: str, upstreams: list[str], port: int, static_root: Path) -> str:
    """The deploy site with loopback upstreams, a loopback listener without TLS, this
    checkout's static files, no port-80 redirect block, and the X-Upstream header."""
    start, end = _block(site, r"^upstream ideenwerkstatt\s*\{")
    upstream = _sub(r"^\s*server \S+;\n|^\s*server \S+ .*;\n", "", site[start:end])
    lines = "".join(f"    server {addr} max_fails=1 fail_timeout=10s;\n" for addr in upstreams)
    upstream = _sub(r"^(\s*keepalive \d+;)", lines + r"\1", upstream, count=1)
    site = site[:start] + upstream + site[end:]
    # The plain-http server only redirects to https: not needed on loopback.
    start, end = _block(site, r"^server\s*\{")
    if "return 301" not in site[start:end]:
        raise ValueError(f"{SITE.name}: the first server block is not the https redirect")
    site = site[:start] + site[end:]
    site = _sub(r"^\s*listen 443 ssl.*;\n", "", site, count=1)
    site = _sub(r"^(\s*)listen \[::\]:443 ssl.*;\n", rf"\1listen 127.0.0.1:{port};\n", site, 1)
    site = _sub(r"^\s*ssl_\w+ .*;\n", "", site)
    site = _sub(rf"^(\s*alias ){re.escape(STATIC_PLACEHOLDER)};", rf"\g<1>{static_root}/;", site, 1)
    return _sub(
        r"^(\s*server_name .*;\n)",
        r"\1    add_header X-Upstream $upstream_addr always;\n",
        site,
        count=1,
    )


def nginx_conf(prefix: Path, site: str) -> str:
    temp = "\n".join(
        f"    {name}_temp_path {prefix / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""\
# Generated by tests/cluster/harness.py from {SITE.relative_to(ROOT)}.
worker_processes 2;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{
    worker_connections 8192;
}}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
{temp}
{site}
}}
"""


# --- processes ----------------------------------------------------------------------------


def stop_group(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, wait: float = 20) -> None:
    """Stop a process started in its own group, and its children (gunicorn's workers)."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def wait_until(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process ended ({proc.returncode}); see {log}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s; see {log}")


@dataclass
class AppServer:
    name: str
    port: int
    env: dict
    workers: int
    threads: int
    log: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def instance(self) -> Path:
        """This server's own instance folder (its mail files, as on its own machine)."""
        return Path(self.env["INSTANCE_PATH"])

    def start(self) -> None:
        command = [str(BIN / "ideenwerkstatt"), "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        command += ["--threads", str(self.threads)]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self) -> None:
        wait_until(self.url + "/healthz", self.proc, self.log)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop_group(self.proc, sig)

    def signal(self, sig: int) -> None:
        """Send `sig` to the server and its workers (SIGKILL: all die at once)."""
        os.killpg(self.proc.pid, sig)


@dataclass
class Cluster:
    workdir: Path
    servers: int = 2
    workers: int = 2
    threads: int = 64
    extra_env: dict = field(default_factory=dict)
    redis_url: str = REDIS_URL
    database: str = ""
    database_url: str = ""
    nginx_port: int = 0
    nginx: subprocess.Popen | None = None
    nginx_prefix: Path | None = None
    apps: list[AppServer] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def env(self, instance: Path) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SMTP_", "RATELIMIT_", "LIVE_", "PAGE_CACHE", "IDEA_COUNT"))
            and key not in ("BASE_URL", "HOST", "PORT", "WEB_CONCURRENCY", "MAIL_FROM")
        }
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY=SECRET_KEY,
            INSTANCE_PATH=str(instance),
            BASE_URL=self.url,
            TRUSTED_PROXIES="127.0.0.1",
            MAIL_DELIVER_AFTER_COMMIT="off",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    # --- start and stop -------------------------------------------------------------------

    def start(self) -> Cluster:
        try:
            self._flush_redis()
            self._create_database()
            self.nginx_port = free_port()
            for n in range(self.servers):
                name = "AB"[n] if self.servers <= 2 else f"S{n + 1}"
                instance = self.workdir / f"instance-{name}"
                instance.mkdir(parents=True, exist_ok=True)
                server = AppServer(
                    name,
                    free_port(),
                    self.env(instance),
                    self.workers,
                    self.threads,
                    self.workdir / f"server-{name}.log",
                )
                self.apps.append(server)
                server.start()
            for server in self.apps:
                server.wait_ready()
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_group(self.nginx, signal.SIGQUIT, wait=10)
        if self.nginx_prefix is not None:
            # Kept beside the servers' logs for a look after a failed run.
            shutil.copytree(
                self.nginx_prefix,
                self.workdir / "nginx",
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(
                    "*_temp", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"
                ),
            )
            shutil.rmtree(self.nginx_prefix, ignore_errors=True)
            self.nginx_prefix = None
        for server in self.apps:
            server.stop()
        self._drop_database()
        self._flush_redis()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _create_database(self) -> None:
        import psycopg

        self.database = f"iw_cluster_test_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.database_url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.database
        self.workdir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(BIN / "ideenwerkstatt"), "db", "upgrade"],
            env=self.env(self.workdir / "instance-migrate"),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"db upgrade failed:\n{done.stdout}{done.stderr}")

    def _drop_database(self) -> None:
        if not self.database:
            return
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self.database = ""

    def _flush_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            client.flushdb()
        except redis.ConnectionError as error:
            raise RuntimeError(f"Redis is not reachable at {self.redis_url}: {error}") from error
        finally:
            client.close()

    def _start_nginx(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (make test-cluster installs it)")
        # Its own folder under /tmp, open to all: run as root, nginx's workers become `nobody`
        # and must reach their temp folders (pytest's folders are private to their owner).
        prefix = self.nginx_prefix = Path(tempfile.mkdtemp(prefix="iw-cluster-nginx-"))
        prefix.chmod(0o755)
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / name).mkdir()
            (prefix / name).chmod(0o777)
        site = render_site(
            SITE.read_text(), [s.address for s in self.apps], self.nginx_port, ROOT / "static"
        )
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_conf(prefix, site))
        log = prefix / "nginx.log"
        with log.open("w") as out:
            self.nginx = subprocess.Popen(
                [binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self.url + "/healthz", self.nginx, prefix / "error.log", timeout=20)

    # --- in this process ------------------------------------------------------------------

    def app(self):
        """An app on the cluster's database and Redis in this process, for writing the
        tests' data and reading what the servers wrote."""
        from ideenwerkstatt import create_app

        overrides = {
            "INSTANCE_PATH": self.workdir / "instance-tests",
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
        variables = {
            key: value
            for key, value in self.env(self.workdir / "instance-tests").items()
            if key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL", "TRUSTED_PROXIES")
            or key.startswith(("RATELIMIT_", "PAGE_CACHE", "IDEA_COUNT", "MAIL_"))
        }
        saved = {key: os.environ.get(key) for key in variables}
        os.environ.update(variables)
        try:
            return create_app(overrides)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


# --- people and requests ------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A signed-in person as a browser would be: the session cookie (signed with the shared
    SECRET_KEY, holding a login session's token) and the CSRF token of a page."""

    user_id: int
    cookie_name: str
    cookie: str
    csrf: str

    def headers(self, json: bool = False) -> dict:
        headers = {"Cookie": f"{self.cookie_name}={self.cookie}", "X-CSRFToken": self.csrf}
        if json:
            headers["Accept"] = "application/json"
        return headers

    def post(self, base: str, path: str, data: dict | None = None, json: bool = False, **kw):
        return httpx.post(
            base + path,
            data={"csrf_token": self.csrf, **(data or {})},
            headers=self.headers(json),
            timeout=kw.pop("timeout", 30),
            **kw,
        )

    def get(self, base: str, path: str, **kw):
        return httpx.get(base + path, headers=self.headers(), timeout=kw.pop("timeout", 30), **kw)


def sign_in(app, user) -> Person:
    """A login session for `user` (in an app context of `app`; committed) and its cookie."""
    from itsdangerous import URLSafeTimedSerializer

    from ideenwerkstatt.accounts.services import start_login_session
    from ideenwerkstatt.extensions import db

    token = start_login_session(user)
    db.session.commit()
    raw = secrets.token_hex(20)
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": token, "_fresh": True, "csrf_token": raw})
    csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)
    return Person(user.id, app.config["SESSION_COOKIE_NAME"], cookie, csrf)
