"""Privacy views: consent buttons, my data (JSON and HTML), deleting my account.

No URL here carries a user id: every view acts on the signed-in person only."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.security import check_password_hash

from ..accounts import throttle
from ..database import commit
from ..i18n import LOCALE_SESSION_KEY
from . import consent_texts, presentation, services
from .forms import DELETE, ConsentButtonForm, DeleteAccountForm
from .models import ConsentChannel, Purpose

bp = Blueprint("privacy", __name__, url_prefix="/account")

EXPORT_FILENAME = "ideenwerkstatt-meine-daten.json"


@bp.record_once
def _on_register(_state):
    # Mail that needs the invitations consent is checked again right before it is sent.
    services.register_send_checks()


def _purpose_or_404(value: str) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        abort(404)


def _me():
    """The signed-in user object itself (not the proxy): the only person these views act on."""
    return current_user._get_current_object()


@bp.post("/consents/<purpose>/withdraw")
@login_required
def withdraw_consent(purpose: str):
    purpose = _purpose_or_404(purpose)
    form = ConsentButtonForm()
    if not form.validate_on_submit():
        abort(400)
    if purpose is Purpose.PARTICIPATION:
        flash(
            _(
                "Ihre Einwilligung zur Teilnahme ist die Grundlage Ihres Kontos. Sie "
                "widerrufen sie, indem Sie Ihr Konto löschen. Hier sehen Sie, was dabei "
                "geschieht."
            ),
            "info",
        )
        return redirect(url_for("privacy.delete"))
    record = services.withdraw_consent(_me(), purpose, ConsentChannel.ACCOUNT_PAGE)
    commit()
    if record is None:
        flash(_("Sie hatten dieser Einwilligung nicht zugestimmt. Es hat sich nichts geändert."))
    else:
        flash(
            _("Ihre Einwilligung ist widerrufen: Sie bekommen keine Einladungen mehr."),
            "success",
        )
    return redirect(url_for("accounts.account"))


@bp.post("/consents/<purpose>/grant")
@login_required
def grant_consent(purpose: str):
    purpose = _purpose_or_404(purpose)
    form = ConsentButtonForm()
    if not form.validate_on_submit():
        abort(400)
    if purpose not in services.SELF_SERVICE_PURPOSES:
        abort(404)
    locale = consent_texts.normalize_locale(form.locale.data or _me().locale)
    current_version, _text = services.current_consent_wording(purpose, locale)
    if form.version.data is not None and form.version.data != current_version:
        # The wording changed after the page was shown: consent only to what was read.
        flash(
            _("Der Text dieser Einwilligung wurde geändert. Bitte lesen Sie ihn noch einmal."),
            "error",
        )
        return redirect(url_for("accounts.account"))
    record = services.grant_consent(_me(), purpose, ConsentChannel.ACCOUNT_PAGE, locale)
    commit()
    if record is None:
        flash(_("Sie hatten dieser Einwilligung bereits zugestimmt."))
    else:
        flash(_("Danke! Ihre Einwilligung ist gespeichert."), "success")
    return redirect(url_for("accounts.account"))


def _no_store(response):
    # Personal data: no cache, not even the browser's, may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export")
@login_required
def export_json():
    data = services.export_user_data(_me())
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = current_app.response_class(body + "\n", mimetype="application/json")
    if request.args.get("download") == "1":
        response.headers["Content-Disposition"] = f'attachment; filename="{EXPORT_FILENAME}"'
    return _no_store(response)


@bp.get("/export.html")
@login_required
def export_html():
    data = services.export_user_data(_me())
    response = current_app.make_response(
        render_template("privacy/export.html", data=data, **presentation.TEMPLATE_HELPERS)
    )
    return _no_store(response)


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("privacy/delete.html", form=form), status
    user = _me()
    # The failed-password budget is the login's, per account: a borrowed or stolen session
    # cannot be used to guess the password here either.
    if throttle.login_failures_exceeded(user.email):
        form.password.errors.append(
            _("Zu viele falsche Passwörter. Bitte versuchen Sie es später noch einmal.")
        )
        retry = {"Retry-After": str(throttle.retry_after(user.email))}
        return render_template("privacy/delete.html", form=form), 429, retry
    if not check_password_hash(user.password_hash, form.password.data):
        throttle.record_login_failure(user.email)
        form.password.errors.append(_("Das Passwort stimmt nicht."))
        return render_template("privacy/delete.html", form=form), 422

    language = session.get(LOCALE_SESSION_KEY)
    logout_user()
    session.clear()
    services.delete_account(user, keep_contributions=form.contributions.data != DELETE)
    commit()
    if language:
        session[LOCALE_SESSION_KEY] = language
    flash(_("Ihr Konto wurde gelöscht."), "success")
    return redirect(url_for("pages.index"))
