"""Who may do what, written once as named predicates used by views and templates."""

from __future__ import annotations

import enum
from functools import wraps

from flask import abort
from flask_login import current_user


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    MODERATOR = "moderator"
    ORGANIZER = "organizer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.CITIZEN: 0, Role.MODERATOR: 1, Role.ORGANIZER: 2, Role.ADMIN: 3}


class PermissionDenied(Exception):
    """A service refused an action because the actor lacks the role for it."""


def has_role(user, role: Role) -> bool:
    """True when the user is signed in and holds `role` or a higher one."""
    return bool(user and user.is_authenticated and Role(user.role).rank >= role.rank)


def can_moderate(user) -> bool:
    return has_role(user, Role.MODERATOR)


def can_organize(user) -> bool:
    return has_role(user, Role.ORGANIZER)


def can_assign_roles(user) -> bool:
    return has_role(user, Role.ADMIN)


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
}
