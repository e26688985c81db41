"""Live state over HTTP: `live.json` (conditional GET), the Server-Sent Events stream, the
projector wall and the moderators' wall controls.

Serving model (see `ideenwerkstatt serve`): gunicorn's `gthread` workers. A stream is one
thread sleeping on its process's hub (hub.py) and holds no database connection; each process
admits at most LIVE_MAX_STREAMS streams (the threads it has minus a reserve kept for pages and
votes) and answers 503 with Retry-After beyond that, so the page falls back to polling
`live.json` instead of queueing behind streams.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from ..database import commit, utcnow
from ..events.models import Event, Phase
from ..events.services import event_by_slug
from ..extensions import db
from ..permissions import Role, can_moderate, require_role
from . import services
from .hub import hub_for
from .models import WallMode

bp = Blueprint("livestate", __name__)


def _viewer() -> services.Viewer:
    """Staff see the counts even while they are hidden, except where they ask for the room's
    view (`?audience=public`: the wall, projected to everyone)."""
    staff = can_moderate(current_user) and request.args.get("audience") != "public"
    return services.Viewer(staff=staff, locale=str(get_locale()))


def _live_headers(response: Response, etag: str | None = None) -> Response:
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    if etag:
        response.set_etag(etag)
    return response


@bp.get("/events/<slug>/live.json")
def live_json(slug: str):
    """The live state; 304 without rendering when the client's ETag is current."""
    found = services.live_event(slug)
    if found is None:
        abort(404)
    event_id, version = found
    viewer = _viewer()
    etag = services.etag_for(event_id, version, viewer)
    if etag in request.if_none_match:
        return _live_headers(Response(status=304), etag)
    # The render takes the hub's lock and then a connection: give this request's connection
    # back first. Holding it while waiting for the lock deadlocks under load (every pooled
    # connection held by a live.json waiting for the lock, the lock's holder waiting for a
    # connection) until the pool's timeout; seen with 1,000 phones (benchmarks/RESULTS.md).
    db.session.rollback()  # a read: nothing to keep; the objects stay attached
    rendered = hub_for(current_app._get_current_object()).render_cached(event_id, viewer, version)
    if rendered is None:
        abort(404)
    version, body = rendered
    response = Response(body, mimetype="application/json")
    return _live_headers(response, services.etag_for(event_id, version, viewer))


def _last_event_id() -> int:
    """The version the client has (Last-Event-ID on reconnects, `?v=` from the page that was
    drawn with it); -1 when it has none, so the current state is sent first."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("v") or ""
    try:
        return max(-1, int(raw))
    except ValueError:
        return -1


@bp.get("/events/<slug>/live/stream")
def stream(slug: str):
    """Server-Sent Events: `event: state` with the live state (its `id:` is the version)
    whenever the version passes the client's Last-Event-ID; a comment as heartbeat every
    LIVE_HEARTBEAT_SECONDS; ends after LIVE_STREAM_SECONDS (the browser reconnects after the
    `retry:` hint and says what it has seen with Last-Event-ID)."""
    found = services.live_event(slug)
    if found is None:
        abort(404)
    event_id, _version = found
    viewer = _viewer()
    seen = _last_event_id()
    app = current_app._get_current_object()
    config = app.config
    hub = hub_for(app)
    db.session.remove()  # give the connection back before the long wait
    if not hub.try_open_stream(int(config["LIVE_MAX_STREAMS"])):
        response = Response(_("Zu viele Verbindungen, bitte später erneut."), status=503)
        response.headers["Retry-After"] = "5"
        return _live_headers(response)

    lifetime = float(config["LIVE_STREAM_SECONDS"])
    heartbeat = float(config["LIVE_HEARTBEAT_SECONDS"])
    min_interval = float(config["LIVE_MIN_INTERVAL_SECONDS"])
    retry_ms = int(config["LIVE_RETRY_MS"])

    def render(at_least: int | None = None):
        """The state at version `at_least` or newer: from this process's cache when another
        stream rendered it already, else rendered here with a connection borrowed only for
        this moment (the request's context has ended)."""
        if at_least is not None and (hit := hub.cached(event_id, viewer, at_least)):
            return hit
        with app.app_context(), force_locale(viewer.locale):
            try:
                return hub.render_cached(event_id, viewer, at_least)
            finally:
                db.session.remove()

    def events():
        sent = seen
        watching = False
        try:
            yield f"retry: {retry_ms}\n\n"
            deadline = time.monotonic() + lifetime
            rendered = render()
            if rendered is None:
                return
            hub.watch(event_id, rendered[0])
            watching = True
            while True:
                if rendered is not None and rendered[0] > sent:
                    version, body = rendered
                    yield f"id: {version}\nevent: state\ndata: {body.decode()}\n\n"
                    sent = version
                    time.sleep(min_interval)  # changes in the meantime go out together
                left = deadline - time.monotonic()
                if left <= 0 or hub.stopping.is_set():
                    return
                current = hub.wait(event_id, sent, min(heartbeat, left))
                if hub.stopping.is_set():
                    return
                if current > sent:
                    rendered = render(current)
                    if rendered is None:
                        return
                else:
                    rendered = None
                    yield ": \n\n"
        finally:
            if watching:
                hub.unwatch(event_id)

    response = Response(events(), mimetype="text/event-stream")
    # The slot is given back when the server closes the response, even one never iterated
    # (a HEAD request, a client gone before the first byte).
    response.call_on_close(hub.close_stream)
    response.headers["X-Accel-Buffering"] = "no"  # a proxy in front must not buffer it
    return _live_headers(response)


# --- the wall ---------------------------------------------------------------------------


def _staff_event(slug: str) -> Event:
    event = event_by_slug(slug, current_user)
    if event is None or event.phase == Phase.DRAFT:
        abort(404)
    return event


@bp.get("/events/<slug>/wall")
@require_role(Role.MODERATOR)
def wall(slug: str):
    """The projector wall: moderators and organizers signed in (the secret wall link comes
    with the live session)."""
    event = _staff_event(slug)
    # The wall shows what the room may see: no counts while they are hidden.
    now = utcnow()
    state = services.live_state(event.id, services.Viewer.public(str(get_locale())), now=now)
    ends = services.current_settings(event.id).timer_ends_at
    timer_left = max(0, int((ends - now).total_seconds())) if ends else 0
    return render_template("livestate/wall.html", event=event, state=state, timer_left=timer_left)


# --- the moderators' controls -----------------------------------------------------------


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
                max=services.TIMER_MAX_MINUTES,
                message=_l("Bitte 1 bis %(max)d Minuten angeben."),
            ),
        ],
    )


class StopForm(FlaskForm):
    pass


def _console(event: Event, status: int = 200, **forms):
    settings = services.current_settings(event.id)
    forms.setdefault("mode_form", ModeForm(formdata=None, mode=settings.wall_mode.value))
    forms.setdefault("numbers_form", NumbersForm(formdata=None))
    forms.setdefault("timer_form", TimerForm(formdata=None, minutes=5))
    forms.setdefault("stop_form", StopForm(formdata=None))
    return (
        render_template("livestate/console.html", event=event, settings=settings, **forms),
        status,
    )


@bp.get("/moderation/events/<slug>/live")
@require_role(Role.MODERATOR)
def console(slug: str):
    """The wall's controls (the full live console joins them later)."""
    return _console(_staff_event(slug))


def _done(event: Event, message: str):
    commit()
    flash(message, "success")
    return redirect(url_for("livestate.console", slug=event.slug))


@bp.post("/moderation/events/<slug>/live/mode")
@require_role(Role.MODERATOR)
def set_mode(slug: str):
    event = _staff_event(slug)
    form = ModeForm()
    if not form.validate():
        return _console(event, 422, mode_form=form)
    services.set_wall_mode(current_user, event, form.mode.data)
    return _done(event, _("Die Ansicht der Wand wurde geändert."))


@bp.post("/moderation/events/<slug>/live/numbers")
@require_role(Role.MODERATOR)
def set_numbers(slug: str):
    event = _staff_event(slug)
    form = NumbersForm()
    if not form.validate() or form.hidden.data not in ("1", "0"):
        abort(400)
    hidden = form.hidden.data == "1"
    services.set_numbers_hidden(current_user, event, hidden)
    return _done(
        event,
        _("Die Zahlen sind jetzt verborgen.") if hidden else _("Die Zahlen sind jetzt sichtbar."),
    )


@bp.post("/moderation/events/<slug>/live/timer/<action>")
@require_role(Role.MODERATOR)
def timer(slug: str, action: str):
    event = _staff_event(slug)
    if action == "stop":
        if not StopForm().validate():
            abort(400)
        services.stop_timer(current_user, event)
        return _done(event, _("Der Timer wurde angehalten."))
    if action not in ("start", "extend"):
        abort(404)
    form = TimerForm()
    if not form.validate():
        return _console(event, 422, timer_form=form)
    change = services.start_timer if action == "start" else services.extend_timer
    try:
        change(current_user, event, form.minutes.data)
    except services.LiveStateError as error:
        form.minutes.errors = [error.message]
        return _console(event, 422, timer_form=form)
    return _done(event, _("Der Timer läuft."))
