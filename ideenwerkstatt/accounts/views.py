"""Account views: register, confirm, log in and out, reset and change the password, profile."""

from __future__ import annotations

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
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..database import commit
from ..extensions import db, limiter
from ..i18n import LOCALE_SESSION_KEY
from ..permissions import landing_endpoint
from ..urls import is_safe_next, redirect_next
from . import services, throttle
from .forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from .models import TokenPurpose
from .tokens import TokenError, TokenExpired, TokenUsed, verify_token

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _ui_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _status() -> int:
    """A form shown again after a POST had mistakes in it (SPEC: 422, no redirect)."""
    return 422 if request.method == "POST" else 200


def _clear_session() -> None:
    # Everything goes (session fixation), except the language the person chose.
    language = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if language:
        session[LOCALE_SESSION_KEY] = language


def _sign_in(user) -> None:
    """A new login session in a fresh session cookie (nothing from before survives)."""
    if current_user.is_authenticated:
        services.end_login_session(current_user.session_token)
    _clear_session()
    services.start_login_session(user)
    login_user(user)


# --- registration ---------------------------------------------------------------------------

# (purpose, checkbox, version field); the purposes are privacy.models.Purpose values.
CONSENT_FIELDS = (
    ("participation", "consent_participation", "participation_version"),
    ("invitations", "consent_invitations", "invitations_version"),
)


def _privacy():
    """The privacy slice's services: the consent ledger behind the registration form and
    the account page."""
    # Imported here: the privacy slice builds on accounts (its ledger is about users), so
    # accounts reach it only when a page needs it (cycle accounts <-> privacy).
    from ..privacy import services

    return services


def _chosen_consent_text_ids(form: RegisterForm, locale: str) -> list[int] | None:
    """The stored consent texts the person agreed to (the versions they were shown); None
    after telling them, next to the checkbox, that a text changed meanwhile."""
    ids = []
    for purpose, box, version_field in CONSENT_FIELDS:
        if not getattr(form, box).data:
            continue
        shown = (getattr(form, version_field).data or "").strip()
        try:
            version = int(shown) if shown else None
            ids.append(_privacy().consent_text_row(purpose, locale, version).id)
        except ValueError:
            getattr(form, box).errors.append(
                _("Der Text dieser Einwilligung wurde geändert. Bitte lesen Sie ihn noch einmal.")
            )
            return None
    return ids


def _render_register(form: RegisterForm, status: int):
    locale = _ui_locale()
    wording = {}
    for purpose, box, version_field in CONSENT_FIELDS:
        version, text = _privacy().current_consent_wording(purpose, locale)
        getattr(form, version_field).data = str(version)
        wording[box] = text
    form.prime_fill_time()
    return render_template("accounts/register.html", form=form, wording=wording), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"], methods=["POST"])
def register():
    form = RegisterForm()
    if request.method != "POST":
        return _render_register(form, 200)
    if form.honeypot_filled():
        # A bot: it gets the same answer as a person and nothing is created.
        return redirect(url_for(".check_inbox"))
    valid = form.validate()
    valid = form.check_fill_time() and valid
    if valid:
        locale = _ui_locale()
        consent_ids = _chosen_consent_text_ids(form, locale)
        if consent_ids is not None:
            services.register(
                form.email.data,
                form.password.data,
                display_name=form.display_name.data,
                locale=locale,
                consent_text_ids=consent_ids,
            )
            commit()
            # The same answer whether the address is new, unconfirmed or confirmed.
            return redirect(url_for(".check_inbox"))
    return _render_register(form, 422)


@bp.get("/register/check-inbox")
def check_inbox():
    return render_template("accounts/check_inbox.html")


# --- mailed links ---------------------------------------------------------------------------


def _link_problem(error: TokenError, purpose: TokenPurpose):
    """A friendly page for a link that cannot be used: used, expired or invalid."""
    db.session.rollback()
    if isinstance(error, TokenUsed):
        kind, status = "used", 410
    elif isinstance(error, TokenExpired):
        kind, status = "expired", 410
    else:
        kind, status = "invalid", 404
    return render_template("accounts/link_problem.html", kind=kind, purpose=purpose.value), status


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button only: mail scanners open links, and must not use them up."""
    try:
        row = verify_token(token, TokenPurpose.CONFIRM)
    except TokenError as error:
        return _link_problem(error, TokenPurpose.CONFIRM)
    if request.method != "POST":
        return render_template("accounts/confirm.html", token=token)
    try:
        user = services.confirm_account(row)
    except TokenUsed as error:
        return _link_problem(error, TokenPurpose.CONFIRM)
    _sign_in(user)
    commit()
    flash(_("Vielen Dank! Ihre E-Mail-Adresse ist bestätigt und Sie sind angemeldet."), "success")
    return redirect(url_for(".account"))


# --- login and logout -----------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        email = form.email.data
        if throttle.login_failures_exceeded(email):
            # Refused without looking at the password: guessing is paused for this account.
            abort(429, retry_after=throttle.retry_after(email))
        user = services.authenticate(email, form.password.data)
        if user is None:
            throttle.record_login_failure(email)
            failed = True
        else:
            _sign_in(user)
            commit()
            flash(_("Sie sind angemeldet."), "success")
            return redirect_next(landing_endpoint(user))
    elif request.method == "GET" and current_user.is_authenticated:
        return redirect_next(landing_endpoint(current_user))
    next_target = request.args.get("next")
    return render_template(
        "accounts/login.html",
        form=form,
        failed=failed,
        next=next_target if is_safe_next(next_target) else None,
    ), _status()


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_login_session(current_user.session_token)
        commit()
    logout_user()
    _clear_session()
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("pages.index"))


# --- password reset and change --------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        commit()
        # The same answer whether or not there is an account.
        return redirect(url_for(".reset_sent"))
    return render_template("accounts/reset_request.html", form=form), _status()


@bp.get("/reset/sent")
def reset_sent():
    return render_template("accounts/reset_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    try:
        row = verify_token(token, TokenPurpose.RESET)
    except TokenError as error:
        return _link_problem(error, TokenPurpose.RESET)
    form = ResetPasswordForm(email=row.user.email)
    if form.validate_on_submit():
        try:
            services.reset_password(row, form.password.data)
        except TokenUsed as error:
            return _link_problem(error, TokenPurpose.RESET)
        commit()
        flash(_("Ihr neues Passwort gilt. Bitte melden Sie sich damit an."), "success")
        return redirect(url_for(".login"))
    return render_template("accounts/reset.html", form=form, token=token), _status()


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    user = current_user._get_current_object()
    form = PasswordChangeForm(email=user.email)
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except services.WrongPassword as error:
            form.current_password.errors.append(str(error))
        else:
            # Every other browser is signed out; this one continues in a new session.
            _sign_in(user)
            commit()
            flash(_("Ihr Passwort wurde geändert. Alle anderen Sitzungen sind beendet."), "success")
            return redirect(url_for(".account"))
    return render_template("accounts/password.html", form=form), _status()


# --- the account page -----------------------------------------------------------------------


def _render_account(form: ProfileForm, status: int = 200):
    user = current_user._get_current_object()
    return render_template(
        "accounts/account.html",
        user=user,
        form=form,
        consents=_privacy().consent_overview(user, _ui_locale()),
    ), status


@bp.get("")
@login_required
def account():
    return _render_account(ProfileForm(obj=current_user._get_current_object()))


@bp.post("/profile")
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm()
    if not form.validate():
        return _render_account(form, 422)
    services.update_profile(user, display_name=form.display_name.data, locale=form.locale.data)
    commit()
    # The language just chosen wins over an earlier switch in this browser.
    session[LOCALE_SESSION_KEY] = user.locale
    with force_locale(user.locale):
        flash(_("Ihre Angaben sind gespeichert."), "success")
    return redirect(url_for(".account"))
