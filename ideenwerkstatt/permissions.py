"""Who may do what, written once as named predicates used by services, views and templates.

Two kinds, side by side (the way adhocracy4's `rules.py` keeps them): what a role allows
(`can_moderate`, `can_organize`, `can_assign_roles`), and the per-object rules below it: who
may edit an idea, a comment, a theme or an event, who may invite, and whose role an admin may
change. Services raise PermissionDenied when a predicate says no; templates call the same
predicates to show only the buttons that will work.

This module sits below every feature and imports none: it reads the objects it is given
(`author_id`, `status`, `created_at`), and states are named by their stored values, which a
test holds equal to the features' enums.
"""

from __future__ import annotations

import datetime as dt
import enum
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from .database import utcnow
from .extensions import db


class Role(enum.StrEnum):
    # A guest of one evening (live session): joined by code or card, no e-mail, no password;
    # may vote and submit ideas in that event only (see may_act_in_event below).
    PARTICIPANT = "participant"
    CITIZEN = "citizen"
    MODERATOR = "moderator"
    ORGANIZER = "organizer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.PARTICIPANT: -1, Role.CITIZEN: 0, Role.MODERATOR: 1, Role.ORGANIZER: 2, Role.ADMIN: 3}


class PermissionDenied(Exception):
    """A service refused an action because the actor lacks the role for it."""


def has_role(user, role: Role) -> bool:
    """True when the user is signed in and holds `role` or a higher one."""
    return bool(user and user.is_authenticated and Role(user.role).rank >= role.rank)


def is_event_participant(user) -> bool:
    """True for a signed-in guest of one evening (no account: no e-mail, no password)."""
    return bool(user and user.is_authenticated and Role(user.role) is Role.PARTICIPANT)


_NO_EVENT = object()


def participant_event_id(user) -> int | None:
    """The event a guest of an evening belongs to; None for everyone else (and for a guest
    whose participation row is gone). Remembered on the user object for the request.

    The live slice's `live_participant` table is read by name from the metadata, so that
    this module (which the ideas, votes and comments services use) imports no feature."""
    if not is_event_participant(user):
        return None
    cached = getattr(user, "_live_event_id", _NO_EVENT)
    if cached is _NO_EVENT:
        participant = db.metadata.tables["live_participant"]
        cached = db.session.scalar(
            select(participant.c.event_id).where(participant.c.user_id == user.id).limit(1)
        )
        user._live_event_id = cached
    return cached


def may_act_in_event(user, event_id: int | None) -> bool:
    """Accounts act wherever their role allows; a guest only on ideas of their own evening
    (never on ideas without an event, never in another event)."""
    if not is_event_participant(user):
        return True
    own = participant_event_id(user)
    return own is not None and event_id is not None and own == event_id


def may_comment(user) -> bool:
    """Comments need an account: a guest of an evening votes and submits ideas only."""
    return not is_event_participant(user)


def can_moderate(user) -> bool:
    return has_role(user, Role.MODERATOR)


def can_organize(user) -> bool:
    return has_role(user, Role.ORGANIZER)


def can_assign_roles(user) -> bool:
    return has_role(user, Role.ADMIN)


def roles_from(role: Role) -> list[Role]:
    """`role` and every higher one, lowest first (for queries: who holds at least `role`)."""
    return [other for other in Role if other.rank >= role.rank]


# --- per-object rules ------------------------------------------------------------------------

# An author may still change an idea while it waits for moderation (IdeaStatus.PENDING).
IDEA_EDITABLE_BY_AUTHOR = frozenset({"pending"})
IDEA_PUBLIC = "published"  # IdeaStatus.PUBLISHED
# A comment can be edited by its author for 15 minutes, while it is not hidden or deleted.
COMMENT_EDIT_WINDOW = dt.timedelta(minutes=15)
COMMENT_EDITABLE = frozenset({"pending", "published"})  # CommentStatus
COMMENT_DELETED = "deleted"  # CommentStatus.DELETED
# The roles an admin gives and takes on the people page; admins themselves are made on the
# command line (`ideenwerkstatt users set-role`), so nobody locks the platform out by a click.
ASSIGNABLE_ROLES = (Role.CITIZEN, Role.MODERATOR, Role.ORGANIZER)


def is_owner(user, obj) -> bool:
    """The signed-in person wrote `obj` (anything with an `author_id`: an idea, a comment)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and obj.author_id is not None
        and obj.author_id == user.id
    )


def can_view_idea(user, idea) -> bool:
    """Published ideas for everyone; any other state for its author and moderators."""
    return idea.status == IDEA_PUBLIC or is_owner(user, idea) or can_moderate(user)


def can_edit_idea(user, idea) -> bool:
    """Moderators at any time; the author while the idea is pending."""
    if can_moderate(user):
        return True
    return is_owner(user, idea) and idea.status in IDEA_EDITABLE_BY_AUTHOR


def can_edit_comment(user, comment, now: dt.datetime | None = None) -> bool:
    """Its author, within 15 minutes of writing it, while it is not hidden or deleted."""
    now = now or utcnow()
    return (
        is_owner(user, comment)
        and comment.status in COMMENT_EDITABLE
        and now - comment.created_at <= COMMENT_EDIT_WINDOW
    )


def can_merge_ideas(user, source=None, target=None) -> bool:
    """Moderators (organizers and admins with them) merge a duplicate idea into another;
    never a citizen, an author or a guest of an evening, whatever event they belong to.
    Moderation is not split by event here, so the role decides for every event (the ideas'
    own rules, same event and so on, are the merges slice's)."""
    return can_moderate(user)


def can_delete_comment(user, comment) -> bool:
    """Its author, at any time, unless it is already deleted."""
    return is_owner(user, comment) and comment.status != COMMENT_DELETED


def can_edit_theme(user, theme=None) -> bool:
    """Organizers create, change, order, retire and reactivate themes (any theme)."""
    return can_organize(user)


def can_edit_event(user, event=None) -> bool:
    """Organizers create and change events and move them through their phases (any event)."""
    return can_organize(user)


def can_invite(user, event=None) -> bool:
    """Organizers send invitations to events (whether an event takes invitations now is
    the invitations slice's rule: published and still to come)."""
    return can_organize(user)


def can_change_role(admin, user, role: Role | str | None = None) -> bool:
    """Admins give or take the citizen, moderator and organizer roles; never their own
    role, never another admin's, and never the admin role (see ASSIGNABLE_ROLES). Without
    `role`: whether `user`'s role can be changed by `admin` at all."""
    return (
        can_assign_roles(admin)
        and (role is None or Role(role) in ASSIGNABLE_ROLES)
        and Role(user.role) is not Role.ADMIN
        and user.id != admin.id
    )


def landing_endpoint(user) -> str:
    """Where signing in leads when no safe `next` was given: organizers (and admins) to
    /organize, moderators to the moderation queue, everyone else to their account."""
    if can_organize(user):
        return "organize.index"
    if can_moderate(user):
        return "moderation.queue"
    return "accounts.account"


def require_role(role: Role):
    """View decorator: 401-redirect to login for visitors, 403 for too low a role."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from .extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(current_user, role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


TEMPLATE_PREDICATES = {
    "can_moderate": can_moderate,
    "can_organize": can_organize,
    "can_assign_roles": can_assign_roles,
    "can_change_role": can_change_role,
    "can_view_idea": can_view_idea,
    "can_edit_idea": can_edit_idea,
    "is_idea_author": is_owner,
    "can_edit_comment": can_edit_comment,
    "can_delete_comment": can_delete_comment,
    "can_merge_ideas": can_merge_ideas,
    "is_event_participant": is_event_participant,
}
