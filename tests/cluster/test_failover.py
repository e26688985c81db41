"""Server A stops (SIGKILL: it dies; SIGTERM: it shuts down gracefully) in the middle of a
burst of votes sent through nginx: no vote that was answered 200 is lost, none is counted
twice (also not when the people whose vote failed send it again), and nginx sends the
requests that follow to server B. A is started again afterwards."""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.votes.models import Vote
from tests.factories import make_idea, make_theme

pytestmark = pytest.mark.cluster

VOTERS = 60
STOP_AFTER = 20  # answers before server A is stopped


@pytest.fixture
def restart_a(cluster, servers):
    """Start A again afterwards, and wait until nginx, which leaves a failed server alone for
    its fail_timeout (10 s), sends to it again."""
    yield
    a = servers[0]
    a.stop(signal.SIGKILL)
    a.start()
    a.wait_ready()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = httpx.get(cluster.url + "/healthz", timeout=30)
        if last_hop(answer.headers.get("x-upstream")) == a.address:
            return
        time.sleep(0.5)
    pytest.fail("nginx does not send to server A again after its restart")


def last_hop(upstream: str | None) -> str | None:
    """nginx lists every server it tried ("A, B"): the last one answered."""
    return upstream.split(",")[-1].strip() if upstream else None


def voters_and_count(idea_id: int) -> tuple[list[int], int]:
    db.session.expire_all()
    voters = list(db.session.scalars(select(Vote.user_id).where(Vote.idea_id == idea_id)))
    return voters, db.session.get(Idea, idea_id).vote_count


@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_stopping_server_a_in_a_burst_of_votes_loses_and_doubles_none(
    app, cluster, servers, person, stop_signal, restart_a
):
    a, b = servers
    idea_id = make_idea(theme=make_theme()).id
    people = [person() for _ in range(VOTERS)]
    answered = threading.Semaphore(0)
    results: dict[int, tuple[int, str | None]] = {}

    def vote(n: int) -> None:
        try:
            answer = people[n].post(cluster.url, f"/ideas/{idea_id}/vote", json=True)
            results[n] = (answer.status_code, last_hop(answer.headers.get("x-upstream")))
        except httpx.HTTPError as error:
            results[n] = (0, repr(error))
        finally:
            answered.release()

    with ThreadPoolExecutor(8) as pool:
        for n in range(VOTERS):
            pool.submit(vote, n)
        for _ in range(STOP_AFTER):
            assert answered.acquire(timeout=60), "the votes got no answers"
        a.signal(stop_signal)
    a.proc.wait(timeout=30)

    assert a.address in {hop for _code, hop in results.values()}, "A took no vote"
    acknowledged = {people[n].user_id for n, (code, _hop) in results.items() if code == 200}
    voters, count = voters_and_count(idea_id)
    assert acknowledged <= set(voters), "a vote answered 200 is missing"
    assert len(voters) == len(set(voters)) == count, "a vote is counted twice"

    # Who got no 200 sends the vote again (as the page's button invites them to): through
    # nginx, now answered by B, counted once.
    failed = [n for n, (code, _hop) in results.items() if code != 200]
    for n in failed:
        answer = people[n].post(cluster.url, f"/ideas/{idea_id}/vote", json=True)
        assert answer.status_code in (200, 409), answer.text[:300]
        assert last_hop(answer.headers.get("x-upstream")) == b.address
    voters, count = voters_and_count(idea_id)
    assert sorted(voters) == sorted(p.user_id for p in people)
    assert count == VOTERS

    following = [httpx.get(cluster.url + "/healthz", timeout=30) for _ in range(10)]
    assert [r.status_code for r in following] == [200] * 10
    assert {last_hop(r.headers.get("x-upstream")) for r in following} == {b.address}
    codes = sorted(results[n][0] for n in failed)
    print(
        f"{stop_signal.name}: {len(failed)} of {VOTERS} votes unanswered when A stopped "
        f"(status {codes}), all counted once after sending again"
    )
