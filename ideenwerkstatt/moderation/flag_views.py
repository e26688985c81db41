"""/flags/new: a signed-in person reports an idea or a comment, with a reason."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..comments.models import Comment
from ..comments.views import comment_url
from ..database import commit
from ..extensions import db
from ..ideas.models import Idea
from ..routing import parse_id
from . import flags
from .services import ModerationError, NotAllowed

bp = Blueprint("flags", __name__, url_prefix="/flags")


class FlagForm(FlaskForm):
    reason = TextAreaField(
        _l("Warum melden Sie diesen Beitrag?"),
        validators=[
            DataRequired(message=_l("Bitte nennen Sie einen Grund.")),
            Length(max=flags.REASON_MAX),
        ],
    )


def _target(kind: str, object_id: int):
    model = {"idea": Idea, "comment": Comment}.get(kind) or abort(404)
    obj = db.session.get(model, object_id) or abort(404)
    if obj.status != "published":
        abort(404)
    return obj


def _idea_url(obj) -> str:
    """Back to the idea; for a comment, to the page of the idea's comments that holds it."""
    if isinstance(obj, Idea):
        return url_for("ideas.detail", idea_id=obj.id)
    return comment_url(current_user._get_current_object(), obj)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    object_id = parse_id(request.values.get("object_id"))
    if object_id is None:
        abort(404)
    kind = request.values.get("kind", "")
    obj = _target(kind, object_id)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            flags.flag(current_user._get_current_object(), obj, form.reason.data)
        except NotAllowed:
            abort(403)
        except ModerationError as error:
            db.session.rollback()
            if error.field == "reason":
                form.reason.errors = [*form.reason.errors, error.message]
            else:
                flash(error.message, "error")
                return redirect(_idea_url(obj))
        else:
            commit()
            flash(_("Danke! Die Moderation sieht sich den Beitrag an."), "success")
            return redirect(_idea_url(obj))
    status = 422 if request.method == "POST" else 200
    return (
        render_template("moderation/flag.html", form=form, obj=obj, kind=kind, back=_idea_url(obj)),
        status,
    )
