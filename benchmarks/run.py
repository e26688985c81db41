"""`make bench`: seed small and large databases, serve them with gunicorn and load them with wrk.

For SQLite (files in a temp dir) and PostgreSQL (throwaway databases on 127.0.0.1:5432, skipped
with a note when unreachable), at two scales, this script seeds with `ideenwerkstatt demo-data`,
serves the app with `gunicorn -w 2 "ideenwerkstatt:create_app()"` and a bare Flask app
(benchmarks/bare_app.py) the same way, and measures each URL from a second process (wrk, or a
small Python load generator when wrk is missing). It prints a table and writes it into
benchmarks/RESULTS.md (its own section only). Every process it starts is stopped at the end.

    .venv/bin/python benchmarks/run.py [--backends sqlite,postgresql] [--scales small,large]
                                       [--duration 10] [--warmup 2] [--no-write]
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
BIN = Path(sys.executable).parent
RESULTS = BENCH_DIR / "RESULTS.md"
SECTION_START = "<!-- bench:run.py start -->"
SECTION_END = "<!-- bench:run.py end -->"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECTIONS = 8
WORKERS = 2
VOTERS = 8  # one logged-in person per load connection of the vote run
SCALES = {
    # The small one is proportionate to the large one (per idea: 3.3 users, 33 votes).
    "small": {"users": 3_334, "ideas": 1_000, "votes": 33_334, "comments": 1_000},
    "large": {"users": 100_000, "ideas": 30_000, "votes": 1_000_000, "comments": 30_000},
}
TARGETS = """\
Targets at the large scale: `/ideas?sort=votes` >= 40 % of bare, p99 < 100 ms, >= 80 % of
its small-scale rate; search and deep page p99 < 200 ms; vote POST >= 25 % of bare; one
worker's peak RSS < 200 MB; SQLite large seed < 180 s."""

_children: list[subprocess.Popen] = []
_cleanups: list = []


# --- processes -------------------------------------------------------------------------------


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process we started and its group (gunicorn's workers), politely first."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _cleanup_all() -> None:
    for proc in reversed(_children):
        _stop(proc)
    _children.clear()
    for cleanup in reversed(_cleanups):
        try:
            cleanup()
        except Exception as error:  # cleanup must go on whatever failed
            print(f"cleanup: {error}", file=sys.stderr)
    _cleanups.clear()


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(cmd: list[str], env: dict, timeout: float) -> str:
    done = subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done.stdout


def _appside(command: list[str], env: dict, timeout: float = 600) -> dict:
    out = _run([sys.executable, str(BENCH_DIR / "appside.py"), *command], env, timeout)
    return json.loads(out.strip().splitlines()[-1])


def serve(app_spec: str, env: dict, log: Path, chdir: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """gunicorn with WORKERS sync workers on a free port; returns once it answers."""
    port = _free_port()
    cmd = [
        str(BIN / "gunicorn"),
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(chdir),
        "--error-logfile",
        str(log),
        app_spec,
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=chdir, start_new_session=True)
    _children.append(proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-3000:]}")
        try:
            status, _ = fetch(port, "/")
            if status < 500:
                return proc, str(port)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer: {log.read_text()[-3000:]}")


def worker_peak_rss_mb(master_pid: int) -> float:
    """The largest VmHWM (peak resident memory) among the gunicorn master's children."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)
            if match:
                peak = max(peak, int(match.group(1)))
    return round(peak / 1024, 1)


def fetch(port: int | str, path: str, method: str = "GET", headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


# --- load generators -------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict:
    """Requests/s, p50 and p99 (ms) and the count of error answers from `wrk --latency`."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        # read errors are the sync worker closing a connection after its answer: not failures.
        errors += int(socket_errors.group(1)) + int(socket_errors.group(4))
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


def wrk(url: str, duration: int, threads: int, script: Path | None = None) -> dict:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script is not None:
        cmd += ["-s", str(script)]
    done = subprocess.run(
        [*cmd, url], capture_output=True, text=True, timeout=duration + 60, check=True
    )
    return parse_wrk(done.stdout)


def pyload(port: str, requests: list[tuple], duration: float) -> dict:
    """Fallback when wrk is missing: CONNECTIONS threads with keep-alive http.client
    connections; the GIL makes it a weaker client than wrk, so shares are conservative."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def loop(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        mine, step = [], 0
        while time.monotonic() < deadline:
            method, path, headers, body = requests[(n + step * CONNECTIONS) % len(requests)]
            step += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[0] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    if not latencies:
        return {"rps": 0.0, "p50": math.nan, "p99": math.nan, "errors": errors[0]}
    return {
        "rps": len(latencies) / duration,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": errors[0],
    }


def vote_script(path: Path, sessions: list[dict], ideas: list[int]) -> None:
    """A wrk script: thread n is person n; each thread alternately supports and retracts its
    own ideas (one connection per thread, so the pairs stay in order and the data bounded)."""
    per = len(ideas) // len(sessions)
    lua_sessions = ",\n".join(
        f'  {{cookie="{s["cookie"]}", body="csrf_token={quote(s["csrf"])}"}}' for s in sessions
    )
    lua_ideas = ", ".join(str(i) for i in ideas)
    path.write_text(
        f"""local sessions = {{
{lua_sessions}
}}
local ideas = {{{lua_ideas}}}
local per = {per}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  me = sessions[tid]
  step = 0
end
function request()
  local idea = ideas[(tid - 1) * per + (math.floor(step / 2) % per) + 1]
  local path = "/ideas/" .. idea .. "/vote"
  if step % 2 == 1 then path = path .. "/retract" end
  step = step + 1
  return wrk.format("POST", path, {{
    ["Cookie"] = me.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }}, me.body)
end
"""
    )


# --- one database ----------------------------------------------------------------------------


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except Exception as error:  # any failure means: skip PostgreSQL with this note
        return str(error).strip().splitlines()[0]


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def make_database(backend: str, scale: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'{scale}.db'}"
    name = f"iw_bench_{scale}_{os.getpid()}"
    _pg_admin(f"DROP DATABASE IF EXISTS {name}")
    _pg_admin(f"CREATE DATABASE {name}")
    _cleanups.append(lambda: _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def seed(env: dict, sizes: dict) -> float:
    _appside(["schema"], env)
    started = time.monotonic()
    _run(
        [
            str(BIN / "ideenwerkstatt"),
            "demo-data",
            "--users",
            str(sizes["users"]),
            "--ideas",
            str(sizes["ideas"]),
            "--votes",
            str(sizes["votes"]),
            "--comments",
            str(sizes["comments"]),
        ],
        env,
        timeout=1800,
    )
    return time.monotonic() - started


def measure(name: str, load, warmup: int, duration: int) -> dict:
    load(warmup)
    result = load(duration)
    flag = f"  ({result['errors']} errors)" if result["errors"] else ""
    print(
        f"    {name:<22} {result['rps']:8.1f} req/s  p50 {result['p50']:7.1f} ms"
        f"  p99 {result['p99']:7.1f} ms{flag}",
        flush=True,
    )
    return result


def bench_database(backend: str, scale: str, tmp: Path, args) -> dict:
    sizes = SCALES[scale]
    print(f"\n== {backend} / {scale}: {sizes}", flush=True)
    block = tmp / f"{backend}-{scale}"
    block.mkdir()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=make_database(backend, scale, tmp),
        INSTANCE_PATH=str(block / "instance"),
        SECRET_KEY=secrets.token_urlsafe(32),
        RATELIMIT_ENABLED="0",
        MAIL_DELIVER_AFTER_COMMIT="off",
        PYTHONPATH=str(ROOT),
    )
    seconds = seed(env, sizes)
    print(f"  seeded in {seconds:.0f} s", flush=True)
    _appside(["analyze"], env)
    targets = _appside(["targets"], env)
    sessions = _appside(["sessions", str(VOTERS)], env)["sessions"]
    deep = min(500, max(1, math.ceil(targets["ideas"] / 20)))
    urls = {
        "start page": "/",
        "/ideas?sort=votes": "/ideas?sort=votes",
        "theme filter": f"/ideas?theme={targets['theme']}&sort=votes",
        "search": "/ideas?q=Radweg",
        f"deep page ({deep})": f"/ideas?page={deep}",
        "idea page": f"/ideas/{targets['idea_id']}",
        "/api/v1/ideas": "/api/v1/ideas",
    }
    use_wrk = shutil.which("wrk") is not None
    rows: dict[str, dict] = {}

    bare, bare_port = serve("bare_app:app", env, block / "bare.log", chdir=BENCH_DIR)
    try:
        rows["bare Flask"] = measure(
            "bare Flask",
            _loader(use_wrk, bare_port, [("GET", "/", {}, None)]),
            args.warmup,
            args.duration,
        )
        rows["bare Flask"]["rss"] = worker_peak_rss_mb(bare.pid)
    finally:
        _stop(bare)

    app, port = serve("ideenwerkstatt:create_app()", env, block / "app.log")
    try:
        for name, path in urls.items():
            status, _ = fetch(port, path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            rows[name] = measure(
                name, _loader(use_wrk, port, [("GET", path, {}, None)]), args.warmup, args.duration
            )
        rows["vote POST"] = measure(
            "vote POST",
            _vote_loader(use_wrk, port, sessions, targets, block),
            args.warmup,
            args.duration,
        )
        rss = worker_peak_rss_mb(app.pid)
    finally:
        _stop(app)
    print(f"    peak RSS of one worker: {rss} MB", flush=True)
    return {"rows": rows, "rss": rss, "seed_seconds": seconds, "sizes": sizes}


def _loader(use_wrk: bool, port: str, requests: list[tuple]):
    method, path, _headers, _body = requests[0]
    if use_wrk and method == "GET" and len(requests) == 1:
        return lambda seconds: wrk(f"http://127.0.0.1:{port}{path}", seconds, threads=2)
    return lambda seconds: pyload(port, requests, seconds)


def _vote_loader(use_wrk: bool, port: str, sessions: list[dict], targets: dict, block: Path):
    ideas = targets["votable"][: VOTERS * 25]
    # The session must really be signed in: a vote answered by the login page would be fast.
    first = sessions[0]
    headers = {"Cookie": first["cookie"], "Content-Type": "application/x-www-form-urlencoded"}
    body = f"csrf_token={quote(first['csrf'])}"
    for suffix in ("/vote", "/vote/retract"):
        status, location = fetch(port, f"/ideas/{ideas[0]}{suffix}", "POST", headers, body)
        if status != 302 or "login" in (location or ""):
            raise RuntimeError(f"vote POST answered {status} -> {location}")
    if use_wrk:
        script = block / "vote.lua"
        vote_script(script, sessions, ideas)
        return lambda seconds: wrk(f"http://127.0.0.1:{port}/", seconds, VOTERS, script)
    requests = []
    for n, idea in enumerate(ideas):
        session = sessions[n % len(sessions)]
        headers = {"Cookie": session["cookie"], "Content-Type": "application/x-www-form-urlencoded"}
        body = f"csrf_token={quote(session['csrf'])}"
        requests.append(("POST", f"/ideas/{idea}/vote", headers, body))
        requests.append(("POST", f"/ideas/{idea}/vote/retract", headers, body))
    return lambda seconds: pyload(port, requests, seconds)


# --- report ----------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except OSError:
        ram = "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def table(results: dict) -> str:
    lines = [
        "| database | scale | page | req/s | p50 ms | p99 ms | share of bare | errors |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (backend, scale), block in results.items():
        bare = block["rows"]["bare Flask"]["rps"] or 1
        for name, row in block["rows"].items():
            lines.append(
                f"| {backend} | {scale} | {name} | {row['rps']:.0f} | {row['p50']:.1f} |"
                f" {row['p99']:.1f} | {100 * row['rps'] / bare:.0f} % | {row['errors']} |"
            )
    return "\n".join(lines)


def checks(results: dict) -> list[str]:
    """Each target at the large scale: met, or missed and by how much."""
    out = []

    def verdict(label: str, ok: bool, detail: str):
        out.append(f"- {'met' if ok else 'MISSED'}: {label}: {detail}")

    for (backend, scale), block in results.items():
        if scale != "large":
            continue
        rows = block["rows"]
        bare = rows["bare Flask"]["rps"] or 1
        top = rows["/ideas?sort=votes"]
        share = 100 * top["rps"] / bare
        verdict(f"{backend} `/ideas?sort=votes` share", share >= 40, f"{share:.0f} % (>= 40 %)")
        verdict(
            f"{backend} `/ideas?sort=votes` p99", top["p99"] < 100, f"{top['p99']:.1f} ms (< 100)"
        )
        small = results.get((backend, "small"))
        if small:
            ratio = 100 * top["rps"] / (small["rows"]["/ideas?sort=votes"]["rps"] or 1)
            verdict(
                f"{backend} `/ideas?sort=votes` large vs small",
                ratio >= 80,
                f"{ratio:.0f} % (>= 80 %)",
            )
        for name, row in rows.items():
            if name == "search" or name.startswith("deep page"):
                verdict(f"{backend} {name} p99", row["p99"] < 200, f"{row['p99']:.1f} ms (< 200)")
        vote = 100 * rows["vote POST"]["rps"] / bare
        verdict(f"{backend} vote POST share", vote >= 25, f"{vote:.0f} % (>= 25 %)")
        verdict(f"{backend} worker peak RSS", block["rss"] < 200, f"{block['rss']} MB (< 200)")
        if backend == "sqlite":
            seconds = block["seed_seconds"]
            verdict("SQLite large seed", seconds < 180, f"{seconds:.0f} s (< 180)")
    return out


def report(results: dict, info: dict, notes: list[str], args) -> str:
    seeds = ", ".join(f"{b}/{s} {block['seed_seconds']:.0f} s" for (b, s), block in results.items())
    rss = ", ".join(f"{b}/{s} {block['rss']} MB" for (b, s), block in results.items())
    parts = [
        SECTION_START,
        "## Load benchmark: pages at Decide Madrid scale (`make bench`, benchmarks/run.py)",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, Python"
        f" {info['python']}; run {info['date']}.",
        f"gunicorn {WORKERS} sync workers, {CONNECTIONS} connections, {args.warmup} s warm-up then"
        f" {args.duration} s per URL ({'wrk' if shutil.which('wrk') else 'Python load generator'},"
        " on the same machine). Rate limits off; sizes: "
        + "; ".join(f"{k} {v}" for k, v in SCALES.items())
        + ".",
        f"Seeding (`demo-data`): {seeds}. Peak RSS of one app worker (VmHWM): {rss}.",
        "",
        table(results),
        "",
        TARGETS,
        "",
        *checks(results),
        *[f"- note: {note}" for note in notes],
        SECTION_END,
    ]
    return "\n".join(parts) + "\n"


def write_results(section: str) -> None:
    """Replace this script's own section of RESULTS.md (or append it); others' stay."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if SECTION_START in old and SECTION_END in old:
        head, rest = old.split(SECTION_START, 1)
        tail = rest.split(SECTION_END, 1)[1].lstrip("\n")
        new = head + section + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(new)


def ensure_wrk() -> None:
    if shutil.which("wrk") or os.geteuid() != 0:
        return
    print("Installing wrk (Debian package) ...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--scales", default="small,large")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    atexit.register(_cleanup_all)
    ensure_wrk()
    if not shutil.which("wrk"):
        print("wrk not found: using the Python load generator (a weaker client)", flush=True)
    notes: list[str] = []
    backends = args.backends.split(",")
    if "postgresql" in backends and (why := postgres_available()):
        notes.append(f"PostgreSQL skipped: not reachable at 127.0.0.1:5432 ({why})")
        print(notes[-1], flush=True)
        backends.remove("postgresql")
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="iw-bench-") as tmp:
        try:
            for backend in backends:
                for scale in args.scales.split(","):
                    results[(backend, scale)] = bench_database(backend, scale, Path(tmp), args)
        finally:
            _cleanup_all()
    section = report(results, machine(), notes, args)
    print("\n" + section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
