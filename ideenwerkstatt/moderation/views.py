"""Moderation pages under /moderation: the queue, decisions, reason templates and the log.

Every endpoint needs the moderator role (or higher); one guard for the whole blueprint."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..comments.models import Comment
from ..database import commit, writing
from ..events.models import Event
from ..extensions import db
from ..ideas import services as ideas
from ..ideas.models import Idea
from ..mail.cli import register_before_delivery
from ..permissions import Role, require_role
from ..routing import parse_id, parse_page
from ..summaries.services import events_awaiting_summary
from ..themes.models import Theme
from ..urls import redirect_next
from . import flags, outcomes, services
from .flags import open_flags, send_flag_digest
from .forms import (
    ActionForm,
    EditForm,
    LogFilterForm,
    OutcomeForm,
    QueueFilterForm,
    RejectForm,
    TemplateForm,
)
from .models import RejectionTemplate
from .outcomes import outcome_label, outcomes_for
from .privacy_hooks import register_privacy_hooks

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

LOG_PER_PAGE = 50


@bp.record_once
def _on_register(state):
    state.app.jinja_env.globals["action_label"] = services.action_label
    state.app.jinja_env.globals["outcomes_for"] = outcomes_for
    state.app.jinja_env.globals["outcome_label"] = outcome_label
    register_before_delivery("flag_digest", send_flag_digest)
    register_privacy_hooks()


@bp.before_request
@require_role(Role.MODERATOR)
def _moderators_only():
    """One guard for the whole blueprint, so no endpoint can be added without it."""


def _me():
    return current_user._get_current_object()


def _idea_or_404(idea_id: int) -> Idea:
    return db.session.get(Idea, idea_id) or abort(404)


def _apply_error(form, error) -> None:
    field = form._fields.get(error.field) if error.field else None
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]


def _back(default="moderation.queue"):
    """Back to the queue with its filters (a `next` field carries them), else `default`."""
    return redirect_next(default)


# --- the queue -------------------------------------------------------------------------


def _filter_choices(form: QueueFilterForm) -> None:
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc())).all()
    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    form.event.choices = [SelectChoice("", _("Alle Veranstaltungen"))] + [
        SelectChoice(e.id, e.title) for e in events
    ]
    form.theme.choices = [SelectChoice("", _("Alle Themen"))] + [
        SelectChoice(t.id, t.name_de) for t in themes
    ]


@bp.get("")
def queue():
    form = QueueFilterForm(request.args)
    _filter_choices(form)
    form.validate()
    queue = services.moderation_queue(event_id=form.event.data, theme_id=form.theme.data)
    flagged = open_flags()
    queue.counts["flags"] = len(flagged)
    return render_template(
        "moderation/queue.html",
        form=form,
        queue=queue,
        flagged=flagged,
        awaiting_results=events_awaiting_summary(),
        action_form=ActionForm(),
        here=request.full_path.rstrip("?"),
    )


@bp.post("/bulk-approve")
def bulk_approve():
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [i for i in map(parse_id, request.form.getlist("idea_ids")) if i is not None]
    if not ids:
        flash(_("Bitte wählen Sie mindestens eine Idee aus."), "error")
        return _back()
    approved, skipped = services.bulk_approve(_me(), ids)
    commit()
    flash(
        ngettext("%(num)d Idee freigegeben.", "%(num)d Ideen freigegeben.", len(approved)),
        "success",
    )
    if skipped:
        flash(
            ngettext(
                "%(num)d war schon entschieden und wurde übersprungen.",
                "%(num)d waren schon entschieden und wurden übersprungen.",
                skipped,
            ),
            "info",
        )
    return _back()


# --- one idea --------------------------------------------------------------------------


def _reject_form(form: RejectForm | None = None) -> RejectForm:
    form = form or RejectForm()
    form.template.choices = [SelectChoice("", _("Keine Vorlage, nur eigener Text"))] + [
        SelectChoice(t.id, t.title) for t in services.rejection_templates()
    ]
    return form


def _edit_form(idea: Idea, form: EditForm | None = None) -> EditForm:
    return form or EditForm(data={"title": idea.title, "body": idea.body})


def _idea_page(idea, *, reject_form=None, edit_form=None, outcome_form=None, status=200):
    return (
        render_template(
            "moderation/idea.html",
            idea=idea,
            action_form=ActionForm(),
            reject_form=_reject_form(reject_form),
            edit_form=_edit_form(idea, edit_form),
            outcome_form=outcome_form or OutcomeForm(),
        ),
        status,
    )


@bp.get("/ideas/<int:idea_id>")
def idea(idea_id: int):
    if not services.rejection_templates():
        # The three default reasons appear the first time anyone needs them.
        with writing():
            services.seed_rejection_templates()
            commit()
    return _idea_page(_idea_or_404(idea_id))


def _simple(idea_id: int, action, success: str):
    idea = _idea_or_404(idea_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(_me(), idea)
    except ideas.IdeaError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        commit()
        flash(success, "success")
    return _back()


@bp.post("/ideas/<int:idea_id>/approve")
def approve(idea_id: int):
    return _simple(idea_id, ideas.approve_idea, _("Die Idee ist freigegeben."))


@bp.post("/ideas/<int:idea_id>/hide")
def hide(idea_id: int):
    return _simple(idea_id, ideas.hide_idea, _("Die Idee ist ausgeblendet."))


@bp.post("/ideas/<int:idea_id>/restore")
def restore(idea_id: int):
    return _simple(idea_id, ideas.restore_idea, _("Die Idee ist wieder sichtbar."))


@bp.post("/ideas/<int:idea_id>/paper-card")
def paper_card(idea_id: int):
    idea = _idea_or_404(idea_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_paper_card(_me(), idea, request.form.get("value", "on") == "on")
    commit()
    flash(_("Gespeichert."), "success")
    return redirect(url_for("moderation.idea", idea_id=idea_id))


@bp.post("/ideas/<int:idea_id>/reject")
def reject(idea_id: int):
    idea = _idea_or_404(idea_id)
    form = _reject_form()
    if form.validate_on_submit():
        template = db.session.get(RejectionTemplate, form.template.data or 0)
        try:
            services.reject_with_reason(_me(), idea, template, form.free_text.data)
        except ideas.InvalidTransition as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("moderation.idea", idea_id=idea_id))
        except ideas.IdeaError as error:
            db.session.rollback()
            error.field = "free_text" if error.field == "reason" else error.field
            _apply_error(form, error)
        else:
            commit()
            flash(
                _("Die Idee ist abgelehnt. Wer sie eingereicht hat, bekommt den Grund per E-Mail."),
                "success",
            )
            return _back()
    return _idea_page(idea, reject_form=form, status=422)


@bp.post("/ideas/<int:idea_id>/edit")
def edit(idea_id: int):
    idea = _idea_or_404(idea_id)
    form = EditForm()
    if form.validate_on_submit():
        try:
            services.edit_with_note(
                _me(), idea, title=form.title.data, body=form.body.data, note=form.note.data
            )
        except (ideas.IdeaError, services.ModerationError) as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            commit()
            flash(_("Die Änderung ist gespeichert."), "success")
            return redirect(url_for("moderation.idea", idea_id=idea_id))
    return _idea_page(idea, edit_form=form, status=422)


# --- outcomes --------------------------------------------------------------------------


@bp.post("/ideas/<int:idea_id>/outcome")
def outcome(idea_id: int):
    idea = _idea_or_404(idea_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        decided = form.decided_on.data
        try:
            outcomes.record_outcome(
                _me(),
                idea,
                form.status.data,
                form.note.data,
                dt.datetime.combine(decided, dt.time(12), dt.UTC) if decided else None,
            )
        except services.ModerationError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            commit()
            flash(_("Das Ergebnis ist gespeichert und steht jetzt bei der Idee."), "success")
            return redirect(url_for("moderation.idea", idea_id=idea_id))
    return _idea_page(idea, outcome_form=form, status=422)


# --- flags -----------------------------------------------------------------------------


def _flagged(kind: str, object_id: int):
    model = {"idea": Idea, "comment": Comment}.get(kind) or abort(404)
    return db.session.get(model, object_id) or abort(404)


@bp.post("/flags/<any(idea, comment):kind>/<int:object_id>/<any(uphold, dismiss):decision>")
def decide_flags(kind: str, object_id: int, decision: str):
    obj = _flagged(kind, object_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    flags.decide_flags(_me(), obj, upheld=decision == "uphold")
    commit()
    if decision == "uphold":
        flash(_("Die Meldungen sind bestätigt; der Beitrag bleibt ausgeblendet."), "success")
    else:
        flash(_("Die Meldungen sind zurückgewiesen; der Beitrag ist wieder sichtbar."), "success")
    return _back()


# --- reason templates ------------------------------------------------------------------


@bp.get("/reasons")
def reasons():
    return render_template(
        "moderation/reasons.html",
        templates=services.rejection_templates(),
        form=TemplateForm(),
        action_form=ActionForm(),
    )


@bp.post("/reasons")
def reason_new():
    form = TemplateForm()
    if form.validate_on_submit():
        try:
            services.create_template(_me(), title=form.title.data, text=form.text.data)
        except services.ModerationError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            commit()
            flash(_("Die Vorlage ist gespeichert."), "success")
            return redirect(url_for("moderation.reasons"))
    return (
        render_template(
            "moderation/reasons.html",
            templates=services.rejection_templates(),
            form=form,
            action_form=ActionForm(),
        ),
        422,
    )


def _template_or_404(template_id: int) -> RejectionTemplate:
    return db.session.get(RejectionTemplate, template_id) or abort(404)


@bp.route("/reasons/<int:template_id>/edit", methods=["GET", "POST"])
def reason_edit(template_id: int):
    template = _template_or_404(template_id)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        try:
            services.update_template(_me(), template, title=form.title.data, text=form.text.data)
        except services.ModerationError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            commit()
            flash(_("Die Vorlage ist gespeichert."), "success")
            return redirect(url_for("moderation.reasons"))
    status = 422 if request.method == "POST" else 200
    return render_template("moderation/reason_edit.html", form=form, template=template), status


@bp.post("/reasons/<int:template_id>/delete")
def reason_delete(template_id: int):
    template = _template_or_404(template_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.delete_template(_me(), template)
    commit()
    flash(_("Die Vorlage ist gelöscht."), "success")
    return redirect(url_for("moderation.reasons"))


# --- the log ---------------------------------------------------------------------------


@bp.get("/log")
def log():
    form = LogFilterForm(request.args)
    form.actor.choices = [SelectChoice("", _("Alle Personen"))] + [
        SelectChoice(u.id, u.display_name or u.email) for u in services.log_actors()
    ]
    form.action.choices = [SelectChoice("", _("Alle Aktionen"))] + [
        SelectChoice(a, services.action_label(a)) for a in services.log_actions()
    ]
    form.validate()
    page = parse_page(request.args.get("page"))
    if page is None:
        abort(404)
    page = max(1, page)
    until = (
        form.until.data + dt.timedelta(days=1)
        if form.until.data and not form.until.errors
        else None
    )
    since = form.since.data if not form.since.errors else None
    filters = services.LogFilter(
        actor_id=form.actor.data,
        action=form.action.data or None,
        since=dt.datetime.combine(since, dt.time(), dt.UTC) if since else None,
        until=dt.datetime.combine(until, dt.time(), dt.UTC) if until else None,
    )
    entries, total = services.log_entries(filters, page=page, per_page=LOG_PER_PAGE)
    pages = max(1, -(-total // LOG_PER_PAGE))
    if page > pages:
        abort(404)
    return render_template(
        "moderation/log.html", form=form, entries=entries, total=total, page=page, pages=pages
    )
