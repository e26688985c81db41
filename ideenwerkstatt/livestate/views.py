"""Live state over HTTP: `live.json` (conditional GET), the Server-Sent Events stream and
the projector wall (the moderators' live console is moderation/live_views.py).

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
    render_template,
    request,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..database import utcnow
from ..events.models import Event, Phase
from ..events.services import event_by_slug
from ..extensions import db
from ..live.presentation import qr_svg
from ..live.services import wall_key_valid
from ..permissions import Role, can_moderate, require_role
from . import services
from .hub import hub_for

bp = Blueprint("livestate", __name__)


def _wall_key(event_id: int) -> bool:
    """Whether the request carries the event's secret wall link (`?key=`); a key that is
    not (or no longer) the event's is refused with 403."""
    key = request.args.get("key")
    if key is None:
        return False
    if not wall_key_valid(event_id, key):
        abort(403)
    return True


def _viewer(event_id: int) -> services.Viewer:
    """Staff see the counts even while they are hidden, except where they ask for the room's
    view (`?audience=public`: the wall, projected to everyone). The join code: staff and the
    wall opened with its secret link."""
    moderator = can_moderate(current_user)
    staff = moderator and request.args.get("audience") != "public"
    join = _wall_key(event_id) or moderator
    return services.Viewer(staff=staff, locale=str(get_locale()), join=join)


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
    viewer = _viewer(event_id)
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
    `retry:` hint and says what it has seen with Last-Event-ID). A stream opened with the
    wall's secret link checks the link again on every wake-up and ends as soon as it is
    revoked or replaced (revoking bumps the version, so that is at once)."""
    found = services.live_event(slug)
    if found is None:
        abort(404)
    event_id, version_now = found
    viewer = _viewer(event_id)
    key = request.args.get("key")  # valid here: `_viewer` refused an invalid one with 403
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
    # The wall (and staff) get changes within LIVE_MIN_INTERVAL_SECONDS; a participant's
    # phone at most every LIVE_PHONE_MIN_INTERVAL_SECONDS: the phones are the many streams.
    wall_like = viewer.join or viewer.staff or request.args.get("audience") == "public"
    min_interval = float(
        config["LIVE_MIN_INTERVAL_SECONDS"]
        if wall_like
        else config["LIVE_PHONE_MIN_INTERVAL_SECONDS"]
    )
    retry_ms = int(config["LIVE_RETRY_MS"])

    def render(at_least: int):
        """The SSE frame of the state at version `at_least` or newer: from this process's
        cache when another stream rendered it already (no lock, no database), else rendered
        here with a connection borrowed only for this moment (the request's context has
        ended)."""
        if hit := hub.cached_frame(event_id, viewer, at_least):
            return hit
        with app.app_context(), force_locale(viewer.locale):
            try:
                return hub.render_frame(event_id, viewer, at_least)
            finally:
                db.session.remove()

    def key_still_valid() -> bool:
        with app.app_context():
            try:
                return wall_key_valid(event_id, key)
            finally:
                db.session.remove()

    def events():
        sent = seen
        watching = False
        try:
            yield f"retry: {retry_ms}\n\n"
            deadline = time.monotonic() + lifetime
            rendered = render(version_now)
            if rendered is None:
                return
            hub.watch(event_id, rendered[0])
            watching = True
            while True:
                if rendered is not None and rendered[0] > sent:
                    version, frame = rendered
                    yield frame
                    sent = version
                    time.sleep(min_interval)  # changes in the meantime go out together
                left = deadline - time.monotonic()
                if left <= 0 or hub.stopping.is_set():
                    return
                current = hub.wait(event_id, sent, min(heartbeat, left))
                if hub.stopping.is_set() or (key is not None and not key_still_valid()):
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
def wall(slug: str):
    """The projector wall: moderators and organizers signed in, or anyone with the event's
    secret wall link (`?key=`, for the projector's laptop; 403 once revoked)."""
    key = request.args.get("key")
    if key is None:
        return _staff_wall(slug)
    event = event_by_slug(slug, current_user)
    if event is None or event.phase == Phase.DRAFT:
        abort(404)
    if not wall_key_valid(event.id, key):
        abort(403)
    return _wall(event, key)


@require_role(Role.MODERATOR)
def _staff_wall(slug: str):
    return _wall(_staff_event(slug), None)


def _wall(event: Event, key: str | None):
    # The wall shows what the room may see: no counts while they are hidden.
    now = utcnow()
    viewer = services.Viewer.public(str(get_locale()), join=True)
    state = services.live_state(event.id, viewer, now=now)
    ends = services.current_settings(event.id).timer_ends_at
    timer_left = max(0, int((ends - now).total_seconds())) if ends else 0
    evening = state["evening"]
    qr = qr_svg(evening["url"]) if "url" in evening else None
    return render_template(
        "livestate/wall.html",
        event=event,
        state=state,
        timer_left=timer_left,
        qr=qr,
        key=key,
        # The server's clock for the countdown, fresh for this request (the state may be
        # rendered earlier) and to the millisecond, so that wall and phones agree.
        now_ms=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )
