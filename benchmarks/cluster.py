"""Cluster benchmark: one app server against two behind nginx, on this machine, in one run.

The cluster is tests/cluster/harness.py's (`make test-cluster`): nginx running
deploy/nginx/ideenwerkstatt.conf in front of two `ideenwerkstatt serve` app servers (A and B,
--workers 2 each) on a throwaway PostgreSQL database and Redis (CLUSTER_REDIS_URL, database 5;
the shared page and count caches are on). Measured from a separate process:

1. the list page `/ideas?sort=votes` (a visitor, so the page cache answers most of it) and the
   vote POST (signed-in people supporting and retracting) with wrk: server A directly, then
   nginx over A and B, twice in turn (the machine is shared: the better of the two runs of
   each counts, both are printed);
2. the evening: benchmarks/live_load.py's phones (default 1,000, each holding the live stream
   and spending its dots within the burst) and its wall, all through nginx, whose least_conn
   splits the streams over A and B; vote-to-wall delay p50/p95/p99.

Data: `ideenwerkstatt demo-data --users 1000 --ideas 300 --votes 10000` for the pages, then
live_load's event for the evening. Results go into benchmarks/RESULTS.md (its own section).

    .venv/bin/python benchmarks/cluster.py [--phones 1000] [--duration 10] [--burst 60] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import live_load  # noqa: E402  (benchmarks/ is on the path only now)
import run as pages  # noqa: E402

from tests.cluster.harness import BIN, Cluster, sign_in  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION_START = "<!-- bench:cluster.py start -->"
SECTION_END = "<!-- bench:cluster.py end -->"
LIST_PAGE = "/ideas?sort=votes"
VOTERS = 8
THREADS = 400  # per worker: room for 1,000 streams over 2 servers x 2 workers


def seed_pages(cluster: Cluster) -> None:
    env = cluster.env(cluster.workdir / "instance-seed")
    command = [str(BIN / "ideenwerkstatt"), "demo-data", "--users", "1000", "--ideas", "300"]
    subprocess.run([*command, "--votes", "10000"], env=env, check=True, capture_output=True)


def voters(cluster: Cluster) -> tuple[list[dict], list[int]]:
    """VOTERS signed-in people and 25 published ideas without an event for each."""
    from sqlalchemy import select

    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.ideas.models import Idea, IdeaStatus
    from tests.factories import make_user

    app = cluster.app()
    with app.app_context():
        ideas = list(
            db.session.scalars(
                select(Idea.id)
                .where(Idea.status == IdeaStatus.PUBLISHED, Idea.event_id.is_(None))
                .order_by(Idea.id)
                .limit(VOTERS * 25)
            )
        )
        people = [sign_in(app, make_user()) for _ in range(VOTERS)]
        db.engine.dispose()
    sessions = [{"cookie": f"{p.cookie_name}={p.cookie}", "csrf": p.csrf} for p in people]
    return sessions, ideas


def check_vote(base: str, session: dict, idea_id: int) -> None:
    import httpx

    headers = {"Cookie": session["cookie"], "Content-Type": "application/x-www-form-urlencoded"}
    body = f"csrf_token={quote(session['csrf'])}"
    for suffix in ("/vote", "/vote/retract"):
        answer = httpx.post(f"{base}/ideas/{idea_id}{suffix}", content=body, headers=headers)
        if answer.status_code != 302 or "login" in answer.headers.get("location", ""):
            raise RuntimeError(f"vote POST on {base} answered {answer.status_code}")


def rates(cluster: Cluster, args, workdir: Path) -> dict:
    a = cluster.apps[0]
    targets = {"one server (A, no nginx)": a.url, "two servers behind nginx": cluster.url}
    sessions, ideas = voters(cluster)
    script = workdir / "vote.lua"
    pages.vote_script(script, sessions, ideas)
    for base in targets.values():
        check_vote(base, sessions[0], ideas[0])
    results: dict[str, dict[str, list[dict]]] = {name: {"list": [], "vote": []} for name in targets}
    for round_ in range(2):
        for name, base in targets.items():
            pages.wrk(base + LIST_PAGE, args.warmup, threads=2)
            page = pages.wrk(base + LIST_PAGE, args.duration, threads=2)
            vote = pages.wrk(base + "/", args.duration, VOTERS, script)
            results[name]["list"].append(page)
            results[name]["vote"].append(vote)
            print(
                f"  round {round_ + 1} {name:<26} list {page['rps']:7.0f}/s p99 "
                f"{page['p99']:6.1f} ms   vote {vote['rps']:6.0f}/s p99 {vote['p99']:6.1f} ms"
                f"   errors {page['errors']}/{vote['errors']}",
                flush=True,
            )
    return results


def cluster_pids(cluster: Cluster) -> list[int]:
    pids = []
    for server in cluster.apps:
        pids += live_load.group_pids(server.proc.pid)
    return pids


def live(cluster: Cluster, args) -> dict:
    """live_load's phones and wall, all through nginx; its CPU, memory and connection figures
    summed over both app servers."""
    env = cluster.env(cluster.workdir / "instance-live")
    seeded = live_load.seed(env, args.phones, args.ideas, args.dots)
    ports = [server.port for server in cluster.apps]
    per_server = {server.name: 0 for server in cluster.apps}
    one_port = live_load.open_connections

    def connections(_port: int) -> int:
        counts = {s.name: one_port(s.port) for s in cluster.apps}
        for name, count in counts.items():
            per_server[name] = max(per_server[name], count)
        return sum(counts.values())

    # The script samples one server's process group and port: here, all of the cluster's.
    live_load.group_pids = lambda _pgid, _all=live_load.group_pids: [
        pid for server in cluster.apps for pid in _all(server.proc.pid)
    ]
    live_load.open_connections = connections
    load_args = argparse.Namespace(
        phones=args.phones, dots=args.dots, ideas=args.ideas, burst=args.burst, phone_mode="stream"
    )
    stats = asyncio.run(live_load.run_load(cluster.url, seeded, load_args, 0, ports[0]))
    stats["per_server_connections"] = per_server
    return stats


def best(runs: list[dict]) -> dict:
    return max(runs, key=lambda r: r["rps"])


def report(results: dict, stats: dict, args) -> str:
    one, two = results["one server (A, no nginx)"], results["two servers behind nginx"]
    share = best(two["list"])["rps"] / best(one["list"])["rps"]
    vote_share = best(two["vote"])["rps"] / best(one["vote"])["rps"]
    p = live_load.percentile
    delays = stats["delays"]
    p95 = p(delays, 95)
    lines = [
        "| | list page `/ideas?sort=votes` (req/s, both runs; p99 of the better) "
        "| vote POST (req/s, both runs; p99 of the better) |",
        "| --- | --- | --- |",
    ]
    for name, runs in results.items():
        page, vote = best(runs["list"]), best(runs["vote"])
        list_rates = " / ".join(str(round(r["rps"])) for r in runs["list"])
        vote_rates = " / ".join(str(round(r["rps"])) for r in runs["vote"])
        lines.append(
            f"| {name} | {list_rates}; p99 {page['p99']:.1f} ms "
            f"| {vote_rates}; p99 {vote['p99']:.1f} ms |"
        )
    lines += [
        "",
        f"- List page through nginx with two servers: **{share:.0%}** of one server without "
        f"nginx (target >= 80 %: {'met' if share >= 0.8 else 'missed'}); vote POST: "
        f"{vote_share:.0%}.",
        f"- The evening, {args.phones} phones through nginx (open connections at the peak: "
        + ", ".join(f"{k} {v}" for k, v in stats["per_server_connections"].items())
        + f"), {len(stats['vote_times'])} votes in {args.burst:.0f} s: vote-to-wall p50 "
        f"{live_load.ms(p(delays, 50))}, **p95 {live_load.ms(p95)}**, p99 "
        f"{live_load.ms(p(delays, 99))} (target p95 <= 1 s: "
        f"{'met' if p95 is not None and p95 <= 1 else 'missed'}); vote POST p50 / p95 "
        f"{live_load.ms(p(stats['vote_times'], 50))} / {live_load.ms(p(stats['vote_times'], 95))}"
        f"; errors {stats['errors']}, votes never shown {stats['not_shown']} (states the wall "
        f"received: {stats['wall_states']}), stream refusals "
        f"{stats['fallbacks']}; both servers' CPU {stats['cpu']:.2f} cores, memory "
        f"{stats['peak_rss'] / 2**20:.0f} MB; machine load {stats['load']:.1f} / "
        f"{stats['load_end']:.1f}.",
    ]
    return "\n".join(lines)


def write_results(table: str, args) -> None:
    text = RESULTS.read_text()
    section = "\n".join(
        [
            SECTION_START,
            "## Cluster: one server against two behind nginx (`python benchmarks/cluster.py`, "
            "issue 17)",
            "",
            f"Written by the script; last run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on "
            f"{platform.node()} ({os.cpu_count()} cores, shared with other work: the numbers "
            "are noisy, and both layouts run on the same two cores, so two servers cannot be "
            "faster; what is measured is the cost of the shared pieces). App servers: "
            f"`ideenwerkstatt serve --workers 2 --threads {THREADS}` each, PostgreSQL, Redis "
            "(shared caches on), nginx with deploy/nginx/ideenwerkstatt.conf; wrk with "
            f"{pages.CONNECTIONS} connections for {args.duration} s per run.",
            "",
            table,
            SECTION_END,
        ]
    )
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        text = before + section + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--dots", type=int, default=5)
    parser.add_argument("--ideas", type=int, default=20)
    parser.add_argument("--burst", type=float, default=60)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="write the section of RESULTS.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make wrk` installs Debian's")
    live_load.raise_open_files(args.phones)  # nginx and the servers inherit the limit

    with tempfile.TemporaryDirectory(prefix="iw-cluster-bench-") as tmp:
        workdir = Path(tmp)
        extra = {"RATELIMIT_ENABLED": "0", "SECRET_KEY": live_load.SECRET}
        started = time.monotonic()
        with Cluster(workdir, threads=THREADS, extra_env=extra) as cluster:
            print(f"cluster up in {time.monotonic() - started:.0f} s; seeding ...", flush=True)
            seed_pages(cluster)
            print("list page and vote POST (wrk) ...", flush=True)
            results = rates(cluster, args, workdir)
            print(f"the evening: {args.phones} phones through nginx ...", flush=True)
            stats = live(cluster, args)
    table = report(results, stats, args)
    print(table)
    if args.write:
        write_results(table, args)


if __name__ == "__main__":
    main()
