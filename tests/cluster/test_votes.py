"""Votes sent at once to both servers end with exact counts: every vote row counted once, the
idea's count equal to its rows, a dot budget never overspent, a double click on two servers
counted once."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.votes.models import Vote
from tests.factories import make_event, make_idea, make_theme

pytestmark = pytest.mark.cluster


def rows_and_count(idea_id: int) -> tuple[int, int]:
    db.session.expire_all()
    rows = db.session.scalar(
        select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.idea_id == idea_id)
    )
    return rows, db.session.get(Idea, idea_id).vote_count


def api_count(server, idea_id: int) -> int:
    return httpx.get(f"{server.url}/api/v1/ideas/{idea_id}", timeout=30).json()["vote_count"]


def test_support_votes_sent_to_both_servers_at_once_are_counted_exactly(app, servers, person):
    a, b = servers
    theme = make_theme()
    ideas = [make_idea(theme=theme, title=f"Gleichzeitig {n}") for n in range(3)]
    people = [person() for _ in range(24)]
    jobs = [
        (server, someone, idea.id)
        for (someone, idea), server in zip(
            itertools.product(people, ideas), itertools.cycle((a, b)), strict=False
        )
    ]

    def vote(job):
        server, someone, idea_id = job
        return someone.post(server.url, f"/ideas/{idea_id}/vote", json=True).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(vote, jobs))
    assert codes == [200] * len(jobs)
    for idea in ideas:
        assert rows_and_count(idea.id) == (len(people), len(people))
        assert api_count(a, idea.id) == api_count(b, idea.id) == len(people)


def test_a_double_click_landing_on_both_servers_counts_once(app, servers, person):
    a, b = servers
    idea_id = make_idea(theme=make_theme()).id
    people = [person() for _ in range(12)]
    # Each person's vote goes to A and to B at the same moment, twice over.
    jobs = [(server, someone) for someone in people for server in (a, b, a, b)]

    def vote(job):
        server, someone = job
        return someone.post(server.url, f"/ideas/{idea_id}/vote", json=True).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(vote, jobs))
    assert set(codes) <= {200, 409}
    assert rows_and_count(idea_id) == (len(people), len(people))


def test_a_dot_budget_spent_on_both_servers_at_once_is_never_overspent(app, servers, person):
    a, b = servers
    theme = make_theme()
    event = make_event(phase="voting", voting_rule="dots", dot_budget=3, themes=[theme])
    ideas = [make_idea(theme=theme, event=event) for _ in range(2)]
    people = [person() for _ in range(10)]
    # Five one-dot votes per person, spread over both servers and both ideas: three may count.
    jobs = [
        (server, someone, idea.id)
        for someone in people
        for server, idea in zip((a, b, a, b, a), itertools.cycle(ideas), strict=False)
    ]

    def vote(job):
        server, someone, idea_id = job
        answer = someone.post(server.url, f"/ideas/{idea_id}/vote", {"dots": "1"}, json=True)
        return answer.status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(vote, jobs))
    assert codes.count(200) == 3 * len(people)
    assert set(codes) <= {200, 409}
    spent = db.session.execute(
        select(Vote.user_id, func.sum(Vote.weight))
        .where(Vote.idea_id.in_([i.id for i in ideas]))
        .group_by(Vote.user_id)
    ).all()
    assert sorted(total for _user, total in spent) == [3] * len(people)
    assert sum(rows_and_count(i.id)[1] for i in ideas) == 3 * len(people)
    for idea in ideas:
        rows, count = rows_and_count(idea.id)
        assert rows == count
