"""The trending sort against the votes sort, and a merge of an idea with 10,000 supporters.

At the large scale of benchmarks/run.py (100,000 users, 30,000 ideas, 1,000,000 votes spread
over 30 days), on SQLite (a temp file) and PostgreSQL (a throwaway database on 127.0.0.1):

- `/ideas?sort=votes` and `/ideas?sort=trending` (all ideas, one theme, one event, a deep page)
  rendered in-process by Flask's test client, the count cache off, N times each: p50 and p99;
  the plan of the trending page query (PostgreSQL: EXPLAIN);
- two ideas of one theme get 10,000 (B) and 5,000 (A) supporters, 2,500 of them on both,
  3,000 of B's with the invitations consent, 50 comments on B; merge B into A (one
  transaction, committed) and undo it, timed.

Writes its section of benchmarks/RESULTS.md (between its markers) unless --no-write.

    .venv/bin/python benchmarks/trending_merge.py [--backends sqlite,postgresql] [--runs 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START = "<!-- bench:trending_merge.py start -->"
END = "<!-- bench:trending_merge.py end -->"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SIZES = {"users": 100_000, "ideas": 30_000, "votes": 1_000_000}
ON_B, ON_A, ON_BOTH, CONSENTING, COMMENTS = 10_000, 5_000, 2_500, 3_000, 50


def pg_admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def build_app(url: str, instance: Path):
    from ideenwerkstatt import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "MAIL_DELIVER_AFTER_COMMIT": "off",
            "IDEA_COUNT_CACHE_SECONDS": 0,
            "PAGE_CACHE_SECONDS": 0,
        }
    )


def seed(app) -> float:
    from ideenwerkstatt.extensions import db

    with app.app_context():
        db.create_all()
    started = time.monotonic()
    result = app.test_cli_runner().invoke(
        args=["demo-data"] + [f"--{k}={v}" for k, v in SIZES.items()]
    )
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    return time.monotonic() - started


def lists(app, runs: int) -> tuple[dict, str]:
    from ideenwerkstatt.events.models import Event
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.ideas.models import Idea
    from ideenwerkstatt.ideas.queries import ideas_query, order_for
    from ideenwerkstatt.themes.models import Theme

    with app.app_context():
        theme = db.session.scalar(select(Theme.slug).order_by(Theme.id).limit(1))
        event = db.session.scalar(select(Event.slug).order_by(Event.id).limit(1))
        plan = ""
        if db.engine.dialect.name == "postgresql":
            stmt = ideas_query(None).order_by(*order_for("trending")).limit(20)
            compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(
                row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")).all()
            )
        else:
            stmt = ideas_query(None).order_by(*order_for("trending")).limit(20)
            compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(
                str(row[-1])
                for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            )
        db.session.remove()
        del Idea
    client = app.test_client()
    deep = min(500, SIZES["ideas"] // 20 - 5)
    variants = {
        "all ideas": "/ideas?sort={}",
        "one theme": f"/ideas?theme={theme}&sort={{}}",
        "one event": f"/ideas?event={event}&sort={{}}",
        f"deep page ({deep})": f"/ideas?sort={{}}&page={deep}",
    }
    rows = {}
    for name, pattern in variants.items():
        for sort in ("votes", "trending"):
            path = pattern.format(sort)
            for _ in range(5):
                assert client.get(path).status_code == 200, path
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
            rows[(name, sort)] = percentiles(samples)
            p50, p99 = rows[(name, sort)]
            print(f"    {name:<16} {sort:<9} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms", flush=True)
    return rows, plan


def merge_setup(app) -> tuple[int, int, int]:
    """Ideas A and B of one theme without an event, their bulk votes replaced by the sizes
    above (the counts recomputed), consents and comments. Returns (B, A, moderator id)."""
    import random

    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.comments.models import Comment
    from ideenwerkstatt.database import utcnow
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.ideas.models import Idea
    from ideenwerkstatt.ideas.trending import trend_weight
    from ideenwerkstatt.merges.services import _recount
    from ideenwerkstatt.privacy.models import ConsentRecord, Purpose
    from ideenwerkstatt.privacy.services import consent_text_row
    from ideenwerkstatt.votes.models import Vote

    rng = random.Random(7)
    with app.app_context():
        first = db.session.scalar(
            select(Idea).where(Idea.event_id.is_(None), Idea.status == "published").limit(1)
        )
        target, source = db.session.scalars(
            select(Idea.id)
            .where(
                Idea.event_id.is_(None),
                Idea.theme_id == first.theme_id,
                Idea.status == "published",
            )
            .order_by(Idea.id)
            .limit(2)
        ).all()
        db.session.execute(Vote.__table__.delete().where(Vote.idea_id.in_([source, target])))
        users = db.session.scalars(select(User.id).where(User.role == "citizen")).all()
        chosen = rng.sample(users, ON_B + ON_A - ON_BOTH)
        on_b = chosen[:ON_B]
        on_a = chosen[ON_B - ON_BOTH :]
        now = utcnow()
        rows = []
        for idea_id, voters in ((source, on_b), (target, on_a)):
            for user_id in voters:
                at = now - dt.timedelta(hours=rng.random() * 240)
                rows.append(
                    {
                        "user_id": user_id,
                        "idea_id": idea_id,
                        "weight": 1,
                        "trend_weight": trend_weight(1, at),
                        "created_at": at,
                        "updated_at": at,
                    }
                )
        db.session.execute(insert(Vote), rows)
        text_row = consent_text_row(Purpose.INVITATIONS, "de")
        db.session.execute(
            insert(ConsentRecord),
            [
                {
                    "user_id": user_id,
                    "purpose": "invitations",
                    "action": "granted",
                    "consent_text_id": text_row.id,
                    "channel": "admin_cli",
                    "created_at": now,
                }
                for user_id in on_b[:CONSENTING]
            ],
        )
        db.session.execute(
            insert(Comment),
            [
                {
                    "idea_id": source,
                    "author_id": on_b[n],
                    "body": "Sehe ich auch so.",
                    "body_html": "<p>Sehe ich auch so.</p>",
                    "status": "published",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(COMMENTS)
            ],
        )
        _recount(source, target)
        moderator = User(
            email=f"moderator-{uuid.uuid4().hex[:8]}@bench.example.org",
            password_hash="x",
            role="moderator",
            locale="de",
            confirmed_at=now,
        )
        db.session.add(moderator)
        db.session.commit()
        return source, target, moderator.id


def merge_timing(app) -> dict:
    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.database import writing
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.ideas.models import Idea
    from ideenwerkstatt.mail.models import OutboxMessage
    from ideenwerkstatt.merges import services

    source_id, target_id, moderator_id = merge_setup(app)
    with app.app_context(), writing():
        moderator = db.session.get(User, moderator_id)
        source, target = db.session.get(Idea, source_id), db.session.get(Idea, target_id)
        started = time.perf_counter()
        merge = services.merge_ideas(moderator, source, target)
        db.session.commit()
        merge_ms = (time.perf_counter() - started) * 1000
        mails = db.session.scalar(
            select(text("count(*)"))
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "idea_merged_voter")
        )
        counts = (merge.moved_votes, merge.combined_votes, merge.moved_comments, mails)
        total = db.session.get(Idea, target_id).vote_count
        started = time.perf_counter()
        services.undo_merge(moderator, merge)
        db.session.commit()
        undo_ms = (time.perf_counter() - started) * 1000
        back = (
            db.session.get(Idea, source_id).vote_count,
            db.session.get(Idea, target_id).vote_count,
        )
        db.session.remove()
    print(
        f"    merge {merge_ms:.0f} ms (moved {counts[0]}, combined {counts[1]}, comments "
        f"{counts[2]}, supporter mails {counts[3]}; A then {total}); undo {undo_ms:.0f} ms "
        f"(B {back[0]}, A {back[1]})",
        flush=True,
    )
    return {
        "merge_ms": merge_ms,
        "undo_ms": undo_ms,
        "counts": counts,
        "total": total,
        "back": back,
    }


def run(backend: str, tmp: Path, runs: int) -> dict:
    print(f"\n== {backend}: {SIZES}", flush=True)
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'large.db'}"
        drop = None
    else:
        name = f"iw_merge_bench_{os.getpid()}"
        pg_admin(f"DROP DATABASE IF EXISTS {name}")
        pg_admin(f"CREATE DATABASE {name}")
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        drop = name
    try:
        app = build_app(url, tmp / f"instance-{backend}")
        seconds = seed(app)
        print(f"  seeded in {seconds:.0f} s", flush=True)
        rows, plan = lists(app, runs)
        merge = merge_timing(app)
        with app.app_context():
            from ideenwerkstatt.extensions import db

            db.engine.dispose()
        return {"rows": rows, "plan": plan, "merge": merge, "seed": seconds}
    finally:
        if drop:
            pg_admin(f"DROP DATABASE IF EXISTS {drop} WITH (FORCE)")


def report(results: dict, runs: int) -> str:
    lines = [
        START,
        f"### Trending sort and merging ({dt.date.today().isoformat()}, "
        f"`benchmarks/trending_merge.py`)",
        "",
        f"Large scale: {SIZES['users']:,} users, {SIZES['ideas']:,} ideas, {SIZES['votes']:,} "
        f"votes over 30 days. Pages rendered in-process by the test client (no network, the "
        f"count cache off), {runs} runs each, p50 / p99 in ms.",
        "",
        "| backend | list | `sort=votes` p50 / p99 | `sort=trending` p50 / p99 |",
        "| --- | --- | --- | --- |",
    ]
    for backend, result in results.items():
        names = dict.fromkeys(name for name, _sort in result["rows"])
        for name in names:
            v50, v99 = result["rows"][(name, "votes")]
            t50, t99 = result["rows"][(name, "trending")]
            lines.append(f"| {backend} | {name} | {v50:.1f} / {v99:.1f} | {t50:.1f} / {t99:.1f} |")
    lines += [
        "",
        f"Merge of an idea with {ON_B:,} supporters into one with {ON_A:,} ({ON_BOTH:,} on "
        f"both, {CONSENTING:,} of B's with the invitations consent, {COMMENTS} comments), one "
        "transaction including the commit (target: under 2 s):",
        "",
        "| backend | merge | undo | moved / combined / comments / supporter mails |",
        "| --- | --- | --- | --- |",
    ]
    for backend, result in results.items():
        merge = result["merge"]
        counts = " / ".join(f"{n:,}" for n in merge["counts"])
        lines.append(
            f"| {backend} | {merge['merge_ms']:.0f} ms | {merge['undo_ms']:.0f} ms | {counts} |"
        )
    for backend, result in results.items():
        lines += ["", f"Plan of the trending page query on {backend}:", "", "```"]
        lines += result["plan"].splitlines() + ["```"]
    lines.append(END)
    return "\n".join(lines)


def write(section: str) -> None:
    current = RESULTS.read_text(encoding="utf-8")
    if START in current and END in current:
        head, rest = current.split(START, 1)
        tail = rest.split(END, 1)[1]
        current = head + section + tail
    else:
        current = current.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(current, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--small", action="store_true", help="a quick try: 1,000 ideas")
    args = parser.parse_args()
    if args.small:
        SIZES.update(users=20_000, ideas=1_000, votes=33_334)
        args.no_write = True
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            results[backend] = run(backend, Path(tmp), args.runs)
    section = report(results, args.runs)
    print("\n" + section)
    if not args.no_write:
        write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
