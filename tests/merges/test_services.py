"""Merging duplicates: supporters of both keep one support, dots add up within the budget,
comments move, counts equal the rows, the undo restores both exactly, mail goes to the right
people, the log records it, and only moderators may do it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.auditlog import ModerationLogEntry
from ideenwerkstatt.comments.models import Comment
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import IdeaStatus
from ideenwerkstatt.merges import services
from ideenwerkstatt.merges.models import IdeaMerge
from ideenwerkstatt.votes import services as votes
from ideenwerkstatt.votes.models import Vote

from ..factories import make_consent, make_event, make_idea, make_theme, make_user


def rows(*idea_ids):
    """Every vote row of the ideas, as comparable tuples."""
    return sorted(
        (v.id, v.user_id, v.idea_id, v.weight, v.trend_weight, v.created_at, v.updated_at)
        for v in db.session.scalars(select(Vote).where(Vote.idea_id.in_(idea_ids)))
    )


def assert_counts_match_rows(*ideas):
    for idea in ideas:
        db.session.refresh(idea)
        total, trend = db.session.execute(
            select(
                func.coalesce(func.sum(Vote.weight), 0),
                func.coalesce(func.sum(Vote.trend_weight), 0.0),
            ).where(Vote.idea_id == idea.id)
        ).one()
        assert idea.vote_count == total
        assert idea.trending_score == pytest.approx(trend, rel=1e-12, abs=0)


@pytest.fixture
def moderator(app):
    return make_user(role="moderator")


def pair(**fields):
    theme = fields.pop("theme", None) or make_theme()
    target = make_idea(theme=theme, title="Freies WLAN am Marktplatz", **fields)
    source = make_idea(theme=theme, title="WLAN in der Innenstadt", **fields)
    return source, target


def test_supporters_of_both_keep_one_support(moderator):
    source, target = pair()
    only_a, both, only_b = make_user(), make_user(), make_user()
    for voter, idea in ((only_a, target), (both, target), (both, source), (only_b, source)):
        votes.cast_vote(voter, idea)
    db.session.commit()
    merge = services.merge_ideas(moderator, source, target)
    db.session.commit()

    assert (merge.moved_votes, merge.combined_votes) == (1, 1)
    assert target.vote_count == 3 and source.vote_count == 0
    assert source.status == IdeaStatus.MERGED and source.merged_into_id == target.id
    on_a = db.session.scalars(select(Vote.user_id).where(Vote.idea_id == target.id)).all()
    assert sorted(on_a) == sorted([only_a.id, both.id, only_b.id])
    assert rows(source.id) == []
    assert_counts_match_rows(source, target)
    # Voting on B is over; on A, the person from B already supports it.
    with pytest.raises(votes.VoteError):
        votes.cast_vote(make_user(), source)
    assert not votes.cast_vote(only_b, target).changed


def test_dots_add_up_within_the_budget_and_the_undo_gives_them_back(moderator):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=5)
    source, target = pair(event=event)
    spender, other = make_user(), make_user()
    votes.cast_vote(spender, target, dots=2)
    votes.cast_vote(spender, source, dots=3)
    votes.cast_vote(other, source, dots=1)
    db.session.commit()
    before = rows(source.id, target.id)

    merge = services.merge_ideas(moderator, source, target)
    db.session.commit()
    weights = dict(
        db.session.execute(select(Vote.user_id, Vote.weight).where(Vote.idea_id == target.id)).all()
    )
    assert weights == {spender.id: 5, other.id: 1}
    assert target.vote_count == 6
    state = votes.vote_state(spender, target)
    assert (state.used, state.budget, state.remaining) == (5, 5, 0)
    with pytest.raises(votes.VoteError):
        votes.cast_vote(spender, target, dots=1)  # the budget is spent, not exceeded
    assert_counts_match_rows(source, target)

    services.undo_merge(moderator, merge)
    db.session.commit()
    assert rows(source.id, target.id) == before
    assert (source.status, source.merged_into_id) == (IdeaStatus.PUBLISHED, None)
    assert (source.vote_count, target.vote_count) == (4, 2)
    assert_counts_match_rows(source, target)
    assert votes.vote_state(spender, target).used == 5


def test_undo_restores_both_exactly_with_comments(moderator):
    source, target = pair()
    voters = [make_user() for _ in range(6)]
    for voter in voters[:4]:
        votes.cast_vote(voter, source)
    for voter in voters[2:]:
        votes.cast_vote(voter, target)
    comment = Comment(idea_id=source.id, body="Gute Idee", body_html="<p>Gute Idee</p>")
    db.session.add(comment)
    db.session.commit()
    before = rows(source.id, target.id)
    counts = (source.vote_count, target.vote_count, source.trending_score, target.trending_score)

    merge = services.merge_ideas(moderator, source, target)
    db.session.commit()
    assert db.session.get(Comment, comment.id).idea_id == target.id
    assert merge.moved_comments == 1
    # A comment written on A after the merge stays on A.
    later = Comment(idea_id=target.id, body="Danke", body_html="<p>Danke</p>")
    db.session.add(later)
    db.session.commit()

    services.undo_merge(moderator, merge)
    db.session.commit()
    assert rows(source.id, target.id) == before
    assert (
        source.vote_count,
        target.vote_count,
        source.trending_score,
        target.trending_score,
    ) == pytest.approx(counts)
    assert db.session.get(Comment, comment.id).idea_id == source.id
    assert db.session.get(Comment, later.id).idea_id == target.id
    assert db.session.get(IdeaMerge, merge.id).undone_at is not None
    with pytest.raises(services.MergeError):
        services.undo_merge(moderator, merge)


def test_undo_respects_a_support_taken_back_meanwhile(moderator):
    source, target = pair()
    leaving, staying = make_user(), make_user()
    votes.cast_vote(leaving, source)
    votes.cast_vote(staying, source)
    db.session.commit()
    merge = services.merge_ideas(moderator, source, target)
    votes.retract_vote(leaving, target)
    db.session.commit()
    services.undo_merge(moderator, merge)
    db.session.commit()
    assert db.session.scalars(select(Vote.user_id).where(Vote.idea_id == source.id)).all() == [
        staying.id
    ]
    assert_counts_match_rows(source, target)


def test_mail_goes_to_both_authors_and_consenting_supporters_of_b(moderator, outbox):
    author_a, author_b = make_user(locale="de"), make_user(locale="en")
    source, target = pair()
    source.author, target.author = author_b, author_a
    consenting, silent, withdrawn, only_on_a = (make_user() for _ in range(4))
    english = make_user(locale="en")
    for person in (consenting, withdrawn, only_on_a, english):
        make_consent(person)
    make_consent(withdrawn, action="withdrawn")
    for person in (consenting, silent, withdrawn, english, author_a):
        votes.cast_vote(person, source)
    votes.cast_vote(only_on_a, target)
    db.session.commit()

    merge = services.merge_ideas(moderator, source, target)
    db.session.commit()

    to_authors = {m.recipient: m for m in outbox(template="idea_merged")}
    assert set(to_authors) == {author_a.email, author_b.email}
    assert "WLAN in der Innenstadt" in to_authors[author_b.email].body_text
    to_supporters = {m.recipient: m for m in outbox(template="idea_merged_voter")}
    # Not the one without consent, not the one who withdrew it, not A's supporter, not the
    # author of A (who has the author's mail); each in their language.
    assert set(to_supporters) == {consenting.email, english.email}
    assert "Freies WLAN am Marktplatz" in to_supporters[consenting.email].subject
    assert to_supporters[english.email].subject != to_supporters[consenting.email].subject
    assert to_supporters[consenting.email].idempotency_key == (
        f"idea_merged_voter:{merge.id}:{consenting.id}"
    )
    assert to_supporters[consenting.email].user_id == consenting.id


def test_no_mail_to_the_moderator_who_wrote_one_of_them_or_for_paper_cards(outbox):
    moderator = make_user(role="moderator")
    theme = make_theme()
    target = make_idea(theme=theme, author=moderator)
    source = make_idea(theme=theme, from_paper_card=True)
    services.merge_ideas(moderator, source, target)
    db.session.commit()
    assert outbox(template="idea_merged") == []


def test_the_log_records_merge_and_undo(moderator):
    source, target = pair()
    merge = services.merge_ideas(moderator, source, target)
    services.undo_merge(moderator, merge)
    db.session.commit()
    entries = db.session.scalars(
        select(ModerationLogEntry).where(ModerationLogEntry.object_id == source.id)
    ).all()
    assert [(e.action, e.actor_id, e.object_type) for e in entries] == [
        ("idea.merge", moderator.id, "idea"),
        ("idea.merge_undo", moderator.id, "idea"),
    ]
    assert f"#{source.id} -> #{target.id}" in entries[0].reason


@pytest.mark.parametrize("role", ["citizen", "participant"])
def test_only_moderators_merge(app, role):
    source, target = pair()
    with pytest.raises(services.MergeNotAllowed):
        services.merge_ideas(make_user(role=role), source, target)
    with pytest.raises(services.MergeNotAllowed):
        services.merge_ideas(source.author, source, target)  # not even its author
    assert source.status == IdeaStatus.PUBLISHED


def test_organizers_merge_too(app):
    source, target = pair()
    services.merge_ideas(make_user(role="organizer"), source, target)
    assert source.status == IdeaStatus.MERGED


def test_bad_targets_are_refused_with_a_message_for_the_field(moderator):
    theme = make_theme()
    source = make_idea(theme=theme)
    hidden = make_idea(theme=theme, status="hidden")
    pending = make_idea(theme=theme, status="pending")
    elsewhere = make_idea(event=make_event(phase="voting"))
    other_theme = make_idea()
    closed = make_event(phase="closed")
    for target in (None, source, hidden, pending, elsewhere, other_theme):
        with pytest.raises(services.MergeError) as refused:
            services.merge_ideas(moderator, source, target)
        assert refused.value.field == "target" and refused.value.message
    merged = make_idea(theme=theme)
    services.merge_ideas(moderator, merged, make_idea(theme=theme))
    with pytest.raises(services.MergeError, match="schon mit Idee"):
        services.merge_ideas(moderator, source, merged)
    in_closed, closed_target = make_idea(event=closed), make_idea(event=closed)
    with pytest.raises(services.MergeError, match="abgeschlossen"):
        services.merge_ideas(moderator, in_closed, closed_target)
    assert db.session.scalar(select(func.count(IdeaMerge.id))) == 1


def test_undo_is_refused_once_the_event_closed_or_a_merged_on(moderator):
    event = make_event(phase="voting")
    source, target = pair(event=event)
    merge = services.merge_ideas(moderator, source, target)
    further = make_idea(event=event, theme=target.theme)
    later = services.merge_ideas(moderator, target, further)
    with pytest.raises(services.MergeError, match="zuerst"):
        services.undo_merge(moderator, merge)
    services.undo_merge(moderator, later)
    event.phase = "closed"
    db.session.flush()
    with pytest.raises(services.MergeError, match="abgeschlossen"):
        services.undo_merge(moderator, merge)
