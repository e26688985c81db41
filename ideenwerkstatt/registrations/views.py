"""Registration views: sign up at /events/<slug>, cancel (account page or mail link), and
the organizers' registrant list, its CSV download and print view under /organize."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..csvsafe import SPREADSHEET_DELIMITER, write_csv
from ..database import commit
from ..events import services as events
from ..extensions import db
from ..permissions import Role, require_role
from ..urls import redirect_next
from . import presentation, services
from .forms import ButtonForm
from .models import Registration, RegistrationStatus
from .privacy_hooks import register_privacy_hooks

bp = Blueprint("registrations", __name__)
organize_bp = Blueprint("registrations_organize", __name__, url_prefix="/organize")


@bp.record_once
def _on_register(state):
    state.app.jinja_env.globals.update(presentation.TEMPLATE_GLOBALS)
    register_privacy_hooks()


def _me():
    return current_user._get_current_object()


def _checked_button() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


# --- people ----------------------------------------------------------------------------------


@bp.post("/events/<slug>")
@login_required
def register(slug: str):
    """Register for an event (the button on its page): a place, or the waiting list."""
    event = events.event_by_slug(slug, _me()) or abort(404)
    _checked_button()
    try:
        registration = services.register(_me(), event)
    except services.RegistrationError as exc:
        flash(str(exc.message), "error")
    else:
        commit()
        if registration.status is RegistrationStatus.CONFIRMED:
            flash(
                _(
                    "Sie sind angemeldet. Eine Bestätigung mit Kalenderdatei kommt per E-Mail.",
                ),
                "success",
            )
        else:
            flash(
                _(
                    "Alle Plätze sind vergeben: Sie stehen jetzt auf der Warteliste. Wird ein "
                    "Platz frei, rücken Sie automatisch nach und bekommen eine E-Mail."
                ),
                "success",
            )
    return redirect(url_for("events.detail", slug=event.slug, _anchor="registration"))


@bp.post("/registrations/<int:registration_id>/cancel")
@login_required
def cancel(registration_id: int):
    """Cancel one's own registration with one click (account page, event page)."""
    registration = db.session.get(Registration, registration_id)
    # Someone else's registration is "not found": its id tells nothing about them.
    if registration is None or registration.user_id != _me().id:
        abort(404)
    _checked_button()
    try:
        services.cancel(_me(), registration)
    except services.RegistrationError as exc:
        flash(str(exc.message), "error")
    else:
        commit()
        flash(presentation.cancelled_message(registration.event), "success")
    return redirect_next("accounts.account")


@bp.route("/registrations/cancel/<token>", methods=["GET", "POST"])
def cancel_link(token: str):
    """The cancel link from the confirmation mail; works without a login. GET shows a
    button (a mail scanner opening the link must not cancel anything), POST cancels."""
    registration = services.registration_for_cancel_token(token)
    if registration is None:
        return render_template("registrations/link_invalid.html"), 404
    form = ButtonForm()
    done = False
    error = None
    if form.validate_on_submit():
        try:
            services.cancel(registration.user, registration)
        except services.RegistrationError as exc:
            error = str(exc.message)
        else:
            commit()
            done = True
    elif form.is_submitted():
        abort(400)
    return render_template(
        "registrations/cancel_link.html",
        form=form,
        registration=registration,
        event=registration.event,
        done=done,
        error=error,
    )


# --- organizers ------------------------------------------------------------------------------


@organize_bp.before_request
@require_role(Role.ORGANIZER)
def _organizers_only():
    """One guard for every endpoint of this blueprint."""


def _event_or_404(event_id: int):
    return events.get_event(event_id) or abort(404)


@organize_bp.get("/registrations")
def overview():
    """Every event with its number of registrations, linking to the registrant lists."""
    return render_template(
        "registrations/organize_overview.html", rows=presentation.overview_rows()
    )


@organize_bp.get("/events/<int:event_id>/registrants")
def registrants(event_id: int):
    event = _event_or_404(event_id)
    return render_template(
        "registrations/registrants.html",
        event=event,
        lists=presentation.attendance(event),
    )


@organize_bp.get("/events/<int:event_id>/registrants/print")
def registrants_print(event_id: int):
    event = _event_or_404(event_id)
    return render_template(
        "registrations/registrants_print.html",
        event=event,
        lists=presentation.attendance(event),
    )


@organize_bp.get("/events/<int:event_id>/registrants.csv")
def registrants_csv(event_id: int):
    event = _event_or_404(event_id)
    columns, rows = presentation.attendance_csv_rows(event)
    body = write_csv(rows, columns, delimiter=SPREADSHEET_DELIMITER)  # csvsafe says why
    response = current_app.response_class(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="teilnahmeliste-{event.slug}.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
