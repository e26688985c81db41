"""The DCAT-AP.de catalogue (/catalog.*) at Decide Madrid's idea count: how long building
it takes (the three queries, the graph, the serialization) and how long an answer from the
per-process memory (CATALOG_CACHE_SECONDS) takes, in-process through Flask's test client.

    .venv/bin/python benchmarks/catalog.py [--postgresql URL] [--ideas N] [--write]

SQLite in a temporary folder always; PostgreSQL when a URL is given (its tables are dropped
before and after). `--write` replaces this script's own section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION_START = "<!-- bench:catalog.py start -->"
SECTION_END = "<!-- bench:catalog.py end -->"
URLS = ("/catalog.ttl", "/catalog.rdf", "/catalog.jsonld")
RUNS = 15


def _app(database_url: str, instance: Path, cache_seconds: int):
    from ideenwerkstatt import create_app

    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench-secret-key-0123456789-0123456789-0123456789",
            "BASE_URL": "https://ideen.example.de",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "MAIL_DELIVER_AFTER_COMMIT": "off",
            "PAGE_CACHE_SECONDS": 0,
            "CATALOG_CACHE_SECONDS": cache_seconds,
            "CATALOG_CONTRIBUTOR_ID": "berlinOpenData",
        }
    )


def _seed(app, ideas: int) -> float:
    from ideenwerkstatt.demo import seed_demo_data
    from ideenwerkstatt.demo_bulk import seed_bulk_data
    from ideenwerkstatt.extensions import db

    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo_data()
        seed_bulk_data(users=max(ideas // 10, 10), ideas=ideas, votes=ideas * 3)
        db.session.commit()
    return time.perf_counter() - started


def _median_ms(client, url: str) -> tuple[float, int, str]:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return statistics.median(times), len(response.data), response.headers["ETag"]


def measure(name: str, database_url: str, ideas: int) -> list[dict]:
    from ideenwerkstatt.extensions import db

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        seeding = _seed(_app(database_url, instance, 0), ideas)
        for cache_seconds in (0, 60):
            app = _app(database_url, instance, cache_seconds)
            with app.app_context():
                client = app.test_client()
                for url in URLS:
                    client.get(url)  # warm: imports, the memory when it is on
                    median, size, etag = _median_ms(client, url)
                    started = time.perf_counter()
                    conditional = client.get(url, headers={"If-None-Match": etag})
                    not_modified = (time.perf_counter() - started) * 1000
                    assert conditional.status_code == 304
                    rows.append(
                        {
                            "database": name,
                            "memory": "on" if cache_seconds else "off",
                            "url": url,
                            "bytes": size,
                            "median": median,
                            "304": not_modified,
                            "seeding": seeding,
                        }
                    )
                db.session.remove()
                if name == "postgresql" and cache_seconds:
                    db.drop_all()
                db.engine.dispose()
    return rows


def section(rows: list[dict], ideas: int) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        SECTION_START,
        "## The open-data catalogue (`benchmarks/catalog.py`)",
        "",
        f"Run {now} on {os.cpu_count()} CPUs (shared); in-process through Flask's test client;"
        f" the demo data plus {ideas:,} published ideas. Median of {RUNS} requests; 304: one"
        " conditional request (`If-None-Match`). Memory off: every request builds the"
        " catalogue (three queries, the rdflib graph, the serialization); on: the per-process"
        " memory of `CATALOG_CACHE_SECONDS`.",
        "",
        "| database | memory | URL | bytes | median ms | 304 ms |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['database']} | {row['memory']} | {row['url']} | {row['bytes']:,} |"
            f" {row['median']:.1f} | {row['304']:.1f} |"
        )
    lines.append(SECTION_END)
    return "\n".join(lines) + "\n"


def write_results(text: str) -> None:
    """Replace this script's own section of RESULTS.md (or append it); others' stay."""
    old = RESULTS.read_text()
    if SECTION_START in old and SECTION_END in old:
        head, rest = old.split(SECTION_START, 1)
        tail = rest.split(SECTION_END, 1)[1].lstrip("\n")
        new = head + text + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=30_000)
    parser.add_argument("--postgresql", help="a PostgreSQL URL whose tables may be dropped")
    parser.add_argument("--write", action="store_true", help="write the section into RESULTS.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows += measure("sqlite", f"sqlite:///{folder}/bench.db", args.ideas)
    if args.postgresql:
        from ideenwerkstatt.config import normalize_database_url

        rows += measure("postgresql", normalize_database_url(args.postgresql), args.ideas)
    text = section(rows, args.ideas)
    print(text)
    if args.write:
        write_results(text)


if __name__ == "__main__":
    main()
