"""The evening: the organizer's live-session page and cards, joining by code (/j/<code>),
the phone page, and the guest's own data. Thin views over live.services."""

from __future__ import annotations

import datetime as dt

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ..accounts import services as accounts
from ..accounts.services import AccountError
from ..database import commit, utcnow, writing
from ..events import services as events
from ..extensions import db, limiter, login_manager
from ..i18n import LOCALE_SESSION_KEY
from ..ideas.queries import similar_ideas
from ..ideas.services import TITLE_MAX, IdeaError, submit_idea
from ..ideas.views import SIMILAR_LIMIT, similar_check_requested, took_an_idea
from ..permissions import can_moderate, can_organize, is_event_participant, participant_event_id
from ..privacy.models import Purpose
from ..privacy.services import consent_text_row, current_consent_wording
from . import presentation, services, throttle
from .cards import cards_document
from .forms import (
    DELETE,
    AccountForm,
    ActionForm,
    CardsForm,
    JoinForm,
    LiveIdeaForm,
    LiveSessionForm,
    ReissueForm,
    WithdrawForm,
)
from .models import JoinMode

bp = Blueprint("live", __name__)


@bp.record_once
def _on_register(state):
    services.register_privacy_hooks()
    state.app.jinja_env.globals["announced_join_url"] = presentation.announced_join_url


# --- what a guest of an evening may reach ---------------------------------------------------

# A guest (role participant) has no account: pages that need one answer 403 for them. The
# services refuse the same actions again (votes, ideas, comments, registrations).
GUEST_BLUEPRINTS = frozenset({"pages", "themes", "api", "live"})
GUEST_ENDPOINTS = frozenset(
    {
        "static",
        "events.index",
        "events.detail",
        "ideas.index",
        "ideas.detail",
        "votes.cast",
        "votes.retract",
        "accounts.logout",
        "accounts.confirm",  # a guest turning into an account follows the mailed link
        "summaries.show",
        "livestate.live_json",  # the phone page follows the evening's state
        "livestate.stream",
    }
)


@bp.before_app_request
def _guests_stay_in_their_evening():
    endpoint = request.endpoint or ""
    if endpoint in GUEST_ENDPOINTS or request.blueprint in GUEST_BLUEPRINTS:
        return None
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return None  # nobody signed in: no need to load anyone (keeps cached pages cached)
    if is_event_participant(current_user):
        abort(403)
    return None


# --- the organizer's page -------------------------------------------------------------------


def _event_for_staff(event_id: int, check=can_organize):
    if not current_user.is_authenticated:
        return None, login_manager.unauthorized()
    if not check(current_user):
        abort(403)
    return events.get_event(event_id) or abort(404), None


@bp.route("/organize/events/<int:event_id>/live", methods=["GET", "POST"])
def organize(event_id: int):
    """The organizer's live session: the switch, the join code and QR code, the count."""
    event, refusal = _event_for_staff(event_id)
    if refusal is not None:
        return refusal
    with writing():
        live = services.ensure_session(current_user, event)
        commit()
    form = LiveSessionForm(obj=live)
    if request.method == "GET":
        form.join_mode.data = str(live.join_mode)
    elif form.validate_on_submit():
        services.update_session(
            current_user,
            event,
            is_open=form.is_open.data,
            joining_open=form.joining_open.data,
            join_mode=JoinMode(form.join_mode.data),
            announce_link=form.announce_link.data,
            publish_at_once=form.publish_at_once.data,
        )
        commit()
        flash(_("Die Einstellungen des Abends sind gespeichert."), "success")
        return redirect(url_for(".organize", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    # A new wall link is shown once, right after it was made (only its hash is stored).
    wall_key = session.pop(_wall_link_key(event.id), None) if request.method == "GET" else None
    return render_template(
        "live/organize.html",
        wall_link=(
            url_for("livestate.wall", slug=event.slug, key=wall_key, _external=True)
            if wall_key
            else None
        ),
        event=event,
        live=live,
        form=form,
        action_form=ActionForm(),
        cards_form=CardsForm(formdata=None),
        reissue_form=ReissueForm(formdata=None),
        join_url=presentation.join_url(live.join_code),
        qr_svg=presentation.qr_svg(presentation.join_url(live.join_code)),
        joined=services.participant_count(event),
        cards=services.cards_of(event),
    ), status


@bp.post("/organize/events/<int:event_id>/live/code")
def regenerate(event_id: int):
    """A new join code; the old one stops working."""
    event, refusal = _event_for_staff(event_id)
    if refusal is not None:
        return refusal
    if ActionForm().validate_on_submit():
        live = services.regenerate_code(current_user, event)
        commit()
        flash(_("Der neue Code lautet %(code)s.", code=live.join_code), "success")
    return redirect(url_for(".organize", event_id=event.id))


def _wall_link_key(event_id: int) -> str:
    return f"wall_link_{event_id}"


@bp.post("/organize/events/<int:event_id>/live/wall-link")
def wall_link(event_id: int):
    """A new secret wall link (the old one stops working), shown once on the next page."""
    event, refusal = _event_for_staff(event_id)
    if refusal is not None:
        return refusal
    if not ActionForm().validate_on_submit():
        abort(400)
    key = services.new_wall_key(current_user, event)
    commit()
    session[_wall_link_key(event.id)] = key
    flash(_("Der neue Link zur Wand ist erstellt; ein alter Link gilt nicht mehr."), "success")
    return redirect(url_for(".organize", event_id=event.id) + "#wall-link-heading")


@bp.post("/organize/events/<int:event_id>/live/wall-link/revoke")
def revoke_wall_link(event_id: int):
    """The wall link stops working."""
    event, refusal = _event_for_staff(event_id)
    if refusal is not None:
        return refusal
    if not ActionForm().validate_on_submit():
        abort(400)
    services.revoke_wall_key(current_user, event)
    commit()
    flash(_("Der Link zur Wand gilt nicht mehr."), "success")
    return redirect(url_for(".organize", event_id=event.id) + "#wall-link-heading")


@bp.get("/organize/events/<int:event_id>/cards.pdf")
def cards_pdf(event_id: int):
    """N personal cards as a PDF (A4, each card with its own QR code and code)."""
    event, refusal = _event_for_staff(event_id)
    if refusal is not None:
        return refusal
    form = CardsForm(request.args)
    if not form.validate():
        abort(400)
    with writing():
        cards = services.ensure_cards(current_user, event, form.n.data)
        commit()
    body = cards_document(event, cards)
    return current_app.response_class(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="karten-{event.slug}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.post("/organize/events/<int:event_id>/live/reissue")
def reissue(event_id: int):
    """Re-issue a card (lost phone): the old phone is signed out, the card joins once more."""
    event, refusal = _event_for_staff(event_id, check=can_moderate)
    if refusal is not None:
        return refusal
    form = ReissueForm()
    card = None
    if form.validate_on_submit():
        card = next((c for c in services.cards_of(event) if c.number == form.number.data), None)
    if card is None:
        flash(_("Diese Karte gibt es für diese Veranstaltung nicht."), "error")
        return redirect(url_for(".organize", event_id=event.id))
    try:
        services.reissue_card(current_user, card)
    except services.LiveError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        commit()
        flash(_("Karte %(number)d kann jetzt noch einmal benutzt werden.", number=card.number))
    return redirect(url_for(".organize", event_id=event.id))


# --- joining --------------------------------------------------------------------------------


def _join_limit() -> str:
    return current_app.config["RATELIMIT_JOIN"]


def _join_key() -> str:
    # Per join code, not per address: a hall of 300 phones shares one address.
    return "join:" + services.normalize_code((request.view_args or {}).get("code"))


def _refused(error: services.LiveError, status: int, event=None):
    return render_template("live/refused.html", message=str(error), event=event), status


def _sign_in(user) -> None:
    """A fresh session cookie holding a new login session of `user` (as at login)."""
    if current_user.is_authenticated:
        accounts.end_login_session(current_user.session_token)
    language = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if language:
        session[LOCALE_SESSION_KEY] = language
    accounts.start_login_session(user)
    login_user(user)


@bp.route("/j/<code>", methods=["GET", "POST"])
@limiter.limit(_join_limit, key_func=_join_key)
def join(code: str):
    """Join an evening by its code or a personal card: a name (optional), the consent, one
    button. Wrong codes are counted per address and throttled."""
    address = request.remote_addr or "-"
    if throttle.wrong_codes_exceeded(address):
        return _refused(services.LiveError(throttle.TOO_MANY), 429)
    target = services.find_target(code)
    if target is None:
        throttle.record_wrong_code(address)
        return _refused(services.UnknownCode(), 404)
    event = target.event
    try:
        services.check_can_join(target, current_user)
    except services.CardUsed as error:
        return _refused(error, 409, event)
    except services.LiveError as error:
        return _refused(error, 403, event)
    already_in = participant_event_id(current_user) == event.id
    if already_in and target.card is None:
        return redirect(url_for(".phone", slug=event.slug))

    form = JoinForm()
    locale = str(get_locale() or "de")
    if form.validate_on_submit():
        try:
            with writing():
                result = services.join(
                    target,
                    current_user._get_current_object(),
                    display_name=form.display_name.data,
                    consent=form.consent.data,
                    locale=locale,
                )
                if result.sign_in:
                    _sign_in(result.user)
                commit()
        except services.CardUsed as error:
            db.session.rollback()
            return _refused(error, 409, event)
        except (services.LiveError, AccountError) as error:
            db.session.rollback()
            field = getattr(error, "field", None) or "display_name"
            getattr(form, field).errors = [*getattr(form, field).errors, str(error)]
        else:
            flash(_("Willkommen! Sie sind jetzt beim Werkstatt-Abend dabei."), "success")
            return redirect(url_for(".phone", slug=event.slug))
    version, text = current_consent_wording(Purpose.EVENT_PARTICIPATION, locale)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "live/join.html",
        event=event,
        form=form,
        code=code,
        card=target.card,
        consent_text=text,
        consent_version=version,
        has_account=current_user.is_authenticated and not is_event_participant(current_user),
    ), status


# --- the phone page -------------------------------------------------------------------------


def _event_for_phone(slug: str):
    event = events.event_by_slug(slug, current_user) or abort(404)
    own = participant_event_id(current_user)
    if is_event_participant(current_user) and own != event.id:
        abort(403)
    return event


def _ideas_limit() -> str:
    return current_app.config["RATELIMIT_IDEAS"]


def _person_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr or '-'}"


@bp.get("/events/<slug>/live")
def phone(slug: str):
    """The phone page: phase, dots left, the idea form, the ideas with their buttons, mine."""
    event = _event_for_phone(slug)
    form = LiveIdeaForm(formdata=None)
    return _render_phone(event, form)


def _render_phone(event, form, status: int = 200, **hints):
    form.theme.choices = presentation.theme_choices(event)
    state = presentation.phone_state(current_user, event)
    ends = state["timer_ends_at"]
    return render_template(
        "live/phone.html",
        event=event,
        form=form,
        **hints,
        # The server's clock for the countdown, to the millisecond (see live_timer.js).
        now_iso=utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        timer_ends_iso=_iso(ends) if ends else None,
        **state,
    ), status


def _iso(value) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _similar_counts(event) -> str | None:
    """How the hints show an idea's support: as the phone shows it (points for dot voting,
    nothing while the moderators hide the numbers)."""
    state = presentation.phone_state(current_user, event)
    if state["numbers_hidden"]:
        return None
    return "points" if state["budget"] is not None else "votes"


@bp.post("/events/<slug>/live/similar")
@limiter.limit(SIMILAR_LIMIT, key_func=_person_key)
def similar(slug: str):
    """Up to five published ideas of this evening similar to the title being typed on the
    phone (static/js/similar_ideas.js posts it). An HTML fragment."""
    event = _event_for_phone(slug)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    title = (request.form.get("title") or "")[:TITLE_MAX]
    response = current_app.make_response(
        render_template(
            "ideas/similar.html",
            similar=similar_ideas(title, event=event),
            counts=_similar_counts(event),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/events/<slug>/live/ideas")
@limiter.limit(_ideas_limit, key_func=_person_key, deduct_when=took_an_idea)
def submit(slug: str):
    """The phone's idea form: pending until a moderator approves it, as every idea. Sent by
    its check button: the form again with the evening's similar ideas, nothing created."""
    event = _event_for_phone(slug)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    form = LiveIdeaForm()
    form.theme.choices = presentation.theme_choices(event)
    if similar_check_requested():
        return _render_phone(
            event,
            form,
            similar=similar_ideas(form.title.data, event=event),
            checked=True,
            similar_counts=_similar_counts(event),
        )
    if form.validate_on_submit():
        theme = presentation.theme_by_id(form.theme.data)
        at_once = services.publishes_at_once(event)
        try:
            submit_idea(
                current_user._get_current_object(),
                theme,
                form.title.data,
                form.body.data,
                event=event,
                body_optional=True,
                publish=at_once,
            )
        except IdeaError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None) or form.title
            field.errors = [*field.errors, error.message]
        else:
            commit()
            if at_once:
                flash(_("Danke! Ihre Idee ist jetzt für alle sichtbar."))
            else:
                flash(_("Danke! Ihre Idee ist bei der Moderation und erscheint nach der Freigabe."))
            return redirect(url_for(".phone", slug=event.slug) + "#my-ideas")
    return _render_phone(event, form, 422)


# --- the guest's own data -------------------------------------------------------------------


@bp.route("/events/<slug>/live/me", methods=["GET", "POST"])
def my_data(slug: str):
    """What is stored about me for this evening; withdraw (delete my participation)."""
    event = _event_for_phone(slug)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    me = current_user._get_current_object()
    participation = services.participation_of(me, event)
    if participation is None:
        abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        guest = is_event_participant(me)
        services.withdraw(me, event, keep_ideas=form.ideas.data != DELETE)
        if guest:
            session.clear()
        commit()
        flash(_("Ihre Teilnahme ist gelöscht."), "success")
        return redirect(url_for("events.detail", slug=event.slug))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "live/me.html",
        event=event,
        form=form,
        stored=presentation.stored_about(me, event),
        guest=is_event_participant(me),
    ), status


@bp.route("/events/<slug>/live/account", methods=["GET", "POST"])
def account(slug: str):
    """A guest keeps their participation as a full account (double opt-in): ideas and votes
    stay on the same row, nothing is counted twice."""
    event = _event_for_phone(slug)
    if not is_event_participant(current_user):
        abort(404)
    form = AccountForm()
    locale = str(get_locale() or "de")
    if form.validate_on_submit():
        try:
            text = consent_text_row(Purpose.PARTICIPATION, locale)
            accounts.request_account_for_guest(
                current_user._get_current_object(),
                form.email.data,
                form.password.data,
                locale=locale,
                consent_text_ids=[text.id],
            )
        except accounts.InvalidEmail as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error)]
        except accounts.WeakPassword as error:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(error)]
        else:
            commit()
            flash(
                _(
                    "Fast geschafft: Bitte bestätigen Sie Ihre E-Mail-Adresse über den Link in "
                    "der E-Mail, die wir Ihnen gerade geschickt haben."
                ),
                "success",
            )
            return redirect(url_for(".phone", slug=event.slug))
    _version, text = current_consent_wording(Purpose.PARTICIPATION, locale)
    status = 422 if form.is_submitted() else 200
    return render_template("live/account.html", event=event, form=form, consent_text=text), status
