"""/organize/people: admins find people by e-mail and give or take the moderator and
organizer roles. Logged. (Its own blueprint: the organize guard lets organizers in, this one
only admins.)"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SearchField, SelectField
from wtforms.fields.choices import SelectChoice

from ..accounts.models import User
from ..auditlog import Action, log_action
from ..database import commit
from ..extensions import db
from ..ideas.queries import escape_like
from ..permissions import PermissionDenied, Role, can_assign_roles, can_change_role, require_role

bp = Blueprint("people", __name__, url_prefix="/organize/people")

MAX_RESULTS = 50


class RoleChangeRefused(PermissionDenied):
    """Not an admin, or a role admins cannot give or take here."""


def change_role(admin, user: User, role: Role | str) -> User:
    """Give `user` the citizen, moderator or organizer role; logged with the old and new role.
    Rule: permissions.can_change_role (only admins; an admin's own role and other admins'
    roles are not changed here: `ideenwerkstatt users set-role`).
    Raises RoleChangeRefused, ValueError (unknown role)."""
    role = Role(role)
    if not can_assign_roles(admin):
        raise RoleChangeRefused(_("Nur die Administration kann Rollen vergeben."))
    if not can_change_role(admin, user, role):
        raise RoleChangeRefused(_("Diese Rolle kann hier nicht geändert werden."))
    if user.role != role:
        old = user.role
        user.role = role
        db.session.flush()
        log_action(admin, Action.ROLE_CHANGE, user, f"{old} → {role}")
    return user


def find_people(term: str) -> list[User]:
    """Accounts whose e-mail contains `term` (case-insensitive), at most 50."""
    term = (term or "").strip().lower()
    if len(term) < 3:
        return []
    pattern = f"%{escape_like(term)}%"
    return list(
        db.session.scalars(
            select(User)
            .where(func.lower(User.email).like(pattern, escape="\\"))
            .order_by(User.email)
            .limit(MAX_RESULTS)
        )
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("E-Mail-Adresse (oder ein Teil davon, mindestens 3 Zeichen)"))


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Rolle"),
        choices=[
            SelectChoice(Role.CITIZEN.value, _l("Bürger*in")),
            SelectChoice(Role.MODERATOR.value, _l("Moderation")),
            SelectChoice(Role.ORGANIZER.value, _l("Organisation")),
        ],
    )


@bp.before_request
@require_role(Role.ADMIN)
def _admins_only():
    """One guard for the whole blueprint."""


@bp.get("")
def index():
    form = SearchForm(request.args)
    people = find_people(form.q.data or "")
    return render_template(
        "moderation/people.html",
        form=form,
        people=people,
        role_choices=RoleForm().role.choices,
        me=current_user,
    )


@bp.post("/<int:user_id>/role")
def set_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change_role(current_user._get_current_object(), user, form.role.data)
    except RoleChangeRefused as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        commit()
        flash(_("Die Rolle von %(email)s ist geändert.", email=user.email), "success")
    return redirect(url_for("people.index", q=request.form.get("q", user.email)))
