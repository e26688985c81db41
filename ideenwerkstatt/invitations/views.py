"""Invitation views: the organizers' send flow (choose, preview the count, send) and run
states under /organize/invitations; the one-click unsubscribe link /unsubscribe/<token>."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..database import commit
from ..events import services as events
from ..events.presentation import event_date
from ..extensions import csrf
from ..mail import services as mail
from ..mail.cli import register_before_delivery
from ..mail.delivery import register_send_check
from ..permissions import Role, require_role
from . import reminders, services
from .forms import AUDIENCE_LABELS, InvitationForm, SendForm, audience_label
from .models import Audience

bp = Blueprint("invitations", __name__)
organize_bp = Blueprint("invitations_organize", __name__, url_prefix="/organize/invitations")


@bp.record_once
def _on_register(state):
    state.app.jinja_env.globals["audience_label"] = audience_label

    # A reminder leaves only while its recipient still holds a place, checked again right
    # before it is sent (an invitation's consent check: privacy.services.register_send_checks).
    register_send_check(
        reminders.REMINDER_TEMPLATE,
        reminders.refused_reminders,
        "registration cancelled before delivery",
    )
    register_before_delivery("reminders", reminders.queue_due_reminders)


# --- unsubscribe (no login) ------------------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail programs POST "List-Unsubscribe=One-Click" without a token
def unsubscribe(token: str):
    """GET shows one button and changes nothing (mail scanners open links); POST, from
    that button or a mail program's one-click, withdraws the invitations consent."""
    user = services.user_for_unsubscribe_token(token)
    if user is False:
        return render_template("invitations/unsubscribe_invalid.html"), 404
    if request.method == "POST":
        if user is not None:
            services.unsubscribe(user)
            commit()
        return render_template("invitations/unsubscribed.html")
    return render_template("invitations/unsubscribe.html", token=token)


# --- organizers ------------------------------------------------------------------------------


@organize_bp.before_request
@require_role(Role.ORGANIZER)
def _organizers_only():
    """One guard for every endpoint of this blueprint."""


def _choose_form(formdata=None) -> InvitationForm:
    form = InvitationForm(formdata=formdata)
    # An empty first option: a required <select> must not preselect a real event.
    form.event.choices = [SelectChoice("", _("Bitte wählen"))] + [
        SelectChoice(event.id, f"{event.title} ({event_date(event)})")
        for event in services.invitable_events()
    ]
    return form


@organize_bp.get("")
def index():
    return render_template(
        "invitations/index.html",
        form=_choose_form(formdata=None),
        runs=services.recent_runs(),
    )


@organize_bp.get("/preview")
def preview():
    """Step two: how many people the choice reaches, and the button that sends."""
    form = _choose_form(formdata=request.args)
    if not form.validate():
        return render_template(
            "invitations/index.html", form=form, runs=services.recent_runs()
        ), 422
    event = events.get_event(form.event.data) or abort(404)
    audience = Audience(form.audience.data)
    numbers = services.preview(event, audience)
    send_form = SendForm(data={"event": event.id, "audience": audience.value})
    return render_template(
        "invitations/preview.html",
        event=event,
        audience=audience,
        audience_label=AUDIENCE_LABELS[audience],
        numbers=numbers,
        send_form=send_form,
    )


@organize_bp.post("")
def send():
    form = SendForm()
    if not form.validate_on_submit():
        abort(400)
    event = events.get_event(form.event.data) or abort(404)
    try:
        audience = Audience(form.audience.data)
    except ValueError:
        abort(400)
    try:
        run = services.send_invitations(current_user._get_current_object(), event, audience)
    except services.InvitationError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".index"))
    commit()
    if run.queued:
        flash(
            ngettext(
                "Die Einladung ist für %(num)d Person in der Warteschlange.",
                "Die Einladung ist für %(num)d Personen in der Warteschlange.",
                run.queued,
            ),
            "success",
        )
    else:
        flash(_("Alle in dieser Auswahl haben schon eine Einladung: niemand bekommt eine zweite."))
    return redirect(url_for(".run", run_id=run.id))


@organize_bp.get("/<int:run_id>")
def run(run_id: int):
    invitation_run = services.get_run(run_id) or abort(404)
    state = services.run_state(invitation_run)
    return render_template(
        "invitations/run.html",
        run=invitation_run,
        state=state,
        failures=services.failures(invitation_run),
        delivery_stalled=bool(state["queued"]) and mail.delivery_stalled(),
    )
