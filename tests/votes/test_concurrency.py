"""Many people voting at once: exactly one row per voter and a count equal to the rows.

Runs against an SQLite file (the in-memory database is one shared connection) and, when
TEST_DATABASE_URL is set, against PostgreSQL: see the `file_db_app` fixture."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.database import writing
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.votes import services
from ideenwerkstatt.votes.models import Vote

from ..factories import make_event, make_idea, make_user

THREADS = 20


def run_at_once(app, jobs):
    """Run each job in its own thread with its own app context (and so its own session and
    connection), all released together; return the exceptions they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                # Like a POST request: a writer from the start (BEGIN IMMEDIATE on SQLite).
                with writing():
                    job()
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001  (reported to the test)
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def cast(voter_id: int, idea_id: int, dots: int = 1):
    def job():
        voter = db.session.get(User, voter_id)
        idea = db.session.get(Idea, idea_id)
        services.cast_vote(voter, idea, dots=dots)

    return job


def retract(voter_id: int, idea_id: int):
    def job():
        services.retract_vote(db.session.get(User, voter_id), db.session.get(Idea, idea_id))

    return job


def totals(idea_id: int) -> tuple[int, int, int]:
    """(rows, sum of weights, stored count) for the idea, read fresh: a new transaction, so
    that an older snapshot of this session does not hide what the threads wrote."""
    db.session.rollback()
    rows = db.session.scalar(select(func.count(Vote.id)).where(Vote.idea_id == idea_id))
    weights = db.session.scalar(
        select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.idea_id == idea_id)
    )
    return rows, weights, db.session.get(Idea, idea_id).vote_count


def test_twenty_voters_at_once(file_db_app):
    idea = make_idea()
    voters = [make_user().id for _ in range(THREADS)]
    db.session.commit()
    errors = run_at_once(file_db_app, [cast(voter, idea.id) for voter in voters])
    assert errors == []
    assert totals(idea.id) == (THREADS, THREADS, THREADS)


def test_one_voter_clicking_twenty_times_at_once(file_db_app):
    idea, voter = make_idea(), make_user()
    db.session.commit()
    errors = run_at_once(file_db_app, [cast(voter.id, idea.id) for _ in range(THREADS)])
    assert errors == []
    assert totals(idea.id) == (1, 1, 1)


def test_votes_and_retractions_at_once(file_db_app):
    idea = make_idea()
    early = [make_user().id for _ in range(10)]
    for voter in early:
        services.cast_vote(db.session.get(User, voter), idea)
    db.session.commit()
    late = [make_user().id for _ in range(10)]
    jobs = [retract(voter, idea.id) for voter in early] + [cast(v, idea.id) for v in late]
    # The same retraction twice: only one may subtract.
    jobs += [retract(voter, idea.id) for voter in early[:5]]
    errors = run_at_once(file_db_app, jobs)
    assert errors == []
    assert totals(idea.id) == (10, 10, 10)


def test_dot_budget_holds_under_concurrency(file_db_app):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=5)
    ideas = [make_idea(event=event).id for _ in range(THREADS)]
    voter = make_user().id
    db.session.commit()
    errors = run_at_once(file_db_app, [cast(voter, idea_id) for idea_id in ideas])
    # Exactly the budget got through; every other attempt was a clear refusal.
    assert len(errors) == THREADS - 5
    assert all(isinstance(error, services.VoteError) for error in errors)
    db.session.rollback()
    spent = db.session.scalar(
        select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.user_id == voter)
    )
    assert spent == 5
    for idea_id in ideas:
        rows, weights, count = totals(idea_id)
        assert weights == count


# --- merges during voting -----------------------------------------------------------------


def merge_job(moderator_id: int, source_id: int, target_id: int):
    # Imported here: the merges slice builds on votes, these tests are the votes slice's.
    from ideenwerkstatt.merges.services import merge_ideas

    def job():
        merge_ideas(
            db.session.get(User, moderator_id),
            db.session.get(Idea, source_id),
            db.session.get(Idea, target_id),
        )

    return job


def noting(done: list, key, job):
    """`job`, and `key` noted in `done` when it went through (a refusal raises first)."""

    def wrapped():
        job()
        done.append(key)

    return wrapped


def rows_by_user(idea_id: int) -> dict[int, int]:
    db.session.rollback()
    return dict(
        db.session.execute(select(Vote.user_id, Vote.weight).where(Vote.idea_id == idea_id)).all()
    )


def test_votes_during_a_merge_count_once_on_the_target(file_db_app):
    target = make_idea()
    source = make_idea(theme=target.theme)
    on_both = [make_user().id for _ in range(4)]
    only_b = [make_user().id for _ in range(6)]
    only_a = [make_user().id for _ in range(2)]
    for voter in on_both + only_b:
        services.cast_vote(db.session.get(User, voter), source)
    for voter in on_both + only_a:
        services.cast_vote(db.session.get(User, voter), target)
    moderator = make_user(role="moderator").id
    new_on_b = [make_user().id for _ in range(6)]
    new_on_a = [make_user().id for _ in range(6)]
    db.session.commit()

    done: list = []
    jobs = [merge_job(moderator, source.id, target.id)]
    jobs += [noting(done, ("cast", v), cast(v, source.id)) for v in new_on_b]
    jobs += [noting(done, ("cast", v), cast(v, target.id)) for v in new_on_a + only_b[:3]]
    jobs += [noting(done, ("retract", v), retract(v, source.id)) for v in only_b[3:]]
    errors = run_at_once(file_db_app, jobs)
    # Whatever came after the merge on B was refused, clearly; nothing else failed.
    assert all(isinstance(error, services.VoteError) for error in errors), errors

    retracted = {v for kind, v in done if kind == "retract"}
    cast_ok = {v for kind, v in done if kind == "cast"}
    expected = (set(on_both) | set(only_a) | set(only_b) | cast_ok) - retracted
    assert set(rows_by_user(target.id)) == expected
    assert set(rows_by_user(target.id).values()) == {1}  # one support each, never two
    assert totals(target.id) == (len(expected), len(expected), len(expected))
    assert totals(source.id) == (0, 0, 0)
    assert db.session.get(Idea, source.id).status == "merged"


def test_dots_during_a_merge_stay_within_the_budget(file_db_app):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=4)
    target = make_idea(event=event)
    source, other = make_idea(event=event, theme=target.theme), make_idea(event=event)
    voters = [make_user().id for _ in range(8)]
    for voter in voters:
        person = db.session.get(User, voter)
        services.cast_vote(person, source, dots=2)
        services.cast_vote(person, target, dots=1)
    moderator = make_user(role="moderator").id
    db.session.commit()

    # Everyone tries to spend more (2 dots on A, 1 on the third idea, 1 on B) while B merges.
    jobs = [merge_job(moderator, source.id, target.id)]
    for voter in voters:
        jobs += [cast(voter, target.id, dots=2), cast(voter, other.id), cast(voter, source.id)]
    errors = run_at_once(file_db_app, jobs)
    assert all(isinstance(error, services.VoteError) for error in errors), errors

    db.session.rollback()
    for voter in voters:
        spent = db.session.scalar(
            select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.user_id == voter)
        )
        assert spent <= 4
    for idea_id in (target.id, source.id, other.id):
        rows, weights, count = totals(idea_id)
        assert weights == count
    assert totals(source.id) == (0, 0, 0)
    assert db.session.get(Idea, source.id).status == "merged"
