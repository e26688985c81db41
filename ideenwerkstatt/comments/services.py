"""Comments: write, reply one level deep, edit for 15 minutes, delete one's own; the
moderators' approve, hide (the author is told why) and restore. Explicit actor, flush only."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..auditlog import log_action
from ..database import utcnow
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..mail.services import queue_mail
from ..pagination import PageLinks, page_count
from ..permissions import (
    PermissionDenied,
    can_delete_comment,
    can_edit_comment,
    can_moderate,
    may_comment,
)
from ..sanitize import clean_html
from .models import Comment, CommentStatus

BODY_MIN, BODY_MAX = 2, 3000
REASON_MIN, REASON_MAX = 3, 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CommentError(Exception):
    """A rule refused the change; `message` is for people, `field` the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class CommentNotAllowed(CommentError, PermissionDenied):
    """The actor may not do this (the view answers 403)."""


class InvalidTransition(CommentError):
    """The comment is not in a state that allows this step."""


def _clean(text: str | None) -> str:
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n")).strip()


def clean_body(body: str | None) -> str:
    """2..3000 characters, control characters removed. Raises CommentError(field="body")."""
    body = _clean(body)
    if not BODY_MIN <= len(body) <= BODY_MAX:
        raise CommentError(
            _(
                "Ein Kommentar braucht %(min)d bis %(max)d Zeichen.",
                min=BODY_MIN,
                max=BODY_MAX,
            ),
            "body",
        )
    return body


def premoderated(idea: Idea) -> bool:
    """The idea's event decides (organizer's choice); ideas without event: post-moderated."""
    return bool(idea.event is not None and idea.event.comments_premoderated)


def add_comment(author, idea: Idea, body: str, parent: Comment | None = None) -> Comment:
    """A signed-in citizen comments on a published idea, or replies to a top-level comment
    of the same idea (one level deep); a guest of an evening (no account) may not. Pending
    when the idea's event pre-moderates comments, else published at once.
    Raises CommentNotAllowed, CommentError."""
    if author is None or not getattr(author, "is_active", False):
        raise CommentNotAllowed(_("Bitte melden Sie sich an, um zu kommentieren."))
    if not may_comment(author):
        raise CommentNotAllowed(_("Zum Kommentieren brauchen Sie ein Konto."))
    if idea.status != IdeaStatus.PUBLISHED:
        raise CommentError(_("Nur veröffentlichte Ideen können kommentiert werden."))
    if parent is not None:
        if parent.idea_id != idea.id or parent.parent_id is not None:
            raise CommentError(_("Auf diese Antwort kann nicht geantwortet werden."))
        if parent.status != CommentStatus.PUBLISHED:
            raise CommentError(_("Auf diesen Kommentar kann nicht geantwortet werden."))
    body = clean_body(body)
    now = utcnow()
    comment = Comment(
        idea=idea,
        author=author,
        parent=parent,
        body=body,
        body_html=str(clean_html(body)),
        status=CommentStatus.PENDING if premoderated(idea) else CommentStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def edit_comment(actor, comment: Comment, body: str, now: dt.datetime | None = None) -> Comment:
    """The author changes the text within 15 minutes. Raises CommentNotAllowed, CommentError."""
    if not can_edit_comment(actor, comment, now):
        raise CommentNotAllowed(_("Sie können diesen Kommentar nicht (mehr) bearbeiten."))
    body = clean_body(body)
    if body != comment.body:
        comment.body = body
        comment.body_html = str(clean_html(body))
        comment.edited_at = utcnow()
    db.session.flush()
    return comment


def delete_comment(actor, comment: Comment) -> Comment:
    """The author deletes their comment: its text goes at once; the row stays empty so that
    replies keep their place. Raises CommentNotAllowed."""
    if not can_delete_comment(actor, comment):
        raise CommentNotAllowed(_("Sie können nur Ihre eigenen Kommentare löschen."))
    comment.status = CommentStatus.DELETED
    comment.body = ""
    comment.body_html = ""
    db.session.flush()
    return comment


def _require_moderator(actor) -> None:
    if not can_moderate(actor):
        raise CommentNotAllowed(_("Nur die Moderation kann das tun."))


def _move(moderator, comment: Comment, allowed: tuple, to: CommentStatus) -> None:
    _require_moderator(moderator)
    if comment.status not in allowed:
        raise InvalidTransition(_("Das ist im aktuellen Zustand des Kommentars nicht möglich."))
    comment.status = to
    db.session.flush()


def approve_comment(moderator, comment: Comment) -> Comment:
    """pending → published; logged. Raises CommentNotAllowed, InvalidTransition."""
    _move(moderator, comment, (CommentStatus.PENDING,), CommentStatus.PUBLISHED)
    log_action(moderator, "comment.approve", comment)
    return comment


def hide_comment(moderator, comment: Comment, reason: str) -> Comment:
    """pending or published → hidden, with a reason (3..2000 characters) that is stored,
    logged and mailed to the author in their language.
    Raises CommentNotAllowed, InvalidTransition, CommentError(field="reason")."""
    _require_moderator(moderator)
    reason = _clean(reason)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise CommentError(
            _(
                "Bitte geben Sie einen Grund an (%(min)d bis %(max)d Zeichen).",
                min=REASON_MIN,
                max=REASON_MAX,
            ),
            "reason",
        )
    _move(
        moderator,
        comment,
        (CommentStatus.PENDING, CommentStatus.PUBLISHED),
        CommentStatus.HIDDEN,
    )
    comment.hidden_reason = reason
    db.session.flush()
    log_action(moderator, "comment.hide", comment, reason)
    author = comment.author
    if author is not None and author.email:
        queue_mail(
            "comment_hidden",
            to=author.email,
            locale=author.locale or "de",
            user=author,
            idempotency_key=f"comment_hidden:{comment.id}:{utcnow():%Y%m%d%H%M%S}",
            comment=comment,
            idea=comment.idea,
            reason=reason,
        )
    return comment


def restore_comment(moderator, comment: Comment) -> Comment:
    """hidden → published; logged. Raises CommentNotAllowed, InvalidTransition."""
    _move(moderator, comment, (CommentStatus.HIDDEN,), CommentStatus.PUBLISHED)
    log_action(moderator, "comment.restore", comment)
    return comment


COMMENTS_PER_PAGE = 30  # top-level comments per page of an idea's thread, with their replies


@dataclass
class CommentPage(PageLinks):
    """One page of an idea's thread: `thread` holds up to `per_page` top-level comments, each
    with all its replies; `top_level` counts the top-level entries of every page (pages >= 1),
    `total` the comments the viewer can read (placeholders of deleted or hidden ones not)."""

    thread: list[tuple[Comment, list[Comment]]]
    page: int
    per_page: int
    top_level: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = page_count(self.top_level, self.per_page)


def _readable(c, viewer):
    """SQL: the comment `c` (the class or an alias) is shown with its text to the viewer:
    published for everyone, one's own pending ones, every state but deleted for moderators."""
    if can_moderate(viewer):
        return c.status != CommentStatus.DELETED
    viewer_id = (
        viewer.id if viewer is not None and getattr(viewer, "is_authenticated", False) else None
    )
    if viewer_id is None:
        return c.status == CommentStatus.PUBLISHED
    return or_(
        c.status == CommentStatus.PUBLISHED,
        and_(c.status == CommentStatus.PENDING, c.author_id == viewer_id),
    )


def _shown_top_level(viewer, idea_id: int):
    """SQL: the idea's top-level comments in the viewer's thread: the readable ones, and
    deleted or hidden ones as a placeholder while they have a readable reply."""
    reply = aliased(Comment)
    has_reply = (
        select(reply.id).where(reply.parent_id == Comment.id, _readable(reply, viewer)).exists()
    )
    return and_(
        Comment.idea_id == idea_id,
        Comment.parent_id.is_(None),
        or_(
            _readable(Comment, viewer),
            and_(Comment.status.in_((CommentStatus.DELETED, CommentStatus.HIDDEN)), has_reply),
        ),
    )


_OLDEST_FIRST = (Comment.created_at, Comment.id)


def _thread(viewer, idea_id: int, *, limit: int | None = None, offset: int = 0):
    """Top-level comments (a page of them, with LIMIT/OFFSET) with their readable replies:
    two queries, the authors joined in."""
    stmt = (
        select(Comment)
        .where(_shown_top_level(viewer, idea_id))
        .options(joinedload(Comment.author))
        .order_by(*_OLDEST_FIRST)
    )
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    tops = list(db.session.scalars(stmt))
    if not tops:
        return []
    replies: dict[int, list[Comment]] = {c.id: [] for c in tops}
    for reply in db.session.scalars(
        select(Comment)
        .where(Comment.parent_id.in_(list(replies)), _readable(Comment, viewer))
        .options(joinedload(Comment.author))
        # In the order of ix_comment_parent_id_created_at, which the planner then reads.
        .order_by(Comment.parent_id, *_OLDEST_FIRST)
    ):
        replies[reply.parent_id].append(reply)
    return [(c, replies[c.id]) for c in tops]


def comments_for(viewer, idea: Idea) -> list[tuple[Comment, list[Comment]]]:
    """The idea's whole thread as the viewer may see it, oldest first, each top-level comment
    with its replies: published ones for everyone, one's own pending ones, all states for
    moderators; deleted or hidden ones only as a placeholder when they have replies. Two
    queries, but unbounded: pages use comment_page()."""
    return _thread(viewer, idea.id)


def comment_page(viewer, idea: Idea, page: int = 1, per_page: int = COMMENTS_PER_PAGE):
    """One page of the idea's thread (see comments_for for who sees what), oldest first:
    `per_page` top-level comments with all their replies. A page past the last one gives the
    last page, one below 1 the first. Four queries whatever the thread's size: two counts,
    the page of top-level comments (LIMIT/OFFSET), their replies (one IN)."""
    top_level = db.session.scalar(
        select(func.count()).select_from(Comment).where(_shown_top_level(viewer, idea.id))
    )
    total = db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(Comment.idea_id == idea.id, _readable(Comment, viewer))
    )
    result = CommentPage(
        thread=[], page=1, per_page=per_page, top_level=top_level or 0, total=total or 0
    )
    result.page = min(max(1, page), result.pages)
    if result.top_level:
        result.thread = _thread(
            viewer, idea.id, limit=per_page, offset=(result.page - 1) * per_page
        )
    return result


def page_of_comment(viewer, comment: Comment, per_page: int = COMMENTS_PER_PAGE) -> int:
    """The page of its idea's thread that holds the comment (a reply: its top-level comment),
    as the viewer's thread is paged: one count of the top-level comments before it."""
    top = comment
    if comment.parent_id is not None:
        top = db.session.get(Comment, comment.parent_id) or comment
    before = db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(
            _shown_top_level(viewer, top.idea_id),
            or_(
                Comment.created_at < top.created_at,
                and_(Comment.created_at == top.created_at, Comment.id < top.id),
            ),
        )
    )
    return (before or 0) // per_page + 1


def pending_comments(*, event_id=None, theme_id=None, limit=200):
    """Comments waiting for a moderator, oldest first, and how many there are."""
    query = select(Comment).join(Idea).where(Comment.status == CommentStatus.PENDING)
    if event_id:
        query = query.where(Idea.event_id == event_id)
    if theme_id:
        query = query.where(Idea.theme_id == theme_id)
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(joinedload(Comment.idea), joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
    ).all()
    return list(items), count
