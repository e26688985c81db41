"""The trending sort: with a fixed clock and a known vote history, recent votes outweigh
older ones; the stored score equals the sum of the rows' trend weights after votes,
retractions and dots; the list page and the API sort by it."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas import queries, trending
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.votes import services
from ideenwerkstatt.votes.models import Vote

from ..factories import make_event, make_idea, make_theme, make_user

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    """The votes' clock, set by the test: `clock.at(days_ago)`."""

    class Clock:
        now = NOW

        def at(self, days_ago: float):
            self.now = NOW - dt.timedelta(days=days_ago)

    fixed = Clock()
    monkeypatch.setattr(services, "utcnow", lambda: fixed.now)
    return fixed


def vote_many(idea, count: int):
    for _ in range(count):
        services.cast_vote(make_user(commit=False), idea)


def stored_matches_rows(idea) -> None:
    db.session.flush()
    rows = db.session.scalar(
        select(func.coalesce(func.sum(Vote.trend_weight), 0.0)).where(Vote.idea_id == idea.id)
    )
    db.session.refresh(idea)
    assert math.isclose(idea.trending_score, rows, rel_tol=1e-12, abs_tol=0.0)


def test_recent_votes_outweigh_older_ones(app, clock):
    theme = make_theme()
    old = make_idea(theme=theme, title="Zehn alte Stimmen")
    recent = make_idea(theme=theme, title="Drei Stimmen von gestern")
    middle = make_idea(theme=theme, title="Vier Stimmen von vorgestern")
    clock.at(20)
    vote_many(old, 10)
    clock.at(2)
    vote_many(middle, 4)
    clock.at(1)
    vote_many(recent, 3)
    db.session.commit()

    by_votes = queries.list_ideas(None, theme=theme, sort="votes").items
    assert [i.id for i in by_votes] == [old.id, middle.id, recent.id]
    by_trend = queries.list_ideas(None, theme=theme, sort="trending").items
    # Decayed at NOW: 4 * 2**(-2/3) = 2.52 > 3 * 2**(-1/3) = 2.38 > 10 * 2**(-20/3) = 0.10
    assert [i.id for i in by_trend] == [middle.id, recent.id, old.id]
    assert trending.decayed(middle.trending_score, NOW) == pytest.approx(4 * 2 ** (-2 / 3))
    assert trending.decayed(recent.trending_score, NOW) == pytest.approx(3 * 2 ** (-1 / 3))
    assert trending.decayed(old.trending_score, NOW) == pytest.approx(10 * 2 ** (-20 / 3))
    for idea in (old, middle, recent):
        stored_matches_rows(idea)


def test_retracting_subtracts_exactly_what_the_vote_added(app, clock):
    theme = make_theme()
    a = make_idea(theme=theme)
    b = make_idea(theme=theme)
    clock.at(1)
    voters = [make_user(commit=False) for _ in range(4)]
    for voter in voters:
        services.cast_vote(voter, a)
    vote_many(b, 3)
    db.session.commit()
    assert [i.id for i in queries.list_ideas(None, theme=theme, sort="trending").items] == [
        a.id,
        b.id,
    ]
    clock.at(0)
    for voter in voters[:2]:
        services.retract_vote(db.session.get(User, voter.id), a)
    db.session.commit()
    stored_matches_rows(a)
    assert [i.id for i in queries.list_ideas(None, theme=theme, sort="trending").items] == [
        b.id,
        a.id,
    ]
    for voter in voters[2:]:
        services.retract_vote(db.session.get(User, voter.id), a)
    db.session.refresh(a)
    assert (a.vote_count, a.trending_score) == (0, 0.0)


def test_dots_added_later_count_as_recent(app, clock):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=6)
    early, late = make_idea(event=event), make_idea(event=event)
    voter, other = make_user(), make_user()
    clock.at(9)
    services.cast_vote(voter, early, dots=3)
    services.cast_vote(other, late, dots=1)
    clock.at(0)
    services.cast_vote(other, late, dots=1)  # the same row, a dot more: counts as of today
    db.session.commit()
    stored_matches_rows(early)
    stored_matches_rows(late)
    assert trending.decayed(late.trending_score, NOW) == pytest.approx(1 + 2**-3)
    ranked = queries.list_ideas(None, event=event, sort="trending").items
    assert [i.id for i in ranked] == [late.id, early.id]


def test_far_future_votes_do_not_overflow():
    far = trending.EPOCH + trending.HALF_LIFE * 5000
    weight = trending.trend_weight(1_000_000, far)
    assert math.isfinite(weight) and math.isfinite(weight * 1_000_000)
    assert trending.trend_weight(1, trending.EPOCH) == 1.0
    assert trending.trend_weight(1, trending.EPOCH - trending.HALF_LIFE * 5000) > 0


def test_list_page_and_api_sort_by_trend(app, client, clock):
    theme = make_theme()
    old = make_idea(theme=theme, title="Alte Idee mit vielen Stimmen")
    new = make_idea(theme=theme, title="Neue Idee mit frischen Stimmen")
    clock.at(30)
    vote_many(old, 5)
    clock.at(0)
    vote_many(new, 2)
    db.session.commit()
    page = client.get(f"/ideas?theme={theme.slug}&sort=trending")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index(new.title) < html.index(old.title)
    assert '<option selected value="trending">' in html
    answer = client.get(f"/api/v1/ideas?theme={theme.slug}&sort=trending").get_json()
    assert [item["id"] for item in answer["items"]] == [new.id, old.id]
    votes_answer = client.get(f"/api/v1/ideas?theme={theme.slug}&sort=votes").get_json()
    assert [item["id"] for item in votes_answer["items"]] == [old.id, new.id]
    assert client.get("/api/v1/ideas?sort=hot").status_code == 400


def test_stored_ideas_start_at_zero(app):
    idea = make_idea()
    assert db.session.get(Idea, idea.id).trending_score == 0.0
