"""Search and similar-ideas latency at the large scale (30,000 ideas), uncached, on SQLite and
PostgreSQL (part of `make bench`; alone: `make bench-search`).

For each database this script builds a fresh one with the migrations (`ideenwerkstatt db
upgrade`, so migration 0005 builds the index), seeds it with `ideenwerkstatt demo-data` at
run.py's large scale (the bulk generator's Core inserts fill the index through the database's
own machinery) and then, in this process, with the page cache and the count cache off,
times German queries and titles:

- search (query): ideas.queries.list_ideas with `q` (the count and a page of 20 by relevance),
- search (page): GET /ideas?q=... through the app (the whole request, HTML rendered),
- API q: GET /api/v1/ideas?q=...,
- similar (query): ideas.queries.similar_ideas(title),
- similar (endpoint): POST /ideas/similar as a signed-in person.

Each is run once to warm up, then ROUNDS times over all its inputs; p50, p99 and the slowest
are reported and written into benchmarks/RESULTS.md (this script's section only).

    .venv/bin/python benchmarks/search.py [--backends sqlite,postgresql] [--rounds 20]
                                          [--ideas 30000] [--no-write]
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import importlib.util
import os
import platform
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
BIN = Path(sys.executable).parent
RESULTS = BENCH_DIR / "RESULTS.md"
SECTION_START = "<!-- bench:search.py start -->"
SECTION_END = "<!-- bench:search.py end -->"
TARGETS = {"search": 50.0, "similar": 30.0}  # p99 in ms at the large scale

# run.py's helpers (throwaway PostgreSQL databases, subprocesses, cleanup) and its scale.
_spec = importlib.util.spec_from_file_location("bench_run", BENCH_DIR / "run.py")
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)

# Words of the bulk data (benchmarks hit many rows), German forms of them, and misses.
QUERIES = [
    "Radweg",
    "Radwege Grundschule",
    "Bürger",
    "Bürgeramt Öffnungszeiten",
    "Sitzbänke",
    "Stadtpark",
    "WLAN",
    "Stadtbibliothek",
    "Trinkbrunnen Innenstadt",
    "Haltestellen barrierefrei",
    "Kindergarten",
    "Tempo 30",
    "Ladesäulen",
    "E-Bikes",
    "Hochbeete Schulhof",
    "digitale Fragen",
    "Stadt",  # in a sixth of all titles and most bodies: the widest common word
    "Menschen",
    "Straße",
    "Fahrräder",
    "Zeppelinlandeplatz",  # nothing
]
TITLES = [
    "Mehr Sitzbänke im Park",
    "Sicherer Radweg zur Schule",
    "WLAN in der Bibliothek",
    "Ein Bus am Sonntag",
    "Trinkbrunnen am Markt",
    "Ladesäulen für Lastenräder",
    "Hochbeete für alle Schulen",
    "Die Stadt sollte mehr für Familien tun",
    "Offene Daten im Rathaus",
    "Tempo 30 vor Schulen und Kitas",
    "Repair-Café im Quartier",
    "Jugendtreff mit Internet",
    "Bessere Beleuchtung im Tunnel",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def timed(function, inputs: list, rounds: int) -> dict:
    for value in inputs:  # warm-up: plans and the database's own cache, not ours
        function(value)
    latencies, cpu = [], []
    for _ in range(rounds):
        for value in inputs:
            started, started_cpu = time.perf_counter(), time.process_time()
            function(value)
            latencies.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "n": len(latencies),
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        # This process's CPU time: on a busy machine the wall clock also counts the time
        # spent waiting for a CPU. With SQLite (in this process) it is the whole work; with
        # PostgreSQL only the app's side (the server's own CPU is not in it).
        "cpu_p50": percentile(cpu, 0.5),
        "cpu_p99": percentile(cpu, 0.99),
    }


def seed(backend: str, tmp: Path, ideas: int) -> tuple[dict, float, float]:
    """A migrated, seeded database; returns its app config, the upgrade and seed seconds."""
    sizes = dict(bench_run.SCALES["large"], ideas=ideas)
    url = (
        f"sqlite:///{tmp / 'search.db'}"
        if backend == "sqlite"
        else bench_run.make_database(backend, "search", tmp)
    )
    instance = tmp / f"{backend}-instance"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        INSTANCE_PATH=str(instance),
        SECRET_KEY=secrets.token_urlsafe(32),
        RATELIMIT_ENABLED="0",
        MAIL_DELIVER_AFTER_COMMIT="off",
        PYTHONPATH=str(ROOT),
    )
    started = time.monotonic()
    bench_run._run([str(BIN / "ideenwerkstatt"), "db", "upgrade"], env, timeout=600)
    upgraded = time.monotonic() - started
    started = time.monotonic()
    cmd = [str(BIN / "ideenwerkstatt"), "demo-data"]
    for name in ("users", "ideas", "votes", "comments"):
        cmd += [f"--{name}", str(sizes[name])]
    bench_run._run(cmd, env, timeout=1800)
    seeded = time.monotonic() - started
    bench_run._appside(["analyze"], env)
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": instance,
        "SECRET_KEY": env["SECRET_KEY"],
        "BASE_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "MAIL_DELIVER_AFTER_COMMIT": "off",
        # Uncached: every request reaches the database.
        "PAGE_CACHE_SECONDS": 0,
        "IDEA_COUNT_CACHE_SECONDS": 0,
    }
    return config, upgraded, seeded


def measure(config: dict, rounds: int) -> dict:
    from urllib.parse import quote

    from sqlalchemy import func, select, text

    from ideenwerkstatt import create_app
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.ideas import queries
    from ideenwerkstatt.ideas.models import Idea

    app = create_app(config)
    results: dict = {"load": os.getloadavg()[0]}
    with app.app_context():
        ideas = db.session.scalar(select(func.count(Idea.id)))
        if db.engine.dialect.name == "sqlite":
            indexed = db.session.scalar(text("SELECT count(*) FROM idea_search"))
        else:
            indexed = db.session.scalar(
                text("SELECT count(*) FROM idea WHERE search_vector IS NOT NULL")
            )
        results["ideas"], results["indexed"] = ideas, indexed
        hits = {q: queries.list_ideas(None, q=q).total for q in QUERIES}
        results["hits"] = (min(hits.values()), max(hits.values()))

        def search_query(q):
            queries.list_ideas(None, q=q, per_page=20)
            db.session.rollback()

        def similar_query(title):
            queries.similar_ideas(title)
            db.session.rollback()

        results["search (query)"] = timed(search_query, QUERIES, rounds)
        results["similar (query)"] = timed(similar_query, TITLES, rounds)

    client = app.test_client()

    def page(q):
        assert client.get(f"/ideas?q={quote(q)}").status_code == 200

    def api(q):
        assert client.get(f"/api/v1/ideas?q={quote(q)}").status_code == 200

    results["search (page)"] = timed(page, QUERIES, rounds)
    results["API q"] = timed(api, QUERIES, rounds)
    signed_in = app.test_client()
    response = signed_in.post(
        "/account/login",
        data={"email": "person1@bulk.example.org", "password": "Bulk-Demo-Passwort-2026"},
    )
    assert response.status_code == 302, response.status_code

    def endpoint(title):
        assert signed_in.post("/ideas/similar", data={"title": title}).status_code == 200

    results["similar (endpoint)"] = timed(endpoint, TITLES, rounds)
    with app.app_context():
        db.engine.dispose()
    results["load_after"] = os.getloadavg()[0]
    return results


def report(blocks: dict, rounds: int, notes: list[str]) -> str:
    cpus = os.cpu_count()
    lines = [
        SECTION_START,
        "## Search and similar ideas at the large scale (`make bench-search`, "
        "benchmarks/search.py)",
        "",
        f"Machine: {cpus} CPUs, Python {platform.python_version()}; run "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, while others used the machine too. "
        "In one process, page cache and count cache off (every call reaches the database); "
        f"{len(QUERIES)} German queries and {len(TITLES)} titles, one warm-up pass, then "
        f"{rounds} passes. Wall-clock times (p50, p99, max) and this process's CPU time "
        "(with SQLite the whole work, with PostgreSQL the app's side only). Databases built by "
        "the migrations, seeded by `demo-data` at "
        "run.py's large scale (the bulk generator's inserts fill the index).",
        "",
    ]
    for backend, block in blocks.items():
        lines.append(
            f"- {backend}: {block['ideas']} ideas, {block['indexed']} in the index; `db upgrade` "
            f"{block['upgrade_s']:.0f} s, seeding {block['seed_s']:.0f} s; hits per query "
            f"{block['hits'][0]} to {block['hits'][1]}; load average when measuring "
            f"{block['load']:.1f} to {block['load_after']:.1f} (on {cpus} CPUs)."
        )
    lines += [
        "",
        "| database | what | calls | p50 ms | p99 ms | max ms | target | CPU p50 / p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for backend, block in blocks.items():
        for name in (
            "search (query)",
            "search (page)",
            "API q",
            "similar (query)",
            "similar (endpoint)",
        ):
            row = block[name]
            kind = "similar" if name.startswith("similar") else "search"
            limit = TARGETS[kind]
            verdict = "met" if row["p99"] < limit else "MISSED"
            lines.append(
                f"| {backend} | {name} | {row['n']} | {row['p50']:.1f} | {row['p99']:.1f} | "
                f"{row['max']:.1f} | p99 < {limit:.0f}: {verdict} | "
                f"{row['cpu_p50']:.1f} / {row['cpu_p99']:.1f} |"
            )
    lines += ["", *notes, SECTION_END, ""]
    return "\n".join(line for line in lines if line is not None)


def write_results(section: str) -> None:
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if SECTION_START in old and SECTION_END in old:
        head, rest = old.split(SECTION_START, 1)
        tail = rest.split(SECTION_END, 1)[1].lstrip("\n")
        new = head + section + tail
    else:
        new = old.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(new)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--ideas", type=int, default=bench_run.SCALES["large"]["ideas"])
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md")
    args = parser.parse_args()
    atexit.register(bench_run._cleanup_all)
    notes: list[str] = []
    blocks: dict = {}
    with tempfile.TemporaryDirectory(prefix="iw-search-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for backend in args.backends.split(","):
            if backend == "postgresql":
                why = bench_run.postgres_available()
                if why:
                    notes.append(f"PostgreSQL skipped: {why}")
                    continue
            print(f"== {backend}: migrate and seed", flush=True)
            (tmp / backend).mkdir()
            config, upgraded, seeded = seed(backend, tmp / backend, args.ideas)
            print(f"  migrated in {upgraded:.0f} s, seeded in {seeded:.0f} s", flush=True)
            block = measure(config, args.rounds)
            block.update(upgrade_s=upgraded, seed_s=seeded)
            blocks[backend] = block
            for name, row in block.items():
                if isinstance(row, dict) and "p99" in row:
                    print(
                        f"  {name:<20} p50 {row['p50']:6.1f} ms  p99 {row['p99']:6.1f} ms"
                        f"  max {row['max']:6.1f} ms  cpu p99 {row['cpu_p99']:6.1f} ms",
                        flush=True,
                    )
            bench_run._cleanup_all()
    section = report(blocks, args.rounds, notes)
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
