"""Views of the public pages."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, session
from flask_babel import get_locale
from sqlalchemy import text

from ..events.services import current_events
from ..extensions import db
from ..i18n import LOCALE_SESSION_KEY
from ..privacy import inventory
from ..summaries.services import latest_published_summaries, published_event_ids
from ..themes.services import active_themes
from ..urls import redirect_next

bp = Blueprint("pages", __name__)

# Pages whose text an operator replaces by a template in INSTANCE_PATH/templates/pages/.
LEGAL_PAGES = {
    "privacy": "privacy",
    "accessibility": "accessibility",
    "imprint": "imprint",
    "easy-language": "easy_language",
}


@bp.get("/")
def index():
    events = current_events()
    return render_template(
        "pages/index.html",
        current_events=events,
        active_themes=active_themes(),
        latest_summaries=latest_published_summaries(),
        result_events=published_event_ids(e.id for e in events),
    )


def _legal_page(name: str):
    locale = str(get_locale())
    return render_template(
        f"pages/{name}.{locale}.html",
        page_name=name,
        inventory=inventory.inventory_rows() if name == "privacy" else None,
    )


@bp.get("/privacy")
def privacy():
    return _legal_page("privacy")


@bp.get("/accessibility")
def accessibility():
    return _legal_page("accessibility")


@bp.get("/imprint")
def imprint():
    return _legal_page("imprint")


@bp.get("/easy-language")
def easy_language():
    return _legal_page("easy_language")


@bp.get("/language/<code>")
def language(code: str):
    """The language switch: a plain link, so it works without JavaScript."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session[LOCALE_SESSION_KEY] = code
    return redirect_next()


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        current_app.logger.exception("health check failed")
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
