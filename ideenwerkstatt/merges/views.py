"""Merging from the web: the merge form of an idea (reached from its page, the moderation
queue and the live console) and the undo button on the page of the idea it went into."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..database import commit
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..ideas.queries import idea_for_viewer
from ..permissions import Role, can_merge_ideas, require_role
from ..urls import is_safe_next
from . import services
from .forms import MergeForm, UndoForm, idea_number
from .models import IdeaMerge

bp = Blueprint("merges", __name__)


@bp.record_once
def _on_register(state):
    globals_ = state.app.jinja_env.globals
    globals_["merges_into"] = services.merges_into
    globals_["can_undo_merge"] = services.can_undo
    globals_["merge_undo_form"] = UndoForm


def _me():
    return current_user._get_current_object()


def _back(default: str, form_next: str | None = None):
    target = form_next or request.args.get("next")
    return redirect(target if is_safe_next(target) else default)


@bp.route("/ideas/<int:idea_id>/merge", methods=["GET", "POST"])
@require_role(Role.MODERATOR)
def merge(idea_id: int):
    """Merge this idea (B) into another one (A). Bad input: 422 with the message next to the
    field and what was typed still there."""
    source = idea_for_viewer(_me(), idea_id)
    if not can_merge_ideas(_me(), source):
        abort(403)
    if source.status == IdeaStatus.MERGED:
        return redirect(url_for("ideas.detail", idea_id=source.id))
    form = MergeForm()
    if request.method == "GET":
        form.next.data = request.args.get("next") if is_safe_next(request.args.get("next")) else ""
        if request.args.get("target"):
            form.target.data = request.args["target"][:300]
    elif form.validate_on_submit():
        number = idea_number(form.target.data)
        target = db.session.get(Idea, number) if number is not None else None
        if number is None:
            form.target.errors = [
                _("Bitte geben Sie die Nummer der Idee an (zum Beispiel 42) oder ihre Adresse.")
            ]
        else:
            try:
                services.merge_ideas(_me(), source, target)
            except services.MergeNotAllowed:
                abort(403)
            except services.MergeError as error:
                db.session.rollback()
                if error.field == "target":
                    form.target.errors = [error.message]
                else:
                    flash(error.message, "error")
            else:
                commit()
                flash(
                    _(
                        "„%(source)s“ ist jetzt mit „%(target)s“ zusammengeführt. Sie können "
                        "das hier rückgängig machen.",
                        source=source.title,
                        target=target.title,
                    ),
                    "success",
                )
                return _back(url_for("ideas.detail", idea_id=target.id), form.next.data)
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "merges/merge.html",
            idea=source,
            form=form,
            candidates=services.merge_candidates(source),
        ),
        status,
    )


@bp.post("/merges/<int:merge_id>/undo")
@require_role(Role.MODERATOR)
def undo(merge_id: int):
    """Undo a merge: B is its own idea again, with its votes and comments."""
    record = db.session.get(IdeaMerge, merge_id) or abort(404)
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    target_id, source_id = record.target_id, record.source_id
    try:
        services.undo_merge(_me(), record)
    except services.MergeNotAllowed:
        abort(403)
    except services.MergeError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("ideas.detail", idea_id=target_id))
    commit()
    flash(
        _("Die Zusammenführung ist rückgängig gemacht: Die Idee steht wieder für sich."),
        "success",
    )
    return _back(url_for("ideas.detail", idea_id=source_id), form.next.data)
