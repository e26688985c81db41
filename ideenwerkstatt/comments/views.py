"""Comment pages: write and reply on the idea page, edit (15 minutes), delete one's own;
the moderators' approve, hide and restore live under /moderation/comments."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..database import commit
from ..extensions import db, limiter
from ..ideas import queries
from ..ideas.forms import ActionForm, RejectForm
from ..permissions import Role, can_edit_comment, require_role
from ..routing import parse_id
from ..urls import redirect_next
from ..votes.services import vote_state
from . import services
from .forms import CommentForm, HideForm
from .models import Comment
from .privacy_hooks import register_privacy_hooks

bp = Blueprint("comments", __name__)


@bp.record_once
def _on_register(state):
    env = state.app.jinja_env.globals
    env["comment_page"] = _comment_page
    env["comments_page_url"] = comments_page_url
    env["new_comment_form"] = CommentForm
    env["new_hide_form"] = HideForm
    register_privacy_hooks()


def _me():
    return current_user._get_current_object()


def _comment_or_404(comment_id: int) -> Comment:
    return db.session.get(Comment, comment_id) or abort(404)


PAGE_ARG = "comments_page"


def _page_arg() -> int:
    """?comments_page=N of this request; anything but a positive number is page 1."""
    value = request.args.get(PAGE_ARG, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else 1


def _comment_page(viewer, idea):
    """The page of the idea's comments this request asks for (comments/_section.html)."""
    return services.comment_page(viewer, idea, _page_arg())


def comments_page_url(idea_id: int, page: int, anchor: str = "comments") -> str:
    """The idea page showing page `page` of its comments (page 1 without the argument)."""
    args = {PAGE_ARG: page} if page > 1 else {}
    return url_for("ideas.detail", idea_id=idea_id, _anchor=anchor, **args)


def comment_url(viewer, comment: Comment, anchor: str | None = None) -> str:
    """The idea page on the page of comments that holds `comment` (or its top-level comment),
    scrolled to it: redirects after writing, editing and moderating, links to a comment."""
    page = services.page_of_comment(viewer, comment)
    return comments_page_url(comment.idea_id, page, anchor or f"comment-{comment.id}")


def _anchor(comment: Comment) -> str:
    return comment_url(_me(), comment)


@bp.get("/comments/<int:comment_id>")
def show(comment_id: int):
    """A lasting link to one comment (mails, the moderation queue): to the idea page on the
    page of comments that holds it, as the viewer's thread is paged now."""
    comment = _comment_or_404(comment_id)
    viewer = _me() if current_user.is_authenticated else None
    queries.idea_for_viewer(viewer, comment.idea_id)  # 404 unless the viewer may see the idea
    return redirect(comment_url(viewer, comment))


def _comments_limit() -> str:
    return current_app.config["RATELIMIT_COMMENTS"]


def _account() -> str:
    # Per account (one person, many devices); the route is for signed-in people only.
    return f"user:{current_user.id}"


@bp.post("/ideas/<int:idea_id>/comments")
@login_required
@limiter.limit(
    _comments_limit,
    key_func=_account,
    # Only comments taken in count: a form sent back with errors costs nothing.
    deduct_when=lambda response: response.status_code < 400,
)
def create(idea_id: int):
    idea = queries.idea_for_viewer(_me(), idea_id)
    form = CommentForm()
    if form.validate_on_submit():
        parent = None
        if form.parent.data:
            parent_id = parse_id(form.parent.data)
            parent = db.session.get(Comment, parent_id) if parent_id is not None else None
            if parent is None:
                abort(400)
        try:
            comment = services.add_comment(_me(), idea, form.body.data, parent)
        except services.CommentNotAllowed:
            abort(403)
        except services.CommentError as error:
            db.session.rollback()
            form.body.errors = [*form.body.errors, error.message]
        else:
            commit()
            if comment.status == "pending":
                flash(
                    _("Danke! Ihr Kommentar erscheint, sobald die Moderation ihn freigibt."),
                    "success",
                )
            else:
                flash(_("Ihr Kommentar ist veröffentlicht."), "success")
            return redirect(_anchor(comment))
    return (
        render_template(
            "ideas/detail.html",
            idea=idea,
            vote=vote_state(_me(), idea),
            action_form=ActionForm(),
            reject_form=RejectForm(),
            comment_form=form,
        ),
        422,
    )


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    comment = _comment_or_404(comment_id)
    if not can_edit_comment(_me(), comment):
        abort(403)
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        try:
            services.edit_comment(_me(), comment, form.body.data)
        except services.CommentNotAllowed:
            abort(403)
        except services.CommentError as error:
            db.session.rollback()
            form.body.errors = [*form.body.errors, error.message]
        else:
            commit()
            flash(_("Ihr Kommentar ist geändert."), "success")
            return redirect(_anchor(comment))
    status = 422 if request.method == "POST" else 200
    return render_template("comments/edit.html", form=form, comment=comment), status


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id: int):
    comment = _comment_or_404(comment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_comment(_me(), comment)
    except services.CommentNotAllowed:
        abort(403)
    commit()
    flash(_("Ihr Kommentar ist gelöscht."), "success")
    return redirect(comment_url(_me(), comment, anchor="comments"))


# --- moderation ------------------------------------------------------------------------


def _moderate(comment_id: int, action, success: str):
    comment = _comment_or_404(comment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(_me(), comment)
    except services.CommentError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        commit()
        flash(success, "success")
    return redirect_next("moderation.queue")


@bp.post("/moderation/comments/<int:comment_id>/approve")
@require_role(Role.MODERATOR)
def approve(comment_id: int):
    return _moderate(comment_id, services.approve_comment, _("Der Kommentar ist freigegeben."))


@bp.post("/moderation/comments/<int:comment_id>/restore")
@require_role(Role.MODERATOR)
def restore(comment_id: int):
    return _moderate(comment_id, services.restore_comment, _("Der Kommentar ist wieder sichtbar."))


@bp.route("/moderation/comments/<int:comment_id>/hide", methods=["GET", "POST"])
@require_role(Role.MODERATOR)
def hide(comment_id: int):
    comment = _comment_or_404(comment_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            services.hide_comment(_me(), comment, form.reason.data)
        except services.InvalidTransition as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect_next("moderation.queue")
        except services.CommentError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, error.message]
        else:
            commit()
            flash(
                _("Der Kommentar ist ausgeblendet; die Person bekommt den Grund per E-Mail."),
                "success",
            )
            return redirect_next("moderation.queue")
    status = 422 if request.method == "POST" else 200
    return render_template("comments/hide.html", form=form, comment=comment), status
