"""The moderators' live console for the evening (/moderation/events/<slug>/live): the live
queue of the event's pending ideas with approve/reject each (one key: `a`/`r` on the focused
idea, static/js/live_console.js; without JavaScript the buttons), quick entry of paper cards,
the phase switch, opening and closing joining, and the wall's controls (mode, numbers, timer).

Thin: the rules are in ideas.services, moderation.services, events.services, live.services
and livestate.services; every state change there checks the role and writes the audit log.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from ..database import commit, writing
from ..events import services as events
from ..events.models import Event, Phase
from ..events.presentation import phase_label
from ..extensions import db
from ..ideas import services as ideas
from ..ideas.models import Idea, IdeaStatus
from ..live import presentation as live_presentation
from ..live import services as live
from ..livestate import services as livestate
from ..livestate.models import WallMode
from ..permissions import PermissionDenied, Role, can_organize, require_role
from ..routing import parse_id
from . import services
from .forms import ActionForm, RejectForm
from .models import RejectionTemplate

bp = Blueprint("live_console", __name__, url_prefix="/moderation/events/<slug>/live")

QUEUE_LIMIT = 100


# --- forms --------------------------------------------------------------------------------


class ModeForm(FlaskForm):
    mode = RadioField(
        _l("Ansicht auf der Wand"),
        choices=[
            SelectChoice(WallMode.IDEAS.value, _l("Ideen")),
            SelectChoice(WallMode.VOTING.value, _l("Abstimmung")),
            SelectChoice(WallMode.RESULTS.value, _l("Ergebnis")),
        ],
        validators=[InputRequired(message=_l("Bitte wählen Sie eine Ansicht."))],
    )


class NumbersForm(FlaskForm):
    hidden = HiddenField()


class TimerForm(FlaskForm):
    minutes = IntegerField(
        _l("Minuten"),
        validators=[
            InputRequired(message=_l("Bitte geben Sie die Minuten an.")),
            NumberRange(
                min=1,
                max=livestate.TIMER_MAX_MINUTES,
                message=_l("Bitte 1 bis %(max)d Minuten angeben."),
            ),
        ],
    )


class PaperCardForm(FlaskForm):
    title = StringField(
        _l("Titel der Papierkarte"),
        validators=[
            InputRequired(message=_l("Bitte geben Sie den Titel ein.")),
            Length(max=ideas.TITLE_MAX),
        ],
    )
    theme = SelectField(_l("Thema"), validate_choice=False)


class PhaseForm(FlaskForm):
    step = HiddenField()
    from_phase = HiddenField()
    confirmed = HiddenField()


class JoiningForm(FlaskForm):
    open = HiddenField()


# --- the page -----------------------------------------------------------------------------


def _event(slug: str) -> Event:
    event = events.event_by_slug(slug, current_user)
    if event is None or event.phase == Phase.DRAFT:
        abort(404)
    return event


def _reject_form(form: RejectForm | None = None) -> RejectForm:
    form = form or RejectForm(formdata=None)
    form.template.choices = [SelectChoice("", _("Keine Vorlage, nur eigener Text"))] + [
        SelectChoice(t.id, t.title) for t in services.rejection_templates()
    ]
    if form.template.data is None and len(form.template.choices) > 1:
        form.template.data = form.template.choices[1].value
    return form


def _paper_form(event: Event, form: PaperCardForm | None = None) -> PaperCardForm:
    form = form or PaperCardForm(formdata=None)
    form.theme.choices = live_presentation.theme_choices(event)
    return form


def pending_ideas(event: Event) -> list[Idea]:
    """The live queue: the event's ideas waiting for a decision, oldest first."""
    return list(
        db.session.scalars(
            select(Idea)
            .where(Idea.event_id == event.id, Idea.status == IdeaStatus.PENDING)
            .options(joinedload(Idea.theme))
            .order_by(Idea.created_at, Idea.id)
            .limit(QUEUE_LIMIT)
        )
    )


def _console(event: Event, status: int = 200, **forms):
    settings = livestate.current_settings(event.id)
    forms.setdefault("mode_form", ModeForm(formdata=None, mode=settings.wall_mode.value))
    forms.setdefault("numbers_form", NumbersForm(formdata=None))
    forms.setdefault("timer_form", TimerForm(formdata=None, minutes=5))
    forms.setdefault("action_form", ActionForm(formdata=None))
    forms.setdefault("phase_form", PhaseForm(formdata=None))
    forms.setdefault("joining_form", JoiningForm(formdata=None))
    forms["reject_form"] = _reject_form(forms.get("reject_form"))
    forms["paper_form"] = _paper_form(event, forms.get("paper_form"))
    session = live.session_of(event)
    return (
        render_template(
            "moderation/live_console.html",
            event=event,
            settings=settings,
            queue=pending_ideas(event),
            session=session,
            participants=live.participant_count(event) if session else 0,
            steps=events.allowed_steps(event) if can_organize(current_user) else [],
            next_phase=events.phase_after(event.phase, events.PhaseStep.NEXT),
            **forms,
        ),
        status,
    )


@bp.get("")
@require_role(Role.MODERATOR)
def console(slug: str):
    """The live console."""
    if not services.rejection_templates():
        # The default reasons appear the first time anyone needs them.
        with writing():
            services.seed_rejection_templates()
            commit()
    return _console(_event(slug))


def _done(event: Event, message: str, anchor: str = ""):
    commit()
    flash(message, "success")
    return redirect(url_for("live_console.console", slug=event.slug) + anchor)


# --- the live queue -------------------------------------------------------------------------


def _queued_idea(event: Event, raw: str) -> Idea:
    idea_id = parse_id(raw)
    idea = db.session.get(Idea, idea_id) if idea_id else None
    if idea is None or idea.event_id != event.id:
        abort(404)
    return idea


@bp.post("/ideas/<idea_id>/approve")
@require_role(Role.MODERATOR)
def approve(slug: str, idea_id: str):
    event = _event(slug)
    idea = _queued_idea(event, idea_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        ideas.approve_idea(current_user, idea)
    except ideas.IdeaError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("live_console.console", slug=event.slug) + "#queue")
    return _done(event, _("Freigegeben: %(title)s", title=idea.title), "#queue")


@bp.post("/ideas/<idea_id>/reject")
@require_role(Role.MODERATOR)
def reject(slug: str, idea_id: str):
    event = _event(slug)
    idea = _queued_idea(event, idea_id)
    form = _reject_form(RejectForm())
    if form.validate_on_submit():
        template = db.session.get(RejectionTemplate, form.template.data or 0)
        try:
            services.reject_with_reason(current_user, idea, template, form.free_text.data)
        except ideas.InvalidTransition as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("live_console.console", slug=event.slug) + "#queue")
        except ideas.IdeaError as error:
            db.session.rollback()
            form.free_text.errors = [*form.free_text.errors, error.message]
        else:
            return _done(event, _("Abgelehnt: %(title)s", title=idea.title), "#queue")
    return _console(event, 422, reject_form=form)


# --- paper cards ----------------------------------------------------------------------------


@bp.post("/paper-cards")
@require_role(Role.MODERATOR)
def paper_card(slug: str):
    """A paper card typed in: published at once (a moderator read it), marked as such."""
    event = _event(slug)
    form = _paper_form(event, PaperCardForm())
    if form.validate_on_submit():
        theme = live_presentation.theme_by_id(form.theme.data)
        try:
            ideas.submit_idea(
                None,
                theme,
                form.title.data,
                "",
                event=event,
                from_paper_card=True,
                actor=current_user,
                body_optional=True,
            )
        except ideas.IdeaError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None) or form.title
            field.errors = [*field.errors, error.message]
        else:
            return _done(event, _("Die Papierkarte ist eingetragen."), "#paper-heading")
    return _console(event, 422, paper_form=form)


# --- the phase and joining ------------------------------------------------------------------


@bp.post("/phase")
@require_role(Role.MODERATOR)
def phase(slug: str):
    """One step along collecting -> voting -> closed (organizers; opening the vote without a
    published idea asks once more)."""
    event = _event(slug)
    form = PhaseForm()
    if not form.validate_on_submit() or form.step.data not in ("next", "previous"):
        abort(400)
    if not can_organize(current_user):
        abort(403)
    try:
        target = events.change_phase(
            current_user,
            event,
            form.step.data,
            from_phase=form.from_phase.data or None,
            confirmed=form.confirmed.data == "1",
        )
    except events.ConfirmationNeeded as error:
        db.session.rollback()
        return _console(event, 409, confirm_phase=error.message, phase_form=form)
    except events.EventError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("live_console.console", slug=event.slug) + "#phase-heading")
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    return _done(
        event, _("Die Phase ist jetzt: %(phase)s", phase=phase_label(target)), "#phase-heading"
    )


@bp.post("/joining")
@require_role(Role.MODERATOR)
def joining(slug: str):
    """Open or close joining (those already in stay in)."""
    event = _event(slug)
    form = JoiningForm()
    if not form.validate_on_submit() or form.open.data not in ("0", "1"):
        abort(400)
    try:
        live.set_joining(current_user, event, form.open.data == "1")
    except live.LiveError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("live_console.console", slug=event.slug))
    message = (
        _("Neue Teilnehmende können dazukommen.")
        if form.open.data == "1"
        else _("Das Dazukommen ist geschlossen; wer dabei ist, bleibt dabei.")
    )
    return _done(event, message, "#joining-heading")


# --- the wall's controls --------------------------------------------------------------------


@bp.post("/mode")
@require_role(Role.MODERATOR)
def set_mode(slug: str):
    event = _event(slug)
    form = ModeForm()
    if not form.validate():
        return _console(event, 422, mode_form=form)
    livestate.set_wall_mode(current_user, event, form.mode.data)
    return _done(event, _("Die Ansicht der Wand wurde geändert."))


@bp.post("/numbers")
@require_role(Role.MODERATOR)
def set_numbers(slug: str):
    event = _event(slug)
    form = NumbersForm()
    if not form.validate() or form.hidden.data not in ("1", "0"):
        abort(400)
    hidden = form.hidden.data == "1"
    livestate.set_numbers_hidden(current_user, event, hidden)
    return _done(
        event,
        _("Die Zahlen sind jetzt verborgen.") if hidden else _("Die Zahlen sind jetzt sichtbar."),
    )


@bp.post("/timer/<action>")
@require_role(Role.MODERATOR)
def timer(slug: str, action: str):
    event = _event(slug)
    if action == "stop":
        if not ActionForm().validate():
            abort(400)
        livestate.stop_timer(current_user, event)
        return _done(event, _("Der Timer wurde angehalten."))
    if action not in ("start", "extend"):
        abort(404)
    form = TimerForm()
    if not form.validate():
        return _console(event, 422, timer_form=form)
    change = livestate.start_timer if action == "start" else livestate.extend_timer
    try:
        change(current_user, event, form.minutes.data)
    except livestate.LiveStateError as error:
        form.minutes.errors = [error.message]
        return _console(event, 422, timer_form=form)
    return _done(event, _("Der Timer läuft."))
