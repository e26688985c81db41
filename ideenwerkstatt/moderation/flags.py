"""Flags: citizens report an idea or comment; N open flags hide it until a moderator
decides; moderators get an hourly digest of new flags. Explicit actor, flush only."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..auditlog import log_action
from ..comments.models import Comment, CommentStatus
from ..database import try_job_lock, utcnow
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..livestate.services import touch
from ..mail.models import OutboxMessage
from ..mail.services import queue_mail
from ..permissions import Role, can_moderate, roles_from
from .models import Flag, FlagStatus
from .services import ModerationError, NotAllowed

REASON_MIN, REASON_MAX = 3, 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _target_filter(obj):
    return Flag.idea_id == obj.id if isinstance(obj, Idea) else Flag.comment_id == obj.id


def open_flag_count(obj) -> int:
    return db.session.scalar(
        select(func.count()).where(_target_filter(obj), Flag.status == FlagStatus.OPEN)
    )


def flag(reporter, obj: Idea | Comment, reason: str) -> Flag:
    """A signed-in person reports a published idea or comment (not their own), once per
    person and object. When the open flags reach FLAG_HIDE_THRESHOLD (3), the object is
    hidden until a moderator decides (logged with no actor: the system did it).
    Raises NotAllowed, ModerationError (field "reason", or None for a repeat)."""
    if reporter is None or not getattr(reporter, "is_active", False):
        raise NotAllowed(_("Bitte melden Sie sich an, um etwas zu melden."))
    if obj.status != "published":
        raise ModerationError(_("Nur sichtbare Beiträge können gemeldet werden."))
    if obj.author_id == reporter.id:
        raise ModerationError(_("Eigene Beiträge können Sie nicht melden."))
    reason = _CONTROL.sub("", (reason or "").replace("\r\n", "\n")).strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ModerationError(
            _(
                "Bitte nennen Sie einen Grund (%(min)d bis %(max)d Zeichen).",
                min=REASON_MIN,
                max=REASON_MAX,
            ),
            "reason",
        )
    row = Flag(reporter_id=reporter.id, reason=reason)
    if isinstance(obj, Idea):
        row.idea_id = obj.id
    else:
        row.comment_id = obj.id
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError as exc:
        raise ModerationError(_("Sie haben diesen Beitrag bereits gemeldet.")) from exc
    threshold = current_app.config.get("FLAG_HIDE_THRESHOLD", 3)
    if open_flag_count(obj) >= threshold:
        _set_status(obj, hidden=True)
        log_action(
            None,
            f"{obj.__tablename__}.flag_hide",
            obj,
            ngettext("%(num)d Meldung", "%(num)d Meldungen", threshold),
        )
    return row


def _set_status(obj, *, hidden: bool) -> None:
    if isinstance(obj, Idea):
        obj.status = IdeaStatus.HIDDEN if hidden else IdeaStatus.PUBLISHED
    else:
        obj.status = CommentStatus.HIDDEN if hidden else CommentStatus.PUBLISHED
    db.session.flush()
    if isinstance(obj, Idea):
        touch(obj.event_id)


def decide_flags(moderator, obj: Idea | Comment, *, upheld: bool) -> int:
    """Close the open flags on `obj`: upheld, it is hidden (or stays hidden); dismissed, a
    published-then-hidden object is shown again. Logged. Returns how many flags closed.
    Raises NotAllowed."""
    if not can_moderate(moderator):
        raise NotAllowed(_("Nur die Moderation kann das tun."))
    flags = db.session.scalars(
        select(Flag).where(_target_filter(obj), Flag.status == FlagStatus.OPEN)
    ).all()
    now = utcnow()
    for row in flags:
        row.status = FlagStatus.UPHELD if upheld else FlagStatus.DISMISSED
        row.decided_at = now
    if upheld and obj.status == "published":
        _set_status(obj, hidden=True)
    elif not upheld and obj.status == "hidden":
        _set_status(obj, hidden=False)
    db.session.flush()
    action = "flags.uphold" if upheld else "flags.dismiss"
    log_action(moderator, action, obj, ngettext("%(num)d Meldung", "%(num)d Meldungen", len(flags)))
    if upheld and flags and isinstance(obj, Comment):
        _tell_comment_author(obj)
    return len(flags)


def _tell_comment_author(comment: Comment) -> None:
    """The author of a hidden comment is told why, in their language."""
    author = comment.author
    if author is None or not author.email:
        return
    with force_locale(author.locale or "de"):
        reason = _(
            "Der Kommentar wurde gemeldet, und die Moderation hat bestätigt, dass er gegen "
            "die Regeln für Beiträge verstößt."
        )
    comment.hidden_reason = reason
    db.session.flush()
    queue_mail(
        "comment_hidden",
        to=author.email,
        locale=author.locale or "de",
        user=author,
        idempotency_key=f"comment_hidden:{comment.id}:flags:{utcnow():%Y%m%d%H%M%S}",
        comment=comment,
        idea=comment.idea,
        reason=reason,
    )


def open_flags(*, limit: int = 200):
    """Objects with open flags, oldest flag first: (idea or comment, count, reasons)."""
    rows = db.session.scalars(
        select(Flag).where(Flag.status == FlagStatus.OPEN).order_by(Flag.created_at, Flag.id)
    ).all()
    groups: dict[tuple, dict] = {}
    for row in rows:
        key = ("idea", row.idea_id) if row.idea_id else ("comment", row.comment_id)
        group = groups.setdefault(key, {"kind": key[0], "id": key[1], "reasons": []})
        group["reasons"].append(row.reason)
    ideas = {
        i.id: i
        for i in db.session.scalars(
            select(Idea).where(Idea.id.in_([k[1] for k in groups if k[0] == "idea"]))
        )
    }
    comments = {
        c.id: c
        for c in db.session.scalars(
            select(Comment).where(Comment.id.in_([k[1] for k in groups if k[0] == "comment"]))
        )
    }
    result = []
    for (kind, obj_id), group in list(groups.items())[:limit]:
        group["object"] = ideas.get(obj_id) if kind == "idea" else comments.get(obj_id)
        result.append(group)
    return result


def send_flag_digest(now=None) -> int:
    """Mail every moderator (and organizer, admin) one digest of the flags nobody was told
    about yet, at most once per hour: the idempotency key names the hour, and when this
    hour's digest went out, new flags wait for the next hour. Returns mails queued; 0 at once
    while another server is sending it (PostgreSQL advisory lock, `try_job_lock`)."""
    now = now or utcnow()
    if not try_job_lock("flag_digest"):
        return 0
    hour = f"{now:%Y%m%d%H}"
    already = db.session.scalar(
        select(func.count()).where(OutboxMessage.idempotency_key.like(f"flag_digest:{hour}:%"))
    )
    if already:
        return 0
    new = db.session.scalars(
        select(Flag).where(Flag.status == FlagStatus.OPEN, Flag.notified_at.is_(None))
    ).all()
    if not new:
        return 0
    moderators = db.session.scalars(
        select(User).where(
            User.role.in_(roles_from(Role.MODERATOR)),
            User.confirmed_at.is_not(None),
        )
    ).all()
    for user in moderators:
        queue_mail(
            "flag_digest",
            to=user.email,
            locale=user.locale or "de",
            user=user,
            idempotency_key=f"flag_digest:{hour}:{user.id}",
            count=len(new),
        )
    for row in new:
        row.notified_at = now
    db.session.flush()
    return len(moderators)
