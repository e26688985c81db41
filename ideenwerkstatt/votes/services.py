"""Voting: support votes or dots, cast and retracted so that counts never drift from the rows.

How the count stays right under concurrency:
- one row per (voter, idea), guarded by the unique constraint: a double click inserts once,
  the second `INSERT … ON CONFLICT DO NOTHING` inserts nothing (it waits for the first
  transaction on PostgreSQL) and becomes a no-op;
- `idea.vote_count` changes only by an atomic `UPDATE … SET vote_count = vote_count + :w` in
  the same transaction as the row it mirrors (never read, add and write back in Python);
- a retraction deletes the row with `DELETE … RETURNING weight` and subtracts exactly what it
  deleted, so two concurrent retractions cannot both subtract;
- the idea's row is locked first (`FOR NO KEY UPDATE`) and its state read again under the
  lock, so a vote never lands on an idea that a concurrent merge has just merged away, and a
  vote and a merge always take their locks in the same order (idea, then vote rows): no
  deadlock;
- the trending score (ideas.trending) changes in the same UPDATE as the count, by the trend
  weight stored on the vote row, so a retraction subtracts exactly what was added;
- the dot budget is checked after locking the voter's user row (`FOR NO KEY UPDATE` on
  PostgreSQL), so two concurrent dot votes by one person cannot both pass the check. SQLite
  serialises writers anyway (BEGIN IMMEDIATE for POST requests, see database.py).

Retracting removes all of the voter's dots on that idea, not one: "retract" means "take my
vote back", and the dots are then free for other ideas of the event.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..database import utcnow
from ..events.models import Phase, VotingRule
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..ideas.trending import trend_weight
from ..permissions import PermissionDenied, may_act_in_event
from .models import Vote

votes = Vote.__table__
ideas = Idea.__table__
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}  # the two we run on

# An event with the dots rule but no budget set gives one dot per person: the most cautious
# reading of a half-configured event.
DEFAULT_DOT_BUDGET = 1


class VoteError(Exception):
    """The vote was refused; `message` says why, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class VoteNotAllowed(VoteError, PermissionDenied):
    """The voter may not vote at all (not signed in, account not active)."""


@dataclass
class VoteState:
    """What a voter sees next to an idea: its count, their own weight on it, the rule and,
    under the dots rule, their budget for the event and how much of it is used."""

    idea_id: int
    vote_count: int
    weight: int
    rule: VotingRule
    budget: int | None = None
    used: int = 0
    open: bool = True
    reason: str | None = None  # why voting is closed, when it is
    changed: bool = False  # whether the cast or retraction that returned this changed a row
    event_id: int | None = None  # the event whose budget the dots come from (dots rule)

    @property
    def voted(self) -> bool:
        return self.weight > 0

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else max(0, self.budget - self.used)

    @property
    def can_add(self) -> bool:
        """Whether the button that adds a vote (or a dot) should be offered."""
        if not self.open:
            return False
        if self.rule == VotingRule.SUPPORT:
            return not self.voted
        return bool(self.remaining)

    def as_json(self) -> dict:
        return {
            "idea_id": self.idea_id,
            "vote_count": self.vote_count,
            "weight": self.weight,
            "voted": self.voted,
            "rule": str(self.rule),
            "budget": self.budget,
            "used": self.used,
            "remaining": self.remaining,
            "open": self.open,
            "can_add": self.can_add,
            "changed": self.changed,
            "event_id": self.event_id,
        }


def rule_for(idea: Idea) -> VotingRule:
    """Ideas without an event take support votes; otherwise the event's rule applies."""
    return idea.event.voting_rule if idea.event is not None else VotingRule.SUPPORT


def budget_for(idea: Idea) -> int | None:
    if rule_for(idea) != VotingRule.DOTS:
        return None
    return idea.event.dot_budget or DEFAULT_DOT_BUDGET


def closed_reason(idea: Idea) -> str | None:
    """None while votes count on this idea, else the reason in words: only published ideas,
    and while their event (if any) is in its voting phase. A pending idea is seen only by its
    author and the moderation: it says that the moderation's approval comes first."""
    event = idea.event
    if idea.status == IdeaStatus.PENDING:
        if event is not None and event.phase != Phase.VOTING:
            return _(
                "Noch keine Abstimmung: Die Moderation prüft die Idee erst. Nach der Freigabe "
                "kann über sie abgestimmt werden, in der Abstimmungsphase von „%(event)s“.",
                event=event.title,
            )
        return _(
            "Noch keine Abstimmung: Die Moderation prüft die Idee erst. Nach der Freigabe "
            "kann über sie abgestimmt werden."
        )
    if idea.status == IdeaStatus.MERGED:
        return _(
            "Die Idee wurde mit einer anderen zusammengeführt: Ihre Stimmen zählen jetzt dort."
        )
    if idea.status == IdeaStatus.HIDDEN:
        return _("Die Idee ist ausgeblendet: Solange kann nicht abgestimmt werden.")
    if idea.status != IdeaStatus.PUBLISHED:
        return _("Die Idee wurde nicht veröffentlicht: Über sie wird nicht abgestimmt.")
    if event is None or event.phase == Phase.VOTING:
        return None
    if event.phase == Phase.CLOSED:
        return _("Die Abstimmung zu „%(event)s“ ist beendet.", event=event.title)
    return _("Die Abstimmung zu „%(event)s“ hat noch nicht begonnen.", event=event.title)


def _check_voter(voter, idea: Idea) -> None:
    if voter is None or not getattr(voter, "is_authenticated", False) or not voter.is_active:
        raise VoteNotAllowed(_("Bitte melden Sie sich an, um abzustimmen."))
    if not may_act_in_event(voter, idea.event_id):
        raise VoteNotAllowed(
            _("Als Gast eines Werkstatt-Abends stimmen Sie nur über die Ideen dieses Abends ab.")
        )


def _check_open(idea: Idea) -> None:
    reason = closed_reason(idea)
    if reason:
        raise VoteError(reason)


def _used_dots(voter, event_id: int) -> int:
    """The voter's dots on all ideas of the event (the budget is per event)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(votes.c.weight), 0))
        .select_from(votes.join(ideas, ideas.c.id == votes.c.idea_id))
        .where(votes.c.user_id == voter.id, ideas.c.event_id == event_id)
    )


def touch_after_commit(event_id: int | None) -> None:
    """The event's live version goes up with the vote (on PostgreSQL right after its commit:
    see livestate.services.touch_after_commit)."""
    # Imported here: the live state reads ideas and votes (cycle votes <-> livestate).
    from ..livestate.services import touch_after_commit as touch_live

    touch_live(event_id)


def _lock_open_idea(idea: Idea) -> None:
    """Lock the idea's row and check, under the lock, that votes still count on it (a merge
    or a moderator may have changed its state since it was loaded). On SQLite the write
    lock of BEGIN IMMEDIATE already serialises this. Raises VoteError."""
    status = db.session.execute(
        select(ideas.c.status).where(ideas.c.id == idea.id).with_for_update(key_share=True)
    ).scalar_one()
    if status != idea.status:
        set_committed_value(idea, "status", status)
        _check_open(idea)


def _add_to_count(idea: Idea, delta: int, trend: float) -> int:
    """Add `delta` to the count and `trend` to the trending score in one UPDATE; an idea
    whose count falls to 0 gets a score of exactly 0 (no rounding residue left behind)."""
    new_count = db.session.execute(
        update(ideas)
        .where(ideas.c.id == idea.id)
        # A vote is not an edit: keep `updated_at` (its onupdate would otherwise fire).
        .values(
            vote_count=ideas.c.vote_count + delta,
            updated_at=ideas.c.updated_at,
            trending_score=case(
                (ideas.c.vote_count + delta <= 0, 0.0), else_=ideas.c.trending_score + trend
            ),
        )
        .returning(ideas.c.vote_count)
    ).scalar_one()
    set_committed_value(idea, "vote_count", new_count)
    return new_count


def _insert_row(voter, idea: Idea, weight: int, trend: float) -> bool:
    """Insert the voter's row; False when it exists already (the unique constraint). One
    statement, `ON CONFLICT DO NOTHING` on both databases (a SAVEPOINT around a failing
    INSERT took three)."""
    now = utcnow()
    stmt = (
        _INSERTS[db.session.get_bind().dialect.name](votes)
        .values(
            user_id=voter.id,
            idea_id=idea.id,
            weight=weight,
            trend_weight=trend,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[votes.c.user_id, votes.c.idea_id])
        .returning(votes.c.id)
    )
    return db.session.execute(stmt).first() is not None


def cast_vote(voter, idea: Idea, dots: int = 1) -> VoteState:
    """Support the idea, or add `dots` to it under the dots rule.

    Rules: the voter is signed in (a guest of an evening: on that event's ideas only); the
    idea is published; its event, if any, is voting.
    Support: one vote per person, a second one is a no-op (not an error). Dots: the voter's
    dots on all ideas of the event stay within the event's budget.
    Raises VoteNotAllowed, VoteError (closed, budget exceeded, bad number of dots)."""
    _check_voter(voter, idea)
    _check_open(idea)
    rule = rule_for(idea)
    if rule == VotingRule.SUPPORT:
        _lock_open_idea(idea)
        trend = trend_weight(1, utcnow())
        inserted = _insert_row(voter, idea, 1, trend)
        if inserted:
            _add_to_count(idea, 1, trend)
            touch_after_commit(idea.event_id)
            return vote_state(voter, idea, changed=True, weight=1)
        return vote_state(voter, idea)

    budget = budget_for(idea)
    if not isinstance(dots, int) or dots < 1 or dots > budget:
        raise VoteError(_("Bitte vergeben Sie zwischen 1 und %(budget)d Punkten.", budget=budget))
    # One dot vote per person at a time: the lock makes the budget check and the write one
    # step. (FOR NO KEY UPDATE on PostgreSQL; SQLite has one writer at a time anyway.)
    db.session.execute(select(User.id).where(User.id == voter.id).with_for_update(key_share=True))
    _lock_open_idea(idea)  # after the voter's row: every dot vote locks in this order
    used = _used_dots(voter, idea.event.id)
    if used + dots > budget:
        remaining = budget - used
        if remaining <= 0:
            raise VoteError(_("Sie haben alle Ihre Punkte für diese Veranstaltung vergeben."))
        raise VoteError(
            ngettext(
                "Sie haben nur noch %(num)d Punkt übrig.",
                "Sie haben nur noch %(num)d Punkte übrig.",
                remaining,
            )
        )
    now = utcnow()
    trend = trend_weight(dots, now)
    add_dots = (
        update(votes)
        .where(votes.c.user_id == voter.id, votes.c.idea_id == idea.id)
        .values(
            weight=votes.c.weight + dots,
            trend_weight=votes.c.trend_weight + trend,
            updated_at=now,
        )
    )
    added = db.session.execute(add_dots).rowcount
    if not added and not _insert_row(voter, idea, dots, trend):
        # The row appeared between the UPDATE and the INSERT: add to it after all.
        db.session.execute(add_dots)
    _add_to_count(idea, dots, trend)
    touch_after_commit(idea.event_id)
    return vote_state(voter, idea, changed=True)


def retract_vote(voter, idea: Idea) -> VoteState:
    """Take the voter's vote back: the row goes, with all its dots. Nothing to retract is a
    no-op. Same rules as casting (published idea, voting phase).
    Raises VoteNotAllowed, VoteError."""
    _check_voter(voter, idea)
    _check_open(idea)
    _lock_open_idea(idea)
    row = db.session.execute(
        delete(votes)
        .where(votes.c.user_id == voter.id, votes.c.idea_id == idea.id)
        .returning(votes.c.weight, votes.c.trend_weight)
    ).first()
    weight = row.weight if row else 0
    if weight:
        _add_to_count(idea, -weight, -row.trend_weight)
        touch_after_commit(idea.event_id)
    return vote_state(voter, idea, changed=bool(weight), weight=0)


def vote_state(voter, idea: Idea, *, changed: bool = False, weight: int | None = None) -> VoteState:
    """The idea's count and, for a signed-in voter, their weight on it and their budget.
    `weight`: the voter's weight when the caller has just written it (no query then)."""
    rule = rule_for(idea)
    reason = closed_reason(idea)
    state = VoteState(
        idea_id=idea.id,
        vote_count=idea.vote_count,
        weight=0,
        rule=rule,
        budget=budget_for(idea),
        open=reason is None,
        reason=reason,
        changed=changed,
        event_id=idea.event.id if rule == VotingRule.DOTS else None,
    )
    if voter is None or not getattr(voter, "is_authenticated", False):
        return state
    if weight is None:
        weight = db.session.scalar(
            select(votes.c.weight).where(votes.c.user_id == voter.id, votes.c.idea_id == idea.id)
        )
    state.weight = weight or 0
    if rule == VotingRule.DOTS:
        state.used = _used_dots(voter, idea.event.id)
    return state


def votes_of(user, limit: int = 200) -> list[tuple[Vote, Idea]]:
    """The user's votes with their ideas, newest first ("my votes" on the account page)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(
        select(Vote, Idea)
        .join(Idea, Idea.id == Vote.idea_id)
        .where(Vote.user_id == user.id)
        .options(joinedload(Idea.event))
        .order_by(Vote.created_at.desc(), Vote.id.desc())
        .limit(limit)
    )
    return [(vote, idea) for vote, idea in rows]


@dataclass
class DotBudget:
    """A voter's dots for one event in its voting phase: what is left of the budget."""

    event_id: int
    event_title: str
    budget: int
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.budget - self.used)


@dataclass
class ListVotes:
    """The vote controls of a list of ideas: a VoteState per idea id, and the dot budgets of
    the dots events among them (one line each, shown once above the list)."""

    states: dict[int, VoteState]
    budgets: list[DotBudget]

    @property
    def any_open(self) -> bool:
        return any(state.open for state in self.states.values())


def list_vote_states(voter, idea_list) -> ListVotes:
    """The voter's vote state for every idea of a list page, in at most two queries whatever
    the number of ideas: the voter's rows on these ideas, and (when dots events are among
    them) their dots used per event. The ideas' events must be loaded already (list_ideas
    does). A visitor gets the states without weights, and no query at all."""
    idea_list = list(idea_list)
    states = {
        idea.id: VoteState(
            idea_id=idea.id,
            vote_count=idea.vote_count,
            weight=0,
            rule=rule_for(idea),
            budget=budget_for(idea),
            open=(reason := closed_reason(idea)) is None,
            reason=reason,
            event_id=idea.event.id if rule_for(idea) == VotingRule.DOTS else None,
        )
        for idea in idea_list
    }
    signed_in = voter is not None and getattr(voter, "is_authenticated", False)
    if not signed_in or not idea_list:
        return ListVotes(states=states, budgets=[])
    for idea_id, weight in db.session.execute(
        select(votes.c.idea_id, votes.c.weight).where(
            votes.c.user_id == voter.id, votes.c.idea_id.in_(list(states))
        )
    ):
        states[idea_id].weight = weight
    dots_events = {
        idea.event.id: idea.event
        for idea in idea_list
        if states[idea.id].rule == VotingRule.DOTS and states[idea.id].open
    }
    used_by_event: dict[int, int] = {}
    if dots_events:
        used_by_event = dict(
            db.session.execute(
                select(ideas.c.event_id, func.sum(votes.c.weight))
                .select_from(votes.join(ideas, ideas.c.id == votes.c.idea_id))
                .where(votes.c.user_id == voter.id, ideas.c.event_id.in_(list(dots_events)))
                .group_by(ideas.c.event_id)
            ).all()
        )
    for idea in idea_list:
        state = states[idea.id]
        if state.rule == VotingRule.DOTS and idea.event.id in used_by_event:
            state.used = int(used_by_event[idea.event.id])
    budgets = [
        DotBudget(
            event_id=event.id,
            event_title=event.title,
            budget=event.dot_budget or DEFAULT_DOT_BUDGET,
            used=int(used_by_event.get(event.id, 0)),
        )
        for event in dots_events.values()
    ]
    return ListVotes(states=states, budgets=budgets)
