"""Merging a duplicate idea (B, the source) into another (A, the target), and the undo.

Set-based: a merge is a fixed number of SQL statements whatever the number of supporters
(10,000 supporters: see benchmarks/RESULTS.md), no loop over rows in Python.

- Both ideas' rows are locked first (`FOR NO KEY UPDATE`, in id order). Votes lock the idea's
  row before they touch vote rows (votes.services), so no vote on A or B is half-written
  while the merge runs, and the two never wait for each other in a circle.
- B's vote rows are recorded in `idea_merge_vote` as they are, then: a person with a row on
  A as well keeps one row (A's): under the dots rule B's dots (and trend weight) are added to
  it, under the support rule it stays one support; B's row is deleted. Every other row of B
  (anonymous ones of deleted accounts included) is re-pointed to A and keeps its id.
- Dots never go beyond a person's budget: both ideas belong to the same event, whose budget
  is for all its ideas together, so a person's total in the event does not change.
- B's comments move to A (recorded in `idea_merge_comment`); B's flags and outcomes stay
  with B.
- Both counts and trending scores are then recomputed from the rows, so they cannot drift.
- B becomes `merged` (merged_into_id = A): off every list, count and the API, its page
  redirects to A.
- Mail, in the same transaction: the authors of A and B (like a moderation decision: no
  consent needed, not to the moderator who merged, not for paper cards) and B's supporters
  who consented to mail from the platform (the invitations consent, checked again at sending
  time like the outcome mail), rendered once per language and inserted in one statement.
- The undo (while the event is not closed) moves back exactly what the merge moved; what
  happened since counts: a support retracted on A in between is not given back to B, dots
  added on A in between stay on A.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, String, case, cast, delete, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..auditlog import log_action
from ..comments.models import Comment
from ..database import utcnow
from ..events.models import Phase, VotingRule
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..livestate.services import touch
from ..mail.models import OutboxMessage, OutboxStatus
from ..mail.services import queue_mail, render
from ..permissions import PermissionDenied, can_merge_ideas
from ..privacy.services import may_be_invited
from ..votes.models import Vote
from ..votes.services import rule_for
from .models import IdeaMerge, IdeaMergeComment, IdeaMergeVote

ideas = Idea.__table__
votes = Vote.__table__
records = IdeaMergeVote.__table__
moved_comments = IdeaMergeComment.__table__
outbox = OutboxMessage.__table__

# States a duplicate may be merged from: published, or still waiting for moderation.
SOURCE_STATES = (IdeaStatus.PUBLISHED, IdeaStatus.PENDING)
AUTHOR_TEMPLATE = "idea_merged"
SUPPORTER_TEMPLATE = "idea_merged_voter"


class MergeError(Exception):
    """A rule refused the merge or its undo; `message` is for people, `field` the form field
    it belongs to (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class MergeNotAllowed(MergeError, PermissionDenied):
    """The actor may not merge (the view answers 403)."""


def _require(actor, source=None, target=None) -> None:
    if not can_merge_ideas(actor, source, target):
        raise MergeNotAllowed(_("Nur die Moderation kann Ideen zusammenführen."))


def _lock(*idea_ids: int) -> None:
    """Lock the ideas' rows in id order (every merge and undo the same way round) and load
    their current state into the session's objects."""
    db.session.flush()
    db.session.execute(
        select(ideas.c.id)
        .where(ideas.c.id.in_(sorted(set(idea_ids))))
        .order_by(ideas.c.id)
        .with_for_update(key_share=True)
    ).all()
    for idea_id in idea_ids:
        idea = db.session.get(Idea, idea_id)
        if idea is not None:
            db.session.refresh(idea)


def check_merge(source: Idea, target: Idea | None) -> None:
    """Whether `source` may be merged into `target`: another idea, published, not merged
    itself; the same event (ideas without an event: the same theme), not closed; the source
    published or pending. Raises MergeError (field "target" where the target is at fault)."""
    if target is None:
        raise MergeError(_("Eine Idee mit dieser Nummer gibt es nicht."), "target")
    if target.id == source.id:
        raise MergeError(
            _("Eine Idee kann nicht mit sich selbst zusammengeführt werden."), "target"
        )
    if target.status == IdeaStatus.MERGED:
        raise MergeError(
            _(
                "Diese Idee ist schon mit Idee Nr. %(id)d zusammengeführt: Wählen Sie diese.",
                id=target.merged_into_id or 0,
            ),
            "target",
        )
    if target.status != IdeaStatus.PUBLISHED:
        raise MergeError(
            _(
                "Zusammengeführt wird nur in eine veröffentlichte Idee, nicht in eine "
                "ausgeblendete, abgelehnte oder noch nicht freigegebene."
            ),
            "target",
        )
    if source.status not in SOURCE_STATES:
        raise MergeError(
            _("Nur veröffentlichte oder noch nicht geprüfte Ideen können zusammengeführt werden.")
        )
    if source.event_id != target.event_id:
        raise MergeError(
            _("Beide Ideen müssen zur selben Veranstaltung gehören."),
            "target",
        )
    if source.event_id is None and source.theme_id != target.theme_id:
        raise MergeError(
            _("Ideen ohne Veranstaltung werden nur innerhalb desselben Themas zusammengeführt."),
            "target",
        )
    if source.event is not None and source.event.phase == Phase.CLOSED:
        raise MergeError(
            _("Die Veranstaltung ist abgeschlossen: Ihre Ideen bleiben, wie sie sind."),
            "target",
        )


def merge_ideas(moderator, source: Idea, target: Idea | None) -> IdeaMerge:
    """Merge `source` (B) into `target` (A): see the module's docstring for what moves and
    who is mailed. Logged as idea.merge. Raises MergeNotAllowed, MergeError."""
    _require(moderator, source, target)
    if target is not None and target.id != source.id:
        _lock(source.id, target.id)
    check_merge(source, target)

    merge = IdeaMerge(
        target_id=target.id,
        source_id=source.id,
        source_status=source.status,
        moderator_id=moderator.id,
        created_at=utcnow(),
    )
    db.session.add(merge)
    db.session.flush()

    dots = rule_for(target) == VotingRule.DOTS
    on_a = aliased(votes, name="on_a")
    on_b = aliased(votes, name="on_b")
    both = on_a.c.id.is_not(None)
    db.session.execute(
        insert(records).from_select(
            [
                "merge_id",
                "vote_id",
                "target_vote_id",
                "user_id",
                "weight",
                "trend_weight",
                "created_at",
                "updated_at",
                "added_weight",
                "added_trend",
                "target_weight",
                "target_trend",
            ],
            select(
                literal(merge.id),
                on_b.c.id,
                on_a.c.id,
                on_b.c.user_id,
                on_b.c.weight,
                on_b.c.trend_weight,
                on_b.c.created_at,
                on_b.c.updated_at,
                case((both, on_b.c.weight), else_=0) if dots else literal(0),
                case((both, on_b.c.trend_weight), else_=0.0) if dots else literal(0.0),
                on_a.c.weight,
                on_a.c.trend_weight,
            )
            .select_from(
                on_b.outerjoin(
                    on_a, (on_a.c.idea_id == target.id) & (on_a.c.user_id == on_b.c.user_id)
                )
            )
            .where(on_b.c.idea_id == source.id),
        )
    )
    mine = records.c.merge_id == merge.id
    combined = mine & records.c.target_vote_id.is_not(None)
    if dots:
        # People on both: B's dots join their row on A (same event, so within the budget).
        db.session.execute(
            update(votes)
            .where(votes.c.idea_id == target.id, votes.c.id == records.c.target_vote_id, combined)
            .values(
                weight=votes.c.weight + records.c.added_weight,
                trend_weight=votes.c.trend_weight + records.c.added_trend,
                updated_at=votes.c.updated_at,  # a merge is not the voter's doing
            )
        )
    # By B's rows first (its index), so that the planner never reads all votes.
    db.session.execute(
        delete(votes).where(
            votes.c.idea_id == source.id,
            votes.c.id.in_(select(records.c.vote_id).where(combined)),
        )
    )
    db.session.execute(
        update(votes)
        .where(votes.c.idea_id == source.id)
        .values(idea_id=target.id, updated_at=votes.c.updated_at)
    )

    db.session.execute(
        insert(moved_comments).from_select(
            ["merge_id", "comment_id"],
            select(literal(merge.id), Comment.id).where(Comment.idea_id == source.id),
        )
    )
    db.session.execute(
        update(Comment.__table__)
        .where(Comment.__table__.c.idea_id == source.id)
        .values(idea_id=target.id)
    )

    _recount(source.id, target.id)
    db.session.execute(
        update(ideas)
        .where(ideas.c.id == source.id)
        .values(status=IdeaStatus.MERGED, merged_into_id=target.id, updated_at=utcnow())
    )
    counts = db.session.execute(
        select(
            func.count(records.c.id),
            func.count(records.c.target_vote_id),
        ).where(mine)
    ).one()
    merge.combined_votes = counts[1]
    merge.moved_votes = counts[0] - counts[1]
    merge.moved_comments = db.session.scalar(
        select(func.count())
        .select_from(moved_comments)
        .where(moved_comments.c.merge_id == merge.id)
    )
    db.session.flush()
    db.session.refresh(source)
    db.session.refresh(target)
    log_action(
        moderator,
        "idea.merge",
        source,
        _merge_note(merge),
    )
    _mail_authors(moderator, merge, source, target)
    _mail_supporters(merge, source, target)
    touch(target.event_id)
    return merge


def _merge_note(merge: IdeaMerge) -> str:
    return (
        f"#{merge.source_id} -> #{merge.target_id} (merge {merge.id}): "
        f"{merge.moved_votes} votes moved, {merge.combined_votes} combined, "
        f"{merge.moved_comments} comments moved"
    )


def _recount(*idea_ids: int) -> None:
    """Each idea's count and trending score from its rows (the ideas are locked)."""
    db.session.execute(
        update(ideas)
        .where(ideas.c.id.in_(idea_ids))
        .values(
            vote_count=func.coalesce(
                select(func.sum(votes.c.weight))
                .where(votes.c.idea_id == ideas.c.id)
                .scalar_subquery(),
                0,
            ),
            trending_score=func.coalesce(
                select(func.sum(votes.c.trend_weight))
                .where(votes.c.idea_id == ideas.c.id)
                .scalar_subquery(),
                0.0,
            ),
        )
    )


def _mail_authors(moderator, merge: IdeaMerge, source: Idea, target: Idea) -> None:
    """Each author once (one who wrote both gets one mail), not the moderator who merged,
    nobody for a paper card or a deleted account."""
    seen: set[int] = set()
    for idea in (source, target):
        author = idea.author
        if idea.from_paper_card or author is None or not author.email:
            continue
        if author.confirmed_at is None or author.id in seen:
            continue
        seen.add(author.id)
        if author.id == getattr(moderator, "id", None):
            continue
        queue_mail(
            AUTHOR_TEMPLATE,
            to=author.email,
            locale=author.locale or "de",
            user=author,
            idempotency_key=f"{AUTHOR_TEMPLATE}:{merge.id}:{author.id}",
            source=source,
            target=target,
            own_source=author.id == source.author_id,
        )


def _mail_supporters(merge: IdeaMerge, source: Idea, target: Idea) -> int:
    """B's supporters who consented to mail (not the two authors, who have their own mail),
    in one INSERT … SELECT: the mail is rendered once per language of the platform and each
    row takes its person's language (an unknown one: German). Left to the delivery worker
    (like invitations). Returns how many were queued."""
    languages = list(current_app.config["LANGUAGES"])
    rendered = {
        lang: render(SUPPORTER_TEMPLATE, lang, source=source, target=target) for lang in languages
    }
    language = func.coalesce(User.locale, "de")

    def by_language(part: int):
        return case(
            *((language == lang, literal(texts[part])) for lang, texts in rendered.items()),
            else_=literal(rendered["de"][part]),
        )

    authors = [i for i in (source.author_id, target.author_id) if i is not None]
    now = utcnow()
    rows = select(
        User.id,
        User.email,
        literal(SUPPORTER_TEMPLATE),
        by_language(0),
        by_language(1),
        by_language(2),
        literal({}, JSON),
        literal([], JSON),
        literal(f"{SUPPORTER_TEMPLATE}:{merge.id}:") + cast(User.id, String),
        literal(str(OutboxStatus.QUEUED)),
        literal(0),
        literal(now, OutboxMessage.next_attempt_at.type),
        literal(now, OutboxMessage.created_at.type),
    ).where(
        User.id.in_(select(records.c.user_id).where(records.c.merge_id == merge.id)),
        User.email.is_not(None),
        may_be_invited(User.id),
    )
    if authors:
        rows = rows.where(User.id.not_in(authors))
    result = db.session.execute(
        insert(outbox).from_select(
            [
                "user_id",
                "recipient",
                "template",
                "subject",
                "body_text",
                "body_html",
                "headers",
                "attachments",
                "idempotency_key",
                "status",
                "attempts",
                "next_attempt_at",
                "created_at",
            ],
            rows,
        )
    )
    return result.rowcount or 0


def can_undo(merge: IdeaMerge) -> bool:
    """Not undone yet, and its event (if any) not closed."""
    if merge.undone_at is not None:
        return False
    event = merge.target.event
    return event is None or event.phase != Phase.CLOSED


def undo_merge(moderator, merge: IdeaMerge) -> IdeaMerge:
    """Give B back what the merge moved (see the module's docstring) and its state before;
    logged as idea.merge_undo. Raises MergeNotAllowed, MergeError (already undone, the event
    closed, or A merged into another idea since: undo that first)."""
    _require(moderator, merge.source, merge.target)
    _lock(merge.source_id, merge.target_id)
    db.session.refresh(merge)
    if merge.undone_at is not None:
        raise MergeError(_("Diese Zusammenführung ist schon rückgängig gemacht."))
    if not can_undo(merge):
        raise MergeError(
            _("Die Veranstaltung ist abgeschlossen: Die Zusammenführung bleibt bestehen.")
        )
    source, target = merge.source, merge.target
    if target.status == IdeaStatus.MERGED:
        raise MergeError(
            _(
                "Idee Nr. %(id)d ist inzwischen selbst zusammengeführt: Machen Sie das "
                "zuerst rückgängig.",
                id=target.id,
            )
        )
    mine = records.c.merge_id == merge.id
    combined = mine & records.c.target_vote_id.is_not(None)
    # Rows that moved whole go back (if the person has not taken the vote back since).
    db.session.execute(
        update(votes)
        .where(
            votes.c.idea_id == target.id,
            votes.c.id.in_(
                select(records.c.vote_id).where(mine, records.c.target_vote_id.is_(None))
            ),
        )
        .values(idea_id=source.id, updated_at=votes.c.updated_at)
    )
    # People who were on both: B's row comes back as it was, with its id, while their row
    # on A still exists; what was added to that row is taken off again.
    still_there = select(votes.c.id).where(votes.c.idea_id == target.id)
    db.session.execute(
        insert(votes).from_select(
            ["id", "user_id", "idea_id", "weight", "trend_weight", "created_at", "updated_at"],
            select(
                records.c.vote_id,
                records.c.user_id,
                literal(source.id),
                records.c.weight,
                records.c.trend_weight,
                records.c.created_at,
                records.c.updated_at,
            ).where(combined, records.c.target_vote_id.in_(still_there)),
        )
    )
    db.session.execute(
        update(votes)
        .where(votes.c.id == records.c.target_vote_id, combined, votes.c.idea_id == target.id)
        .values(
            weight=votes.c.weight - records.c.added_weight,
            trend_weight=case(
                (
                    votes.c.weight == records.c.target_weight + records.c.added_weight,
                    records.c.target_trend,
                ),
                else_=votes.c.trend_weight - records.c.added_trend,
            ),
            updated_at=votes.c.updated_at,
        )
    )
    db.session.execute(
        update(Comment.__table__)
        .where(
            Comment.__table__.c.idea_id == target.id,
            Comment.__table__.c.id.in_(
                select(moved_comments.c.comment_id).where(moved_comments.c.merge_id == merge.id)
            ),
        )
        .values(idea_id=source.id)
    )
    _recount(source.id, target.id)
    db.session.execute(
        update(ideas)
        .where(ideas.c.id == source.id)
        .values(status=merge.source_status, merged_into_id=None, updated_at=utcnow())
    )
    merge.undone_at = utcnow()
    merge.undone_by_id = moderator.id
    db.session.flush()
    db.session.refresh(source)
    db.session.refresh(target)
    log_action(moderator, "idea.merge_undo", source, _merge_note(merge))
    touch(target.event_id)
    return merge


def merges_into(idea: Idea) -> list[IdeaMerge]:
    """The merges into this idea that are in force, oldest first (for its page)."""
    return list(
        db.session.scalars(
            select(IdeaMerge)
            .where(IdeaMerge.target_id == idea.id, IdeaMerge.undone_at.is_(None))
            .order_by(IdeaMerge.id)
        )
    )


def merge_candidates(source: Idea, limit: int = 10) -> list[Idea]:
    """Published ideas `source` could go into, most votes first: the same event (or, without
    one, the same theme). A help on the merge form; any other number may be typed."""
    stmt = select(Idea).where(Idea.status == IdeaStatus.PUBLISHED, Idea.id != source.id)
    if source.event_id is not None:
        stmt = stmt.where(Idea.event_id == source.event_id)
    else:
        stmt = stmt.where(Idea.event_id.is_(None), Idea.theme_id == source.theme_id)
    return list(
        db.session.scalars(stmt.order_by(Idea.vote_count.desc(), Idea.id.desc()).limit(limit))
    )
