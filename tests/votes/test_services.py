"""votes.services: who may vote when, support and dots, retracting, counts equal to rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.events.models import VotingRule
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.votes import services
from ideenwerkstatt.votes.models import Vote
from ideenwerkstatt.votes.services import VoteError, VoteNotAllowed

from ..factories import make_event, make_idea, make_user, make_vote


def rows_sum(idea) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.idea_id == idea.id)
    )


def assert_count_matches(idea):
    db.session.expire(idea)
    assert idea.vote_count == rows_sum(idea)


def test_support_vote_without_event(app):
    idea, voter = make_idea(), make_user()
    state = services.cast_vote(voter, idea)
    assert state.changed and state.voted and state.vote_count == 1
    assert state.rule == VotingRule.SUPPORT and state.budget is None
    assert idea.vote_count == 1
    assert_count_matches(idea)


def test_second_support_vote_is_a_no_op(app):
    idea, voter = make_idea(), make_user()
    services.cast_vote(voter, idea)
    state = services.cast_vote(voter, idea)
    assert not state.changed and state.weight == 1 and state.vote_count == 1
    assert db.session.scalar(select(func.count(Vote.id))) == 1
    # The savepoint kept the transaction usable.
    db.session.commit()
    assert_count_matches(idea)


def test_support_ignores_extra_dots(app):
    idea = make_idea()
    state = services.cast_vote(make_user(), idea, dots=5)
    assert state.weight == 1 and idea.vote_count == 1


@pytest.mark.parametrize("status", ["pending", "rejected", "hidden"])
def test_unpublished_ideas_take_no_votes(app, status):
    idea = make_idea(status=status)
    with pytest.raises(VoteError):
        services.cast_vote(make_user(), idea)
    with pytest.raises(VoteError):
        services.retract_vote(make_user(), idea)
    assert rows_sum(idea) == 0


@pytest.mark.parametrize("phase", ["draft", "collecting", "closed"])
def test_event_ideas_take_votes_only_while_voting(app, phase):
    idea = make_idea(event=make_event(phase=phase))
    with pytest.raises(VoteError) as info:
        services.cast_vote(make_user(), idea)
    assert info.value.message
    state = services.vote_state(make_user(), idea)
    assert not state.open and state.reason and not state.can_add


def test_retract_is_refused_after_voting_closed(app):
    event = make_event(phase="voting")
    idea, voter = make_idea(event=event), make_user()
    services.cast_vote(voter, idea)
    event.phase = "closed"
    with pytest.raises(VoteError):
        services.retract_vote(voter, idea)
    assert idea.vote_count == 1


def test_event_in_voting_phase(app):
    idea = make_idea(event=make_event(phase="voting"))
    assert services.cast_vote(make_user(), idea).vote_count == 1


def test_visitors_and_inactive_accounts_cannot_vote(app):
    idea = make_idea()
    with pytest.raises(VoteNotAllowed):
        services.cast_vote(None, idea)
    with pytest.raises(VoteNotAllowed):
        services.cast_vote(make_user(confirmed=False), idea)


def test_votes_do_not_count_as_edits_of_the_idea(app):
    idea, voter = make_idea(), make_user()
    db.session.commit()
    edited = db.session.scalar(select(Idea.updated_at).where(Idea.id == idea.id))
    services.cast_vote(voter, idea)
    services.retract_vote(voter, idea)
    db.session.commit()
    assert db.session.scalar(select(Idea.updated_at).where(Idea.id == idea.id)) == edited


def test_retract_removes_the_vote(app):
    idea, voter, other = make_idea(), make_user(), make_user()
    services.cast_vote(voter, idea)
    services.cast_vote(other, idea)
    state = services.retract_vote(voter, idea)
    assert state.changed and not state.voted and state.vote_count == 1
    assert_count_matches(idea)
    again = services.retract_vote(voter, idea)
    assert not again.changed and again.vote_count == 1


def test_votes_of_several_people_add_up(app):
    idea = make_idea()
    for _ in range(5):
        services.cast_vote(make_user(), idea)
    assert idea.vote_count == 5
    assert_count_matches(idea)


# --- dots ---------------------------------------------------------------------------------


@pytest.fixture
def dots_event(app):
    return make_event(phase="voting", voting_rule="dots", dot_budget=5)


def test_dots_accumulate_on_one_idea(app, dots_event):
    idea, voter = make_idea(event=dots_event), make_user()
    services.cast_vote(voter, idea, dots=2)
    state = services.cast_vote(voter, idea, dots=2)
    assert state.weight == 4 and state.used == 4 and state.remaining == 1
    assert state.vote_count == 4
    assert db.session.scalar(select(func.count(Vote.id))) == 1
    assert_count_matches(idea)


def test_budget_is_per_event_across_ideas(app, dots_event):
    first, second = make_idea(event=dots_event), make_idea(event=dots_event)
    voter = make_user()
    services.cast_vote(voter, first, dots=3)
    with pytest.raises(VoteError) as info:
        services.cast_vote(voter, second, dots=3)
    assert "2" in info.value.message
    state = services.cast_vote(voter, second, dots=2)
    assert state.remaining == 0 and not state.can_add
    with pytest.raises(VoteError):
        services.cast_vote(voter, first, dots=1)
    assert_count_matches(first)
    assert_count_matches(second)


def test_other_events_do_not_use_the_budget(app, dots_event):
    other_event = make_event(phase="voting", voting_rule="dots", dot_budget=2)
    voter = make_user()
    services.cast_vote(voter, make_idea(event=dots_event), dots=5)
    state = services.cast_vote(voter, make_idea(event=other_event), dots=2)
    assert state.used == 2 and state.budget == 2


@pytest.mark.parametrize("dots", [0, -1, 6])
def test_bad_number_of_dots(app, dots_event, dots):
    with pytest.raises(VoteError):
        services.cast_vote(make_user(), make_idea(event=dots_event), dots=dots)


def test_retract_frees_all_dots(app, dots_event):
    idea, voter = make_idea(event=dots_event), make_user()
    services.cast_vote(make_user(), idea, dots=1)
    services.cast_vote(voter, idea, dots=4)
    state = services.retract_vote(voter, idea)
    assert state.weight == 0 and state.used == 0 and state.remaining == 5
    assert state.vote_count == 1
    assert_count_matches(idea)


def test_dots_event_without_budget_gives_one_dot(app):
    event = make_event(phase="voting", voting_rule="dots")
    event.dot_budget = None
    idea = make_idea(event=event)
    voter = make_user()
    assert services.cast_vote(voter, idea).budget == services.DEFAULT_DOT_BUDGET
    with pytest.raises(VoteError):
        services.cast_vote(voter, idea)


def test_vote_state_for_visitor_and_voter(app, dots_event):
    idea = make_idea(event=dots_event)
    make_vote(idea, weight=2)
    visitor = services.vote_state(None, idea)
    assert visitor.vote_count == 2 and visitor.weight == 0 and visitor.open
    voter = make_user()
    services.cast_vote(voter, idea, dots=1)
    state = services.vote_state(voter, idea)
    assert state.weight == 1 and state.used == 1 and state.remaining == 4 and state.can_add
    assert state.as_json()["vote_count"] == 3


def test_votes_of_lists_my_votes(app):
    voter = make_user()
    ideas = [make_idea() for _ in range(3)]
    for idea in ideas[:2]:
        services.cast_vote(voter, idea)
    mine = services.votes_of(voter)
    assert {idea.id for _vote, idea in mine} == {ideas[0].id, ideas[1].id}
    assert services.votes_of(None) == []
