"""Organizer views under /organize: every endpoint needs the organizer role (or admin)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..database import commit
from ..events import services as events
from ..events import validation
from ..events.forms import EventForm, PhaseForm
from ..events.presentation import phase_label
from ..extensions import db
from ..permissions import Role, require_role
from ..themes import services as themes
from ..themes.forms import ThemeActionForm, ThemeForm

bp = Blueprint("organize", __name__, url_prefix="/organize")


@bp.before_request
@require_role(Role.ORGANIZER)
def _organizers_only():
    """One guard for the whole blueprint, so no endpoint can be added without it."""


def _show_errors(form, errors: dict) -> None:
    """Put a service's messages next to their fields (or on the form) unless the field
    already shows one of its own."""
    for name, message in errors.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(str(message))
        elif not field.errors:
            field.errors = [*field.errors, str(message)]


@bp.get("")
def index():
    return render_template("organize/index.html")


# Themes --------------------------------------------------------------------------------


def _theme_or_404(theme_id: int):
    return themes.get_theme(theme_id) or abort(404)


@bp.get("/themes")
def theme_list():
    return render_template("organize/themes.html", themes=themes.all_themes())


@bp.route("/themes/new", methods=["GET", "POST"])
def theme_new():
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = themes.create_theme(current_user, **_theme_values(form))
        except themes.ThemeError as exc:
            _show_errors(form, {exc.field: exc.message})
        else:
            commit()
            flash(_("Das Thema „%(name)s“ wurde angelegt.", name=theme.name_de), "success")
            return redirect(url_for(".theme_list"))
    status = 422 if form.is_submitted() else 200
    return render_template("organize/theme_form.html", form=form, theme=None), status


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
def theme_edit(theme_id: int):
    theme = _theme_or_404(theme_id)
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        try:
            themes.update_theme(current_user, theme, **_theme_values(form))
        except themes.ThemeError as exc:
            _show_errors(form, {exc.field: exc.message})
        else:
            commit()
            flash(_("Das Thema „%(name)s“ wurde gespeichert.", name=theme.name_de), "success")
            return redirect(url_for(".theme_list"))
    status = 422 if form.is_submitted() else 200
    return render_template("organize/theme_form.html", form=form, theme=theme), status


def _theme_values(form: ThemeForm) -> dict:
    return {
        "name_de": form.name_de.data,
        "name_en": form.name_en.data,
        "description_de": form.description_de.data,
        "description_en": form.description_en.data,
    }


@bp.post("/themes/<int:theme_id>/move/<any(up, down):direction>")
def theme_move(theme_id: int, direction: str):
    theme = _theme_or_404(theme_id)
    if not ThemeActionForm().validate_on_submit():
        abort(400)
    themes.move_theme(current_user, theme, direction)
    commit()
    return redirect(url_for(".theme_list", _anchor=f"theme-{theme.id}"))


@bp.post("/themes/<int:theme_id>/retire")
def theme_retire(theme_id: int):
    theme = _theme_or_404(theme_id)
    if not ThemeActionForm().validate_on_submit():
        abort(400)
    themes.retire_theme(current_user, theme)
    commit()
    flash(
        _(
            "Das Thema „%(name)s“ ist jetzt stillgelegt. Seine Ideen bleiben erhalten.",
            name=theme.name_de,
        ),
        "success",
    )
    return redirect(url_for(".theme_list", _anchor=f"theme-{theme.id}"))


@bp.post("/themes/<int:theme_id>/reactivate")
def theme_reactivate(theme_id: int):
    theme = _theme_or_404(theme_id)
    if not ThemeActionForm().validate_on_submit():
        abort(400)
    themes.reactivate_theme(current_user, theme)
    commit()
    flash(_("Das Thema „%(name)s“ ist wieder aktiv.", name=theme.name_de), "success")
    return redirect(url_for(".theme_list", _anchor=f"theme-{theme.id}"))


# Events --------------------------------------------------------------------------------


def _event_or_404(event_id: int):
    return events.get_event(event_id) or abort(404)


@bp.get("/events")
def event_list():
    return render_template(
        "organize/events.html",
        events=events.all_events(),
        allowed_steps=events.allowed_steps,
        phase_after=events.phase_after,
    )


def _offer_themes(form: EventForm, event=None) -> None:
    """Active themes, plus retired ones the event already has (they may stay)."""
    kept = {theme.id for theme in event.themes} if event is not None else set()
    form.themes.choices = [
        SelectChoice(
            theme.id,
            theme.name_de if theme.active else _("%(name)s (stillgelegt)", name=theme.name_de),
        )
        for theme in themes.all_themes()
        if theme.active or theme.id in kept
    ]


def _save_event(form: EventForm, event=None):
    """Validate the form and the service's rules together; return the saved event, or
    None with every message placed next to its field."""
    valid = form.validate_on_submit()
    try:
        if not valid:
            validation.check_event(event, **form.service_values())
            return None
        premoderated = bool(form.comments_premoderated.data)
        if event is None:
            return events.create_event(
                current_user, **form.service_values(), comments_premoderated=premoderated
            )
        return events.update_event(
            current_user, event, **form.service_values(), comments_premoderated=premoderated
        )
    except validation.EventError as exc:
        _show_errors(form, exc.errors)
        return None


@bp.route("/events/new", methods=["GET", "POST"])
def event_new():
    form = EventForm()
    _offer_themes(form)
    event = _save_event(form) if form.is_submitted() else None
    if event is not None:
        commit()
        flash(
            _("Die Veranstaltung „%(title)s“ wurde als Entwurf angelegt.", title=event.title),
            "success",
        )
        return redirect(url_for(".event_list"))
    status = 422 if form.is_submitted() else 200
    return render_template("organize/event_form.html", form=form, event=None), status


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def event_edit(event_id: int):
    event = _event_or_404(event_id)
    # Not obj=event: the form shows local times and theme ids, the event holds UTC and rows.
    form = EventForm(
        data={
            "title": event.title,
            "description": event.description,
            "place": event.place,
            "starts_at": validation.to_local(event.starts_at).replace(tzinfo=None),
            "ends_at": validation.to_local(event.ends_at).replace(tzinfo=None),
            "themes": [theme.id for theme in event.themes],
            "capacity": event.capacity,
            "voting_rule": event.voting_rule.value,
            "dot_budget": event.dot_budget,
            "retention_days": event.retention_days,
            "comments_premoderated": event.comments_premoderated,
        }
    )
    _offer_themes(form, event)
    if form.is_submitted() and _save_event(form, event) is not None:
        commit()
        flash(_("Die Veranstaltung „%(title)s“ wurde gespeichert.", title=event.title), "success")
        return redirect(url_for(".event_list"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "organize/event_form.html",
        form=form,
        event=event,
        voting_rule_locked=validation.voting_rule_locked(event),
    ), status


@bp.post("/events/<int:event_id>/phase")
def event_phase(event_id: int):
    event = _event_or_404(event_id)
    form = PhaseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        phase = events.change_phase(
            current_user,
            event,
            form.step.data,
            from_phase=form.from_phase.data,
            confirmed=form.confirmed.data == "yes",
        )
    except events.ConfirmationNeeded as exc:
        db.session.rollback()
        return render_template(
            "organize/phase_confirm.html",
            event=event,
            form=form,
            target=events.phase_after(event.phase, form.step.data),
            message=exc.message,
            pending=events.pending_idea_count(event),
        )
    except validation.EventError as exc:
        flash(exc.message, "error")
    else:
        commit()
        flash(
            _(
                "„%(title)s“ ist jetzt in der Phase „%(phase)s“.",
                title=event.title,
                phase=phase_label(phase),
            ),
            "success",
        )
    return redirect(url_for(".event_list", _anchor=f"event-{event.id}"))
