"""Live load: N phones hold the live stream (or poll live.json) and spend their dots in a burst
while a simulated wall measures how long each vote takes to show.

The server is `ideenwerkstatt serve` (gunicorn gthread, the production serving model) on a
fresh SQLite file or a throwaway PostgreSQL database; this script, a separate process, is the
load generator (asyncio + httpx). Each phone is a signed-in person (accounts made directly in
the database with a login session; joining by code comes with the live session) that opens
`/events/<slug>/live/stream` like the wall script does (503: it polls `live.json` every 2 s
instead) and casts its whole dot budget at random moments within --burst seconds. One wall
reads the stream and, for each vote, notes when a state first shows the idea's count at least
as high as the vote's answer said: that minus the moment the 200 arrived is the vote-to-wall
delay. A visitor requests the event page twice a second during the burst.

Reported: delay p50/p95/p99, vote POST p50/p99, page p99, errors, the server's CPU (all its
processes, seconds of CPU per second) and peak memory (sum of RSS), open connections (peak).

    .venv/bin/python benchmarks/live_load.py [--backend sqlite|postgresql] [--phones 100]
        [--dots 5] [--ideas 20] [--burst 60] [--workers 2] [--threads 640]
        [--phone-mode stream|poll] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import platform
import random
import resource
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# httpcore imports sniffio on every request to learn the async library; where sniffio is
# not installed, each failed import searches sys.path again. Mark it absent once.
sys.modules.setdefault("sniffio", None)

import httpx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION_START = "<!-- bench:live_load.py start -->"
SECTION_END = "<!-- bench:live_load.py end -->"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "live-load-benchmark-secret-0123456789-0123456789"
# One TLS context for all clients (the server is plain HTTP, but httpx builds a context per
# client otherwise: loading the CA bundle 1,000 times took the first 40 s of the burst, so
# the phones connected late and all at once).
TLS = ssl.create_default_context()


# --- set-up ------------------------------------------------------------------------------


def raise_open_files(phones: int) -> None:
    """Each phone holds two sockets here and two in the server (its stream and its vote's
    keep-alive); the usual soft limit of 1,024 open files is too few for 1,000 phones. Raise
    this process's soft limit (the server, started from here, inherits it) up to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * phones + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new < wanted:
            print(
                f"warning: only {new} open files allowed (hard limit); {phones} phones need "
                f"about {wanted}"
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_database(backend: str, workdir: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'live.db'}", lambda: None
    import psycopg

    name = f"iw_live_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql://postgres@127.0.0.1:5432/{name}", drop


def server_env(database_url: str, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(workdir / "instance"),
        SECRET_KEY=SECRET,
        RATELIMIT_ENABLED="0",
        MAIL_DELIVER_AFTER_COMMIT="off",
    )
    return env


def seed(env: dict, phones: int, ideas: int, dots: int) -> dict:
    """Migrate, then write the event, its ideas and one signed-in person per phone."""
    subprocess.run(
        [str(BIN / "ideenwerkstatt"), "db", "upgrade"], env=env, check=True, capture_output=True
    )
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY")})
    from itsdangerous import URLSafeTimedSerializer

    from ideenwerkstatt import create_app
    from ideenwerkstatt.accounts.models import LoginSession, User
    from ideenwerkstatt.accounts.services import _token_hash
    from ideenwerkstatt.database import utcnow
    from ideenwerkstatt.events.models import Event, Phase, VotingRule
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.ideas.models import Idea, IdeaStatus
    from ideenwerkstatt.themes.models import Theme

    app = create_app()
    with app.app_context():
        now = utcnow()
        themes = [
            Theme(slug=f"t{n}", name_de=f"Thema {n}", name_en="", position=n) for n in range(3)
        ]
        event = Event(
            slug="abend",
            title="Werkstattabend",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=3),
            phase=Phase.VOTING,
            voting_rule=VotingRule.DOTS,
            dot_budget=dots,
            themes=themes,
        )
        db.session.add(event)
        db.session.flush()
        idea_ids = []
        for n in range(ideas):
            idea = Idea(
                event=event,
                theme=themes[n % 3],
                title=f"Idee {n + 1} für den Abend",
                body="Eine Idee für den Abend.",
                body_html="<p>Eine Idee.</p>",
                status=IdeaStatus.PUBLISHED,
                vote_count=0,
                published_at=now,
                created_at=now,
                updated_at=now,
            )
            db.session.add(idea)
            db.session.flush()
            idea_ids.append(idea.id)
        serializer = app.session_interface.get_signing_serializer(app)
        csrf_signer = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")
        people = []
        for n in range(phones):
            user = User(email=f"phone{n}@example.org", password_hash="!", confirmed_at=now)
            db.session.add(user)
            db.session.flush()
            token = secrets.token_urlsafe(32)
            db.session.add(LoginSession(user_id=user.id, token_hash=_token_hash(token)))
            raw = hashlib.sha1(os.urandom(32)).hexdigest()  # noqa: S324 (Flask-WTF's format)
            cookie = serializer.dumps({"_user_id": token, "_fresh": True, "csrf_token": raw})
            people.append({"cookie": cookie, "csrf": csrf_signer.dumps(raw)})
        db.session.commit()
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        db.engine.dispose()
    return {"ideas": idea_ids, "people": people, "cookie_name": cookie_name}


def start_server(env: dict, port: int, workers: int, threads: int, log: Path):
    proc = subprocess.Popen(
        [
            str(BIN / "ideenwerkstatt"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/events/abend/live.json", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"the server did not start; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


# --- measuring the server ----------------------------------------------------------------


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    pids.append(int(entry))
            except ProcessLookupError:
                continue
    return pids


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / ticks


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def open_connections(port: int) -> int:
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "01" and int(parts[1].split(":")[1], 16) == port:
                count += 1
    return count


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- the load ----------------------------------------------------------------------------


class Wall:
    """The simulated wall: the latest counts it has seen and the votes waiting to show."""

    def __init__(self):
        self.counts: dict[int, int] = {}
        self.waiting: dict[int, list[tuple[int, float]]] = {}
        self.delays: list[float] = []
        self.states = 0

    def saw(self, state: dict, at: float) -> None:
        self.states += 1
        for theme in state["themes"]:
            for idea in theme["ideas"]:
                self.counts[idea["id"]] = idea.get("count", 0)
        for idea_id, pending in self.waiting.items():
            count = self.counts.get(idea_id, 0)
            keep = []
            for needed, answered in pending:
                if count >= needed:
                    self.delays.append(max(0.0, at - answered))
                else:
                    keep.append((needed, answered))
            pending[:] = keep

    def voted(self, idea_id: int, count: int, answered: float) -> None:
        if self.counts.get(idea_id, 0) >= count:
            self.delays.append(0.0)
        else:
            self.waiting.setdefault(idea_id, []).append((count, answered))

    def missing(self) -> int:
        return sum(len(p) for p in self.waiting.values())


async def read_stream(client: httpx.AsyncClient, url: str, on_state, stats: dict, stop):
    """Hold the stream until `stop`; reconnect like EventSource (with Last-Event-ID); on 503
    poll live.json every 2 s as the page does."""
    last_id = None
    while not stop.is_set():
        headers = {"Last-Event-ID": last_id} if last_id else {}
        try:
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 503:
                    stats["fallbacks"] += 1
                    await poll(
                        client,
                        url.replace("/live/stream", "/live.json"),
                        on_state,
                        stats,
                        stop,
                        seconds=30,
                    )
                    continue
                if response.status_code != 200:
                    stats["errors"] += 1
                    await asyncio.sleep(2)
                    continue
                if on_state is None:
                    # A phone: read what arrives without parsing it (cheap for the generator,
                    # which otherwise lags behind 1,000 streams and inflates every latency).
                    async for _chunk in response.aiter_raw():
                        if stop.is_set():
                            return
                    continue
                data = None
                async for line in response.aiter_lines():
                    if line.startswith("id: "):
                        last_id = line[4:]
                    elif line.startswith("data: "):
                        data = line[6:]
                    elif line == "" and data is not None:
                        stats["events"] += 1
                        if on_state is not None:
                            on_state(json.loads(data), time.monotonic())
                        data = None
                    if stop.is_set():
                        return
        except (httpx.HTTPError, asyncio.CancelledError):
            if stop.is_set():
                return
            stats["stream_drops"] += 1
            await asyncio.sleep(1)


async def hold_stream(base: str, url: str, cookie: str, client, stats, stop):
    """A phone's stream, held on a bare socket and read without parsing: what a phone does
    with its state is not measured, and reading 1,000 streams through httpx cost the
    generator more than a core, so it read them (and the votes' answers) seconds late. On a
    503 it polls live.json through `client`, as the page does; it reconnects like
    EventSource when the server ends the stream."""
    host, port = base.removeprefix("http://").split(":")
    request = (
        f"GET {url} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
        "Accept: text/event-stream\r\nConnection: close\r\n\r\n"
    ).encode()
    while not stop.is_set():
        writer = None
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(request)
            status = (await reader.readline()).split(b" ", 2)[1:2]
            if status == [b"503"]:
                stats["fallbacks"] += 1
                writer.close()
                writer = None
                await poll(client, url.replace("/live/stream", "/live.json"), None, stats, stop, 30)
                continue
            if status != [b"200"]:
                stats["errors"] += 1
                await asyncio.sleep(2)
                continue
            while not stop.is_set() and await reader.read(65536):
                pass
        except (OSError, asyncio.IncompleteReadError, IndexError):
            if stop.is_set():
                return
            stats["stream_drops"] += 1
            await asyncio.sleep(1)
        finally:
            if writer is not None:
                writer.close()


async def poll(client, url, on_state, stats, stop, seconds: float | None = None):
    etag = None
    until = time.monotonic() + seconds if seconds else None
    while not stop.is_set() and (until is None or time.monotonic() < until):
        try:
            response = await client.get(url, headers={"If-None-Match": etag} if etag else {})
            stats["polls"] += 1
            if response.status_code == 200:
                etag = response.headers.get("ETag")
                if on_state is not None:
                    on_state(response.json(), time.monotonic())
            elif response.status_code != 304:
                stats["errors"] += 1
        except httpx.HTTPError:
            stats["errors"] += 1
        await asyncio.sleep(2)


async def phone(base, person, cookie_name, idea_ids, dots, burst, wall, stats, stop, mode):
    cookies = {cookie_name: person["cookie"]}
    timeout = httpx.Timeout(30, read=60)
    limits = httpx.Limits(max_connections=4)
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, timeout=timeout, limits=limits, verify=TLS
    ) as client:
        url = "/events/abend/live/stream"
        listener = asyncio.create_task(
            hold_stream(base, url, f"{cookie_name}={person['cookie']}", client, stats, stop)
            if mode == "stream"
            else poll(client, "/events/abend/live.json", None, stats, stop)
        )
        moments = sorted(random.uniform(0, burst) for _ in range(dots))
        started = time.monotonic()
        for moment in moments:
            await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
            idea_id = random.choice(idea_ids)
            sent = time.monotonic()
            try:
                response = await client.post(
                    f"/ideas/{idea_id}/vote",
                    data={"dots": "1"},
                    headers={"Accept": "application/json", "X-CSRFToken": person["csrf"]},
                )
            except httpx.HTTPError:
                stats["errors"] += 1
                continue
            answered = time.monotonic()
            if response.status_code == 200:
                stats["vote_times"].append(answered - sent)
                wall.voted(idea_id, response.json()["vote_count"], answered)
            else:
                stats["errors"] += 1
                stats["error_codes"].append(response.status_code)
        await stop.wait()
        listener.cancel()


async def page_probe(base, stats, stop):
    async with httpx.AsyncClient(base_url=base, timeout=30, verify=TLS) as client:
        while not stop.is_set():
            sent = time.monotonic()
            try:
                response = await client.get("/events/abend")
                if response.status_code == 200:
                    stats["page_times"].append(time.monotonic() - sent)
                else:
                    stats["errors"] += 1
            except httpx.HTTPError:
                stats["errors"] += 1
            await asyncio.sleep(0.5)


async def sample_server(pgid, port, stats, stop):
    while not stop.is_set():
        pids = group_pids(pgid)
        stats["peak_rss"] = max(stats["peak_rss"], rss_bytes(pids))
        stats["peak_connections"] = max(stats["peak_connections"], open_connections(port))
        await asyncio.sleep(0.5)


async def run_load(base, seeded, args, pgid, port) -> dict:
    stats = {
        "events": 0,
        "polls": 0,
        "fallbacks": 0,
        "errors": 0,
        "stream_drops": 0,
        "vote_times": [],
        "page_times": [],
        "error_codes": [],
        "peak_rss": 0,
        "peak_connections": 0,
    }
    wall = Wall()
    stop = asyncio.Event()
    votes_expected = args.dots * len(seeded["people"])
    wall_stats = dict(stats, events=0)
    async with httpx.AsyncClient(
        base_url=base, timeout=httpx.Timeout(30, read=60), verify=TLS
    ) as client:
        wall_task = asyncio.create_task(
            read_stream(
                client, "/events/abend/live/stream?audience=public", wall.saw, wall_stats, stop
            )
        )
        await asyncio.sleep(1)
        sampler = asyncio.create_task(sample_server(pgid, port, stats, stop))
        cpu_before, started = cpu_seconds(group_pids(pgid)), time.monotonic()
        own_before = time.process_time()
        stats["load"] = os.getloadavg()[0]
        phones = [
            asyncio.create_task(
                phone(
                    base,
                    person,
                    seeded["cookie_name"],
                    seeded["ideas"],
                    args.dots,
                    args.burst,
                    wall,
                    stats,
                    stop,
                    args.phone_mode,
                )
            )
            for person in seeded["people"]
        ]
        probe = asyncio.create_task(page_probe(base, stats, stop))
        await asyncio.sleep(args.burst + 1)
        cpu_after, ended = cpu_seconds(group_pids(pgid)), time.monotonic()
        stats["generator_cpu"] = (time.process_time() - own_before) / (ended - started)
        stats["load_end"] = os.getloadavg()[0]
        # The last votes' answers may still be on their way: wait for all of them (a POST
        # gives up after 30 s, as an error), then up to 10 s for the wall to show them; what is
        # still missing then counts as never shown. The wall reads on until then: a vote
        # answered late must not count as never shown because the wall stopped reading.
        deadline = time.monotonic() + 35
        while (
            time.monotonic() < deadline
            and len(stats["vote_times"]) + stats["errors"] < votes_expected
        ):
            await asyncio.sleep(0.1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and wall.missing():
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*phones, probe, sampler, return_exceptions=True)
        wall_task.cancel()
    stats["cpu"] = (cpu_after - cpu_before) / (ended - started)
    stats["delays"] = wall.delays
    stats["not_shown"] = wall.missing()
    stats["not_shown_detail"] = [
        (idea_id, needed, wall.counts.get(idea_id))
        for idea_id, pending in wall.waiting.items()
        for needed, _answered in pending
    ]
    stats["wall_states"] = wall.states
    return stats


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def report(args, stats, backend: str) -> str:
    votes = len(stats["vote_times"])
    lines = [
        f"| {backend} | {args.phones} ({args.phone_mode}) | {votes} "
        f"| {ms(percentile(stats['delays'], 50))} | {ms(percentile(stats['delays'], 95))} "
        f"| {ms(percentile(stats['delays'], 99))} | {ms(percentile(stats['vote_times'], 50))} "
        f"/ {ms(percentile(stats['vote_times'], 95))} / {ms(percentile(stats['vote_times'], 99))} "
        f"| {ms(percentile(stats['page_times'], 99))} | {stats['errors']} "
        f"| {stats['not_shown']} | {stats['cpu']:.2f} | {stats['peak_rss'] / 2**20:.0f} MB "
        f"| {stats['peak_connections']} | {stats['fallbacks']} "
        f"| {stats['load']:.1f} / {stats['load_end']:.1f} "
        f"| {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} |"
    ]
    return "\n".join(lines)


HEADER = (
    "| database | phones | votes | vote-to-wall p50 | p95 | p99 | vote POST p50 / p95 / p99 "
    "| page p99 "
    "| errors | votes never shown | server CPU (cores) | server peak RSS | open connections "
    "| stream refusals (503) | machine load (1 min avg, start / end of burst) | taken (UTC) |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
    "| --- |"
)


def merge_rows(old_section: str, rows: list[str]) -> list[str]:
    """The section's earlier rows (same columns) for other databases or phone counts, then the
    new ones: a run of N = 300 keeps the rows of N = 1,000 taken before."""
    columns = HEADER.splitlines()[0].count("|")
    new_keys = {tuple(r.split("|")[1:3]) for r in rows}
    kept = [
        line
        for line in old_section.splitlines()
        if line.startswith("| ")
        and not line.startswith(("| database", "| ---"))
        and line.count("|") == columns
        and tuple(line.split("|")[1:3]) not in new_keys
    ]
    return sorted(kept + rows, key=lambda r: (r.split("|")[1], int(r.split("|")[2].split()[0])))


def write_results(rows: list[str], args) -> None:
    text = RESULTS.read_text()
    old = text.split(SECTION_START, 1)[1].split(SECTION_END, 1)[0] if SECTION_START in text else ""
    section = "\n".join(
        [
            SECTION_START,
            "## Live load: phones, votes and the wall (`python benchmarks/live_load.py`, issue 15)",
            "",
            f"Written by the script; last run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on "
            f"{platform.node()} ({os.cpu_count()} cores). Server: `ideenwerkstatt serve "
            f"--workers {args.workers} --threads {args.threads}`; each phone spends {args.dots} "
            f"dots within {args.burst:.0f} s on {args.ideas} ideas; the generator runs in its own "
            "process on the same machine"
            + (f" at niceness {args.generator_nice}" if args.generator_nice else "")
            + ". Each row keeps the date it was taken and the machine's "
            "load; see the notes below for what the numbers mean.",
            "",
            HEADER,
            *merge_rows(old, rows),
            SECTION_END,
        ]
    )
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--dots", type=int, default=5)
    parser.add_argument("--ideas", type=int, default=20)
    parser.add_argument("--burst", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=640)
    parser.add_argument("--phone-mode", choices=["stream", "poll"], default="stream")
    parser.add_argument(
        "--generator-nice",
        type=int,
        default=0,
        help="this process's niceness once the server runs (e.g. -10, needs root): on a "
        "shared machine the generator otherwise lags behind and inflates every latency it "
        "measures; the server keeps its niceness",
    )
    parser.add_argument("--write", action="store_true", help="write the row into RESULTS.md")
    args = parser.parse_args()
    raise_open_files(args.phones)

    rows = []
    for backend in args.backend.split(","):
        with tempfile.TemporaryDirectory(prefix="iw-live-") as tmp:
            workdir = Path(tmp)
            database_url, drop = make_database(backend, workdir)
            proc = None
            try:
                env = server_env(database_url, workdir)
                print(f"[{backend}] seeding {args.phones} phones ...", flush=True)
                seeded = seed(env, args.phones, args.ideas, args.dots)
                port = free_port()
                proc, base = start_server(
                    env, port, args.workers, args.threads, workdir / "server.log"
                )
                if args.generator_nice:
                    os.setpriority(os.PRIO_PROCESS, 0, args.generator_nice)
                print(f"[{backend}] load for {args.burst:.0f} s ...", flush=True)
                stats = asyncio.run(run_load(base, seeded, args, proc.pid, port))
                rows.append(report(args, stats, backend))
                print(HEADER)
                print(rows[-1], flush=True)
                print(
                    f"vote POST max {ms(max(stats['vote_times'], default=None))}, "
                    f"wall states {stats['wall_states']}, stream drops {stats['stream_drops']}, "
                    f"generator CPU {stats['generator_cpu']:.2f} cores, "
                    f"fallbacks to polling {stats['fallbacks']}, polls {stats['polls']}",
                    flush=True,
                )
                if stats["not_shown"]:
                    print(
                        "never shown (idea, count needed, wall's last count):",
                        stats["not_shown_detail"][:10],
                        "..." if len(stats["not_shown_detail"]) > 10 else "",
                    )
                if stats["error_codes"]:
                    print("vote answers other than 200:", sorted(set(stats["error_codes"])))
            finally:
                if proc is not None:
                    stop_server(proc)
                drop()
    if args.write:
        write_results(rows, args)


if __name__ == "__main__":
    main()
