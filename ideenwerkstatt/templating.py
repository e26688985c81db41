"""What every template can use: role predicates, the locale, safe links; gettext and date
formatting for templates that cost little per call (a list page makes about a hundred)."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import flask_babel
from babel import dates
from flask import Flask, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from .permissions import TEMPLATE_PREDICATES


def _template_gettext(translations):
    """Jinja's "newstyle" gettext (as Flask-Babel installs it) on one catalogue: Flask-Babel's
    own looks the request's catalogue up again at every call (about 10 µs each)."""
    ugettext = translations.ugettext

    @pass_context
    def gettext(__context, __string, **variables):
        rv = ugettext(__string)
        if __context.eval_ctx.autoescape:
            # As in Jinja's own: the catalogue's text is trusted, Markup's % escapes the values.
            rv = Markup(rv)  # noqa: S704
        return rv % variables

    return gettext


def _template_ngettext(translations):
    ungettext = translations.ungettext

    @pass_context
    def ngettext(__context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        rv = ungettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704
        return rv % variables

    return ngettext


@functools.lru_cache(maxsize=4096)
def _format_day(day: dt.date, format: str, locale: str) -> str:
    return dates.format_date(day, format, locale=locale)


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


@pass_context
def format_date(context, date=None, format="medium", rebase=True):
    """The `dateformat` filter: flask_babel.format_date, remembered per day, format and
    language (a list shows twenty dates, most of them on a few days; Babel and pytz take
    about 25 µs for each, this about 5). The app sets no Babel `date_formats`, so "medium"
    & co. are the language's own formats, as with Flask-Babel."""
    if date is None or not format:
        return flask_babel.format_date(date, format, rebase)
    if isinstance(date, dt.datetime):
        if rebase:
            if date.tzinfo is None:
                date = date.replace(tzinfo=dt.UTC)
            date = date.astimezone(_zone(flask_babel.get_timezone().zone))
        date = date.date()
    locale = context.get("current_locale") or str(get_locale())
    return _format_day(date, format, locale)


def html_datetime(value) -> str:
    """The `html_datetime` filter, for `<time datetime>`: whole seconds in UTC, marked `Z`
    (stored datetimes are naive UTC; HTML allows at most three fractional digits, and the
    seconds' fractions say nothing to a reader). A date stays a date; a string (the data
    export's values) is read as ISO 8601 first, and left as it is when it is not."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat() if value is not None else ""


def csrf_field(form):
    """The `csrf_field(form)` global: the form's CSRF hidden input without an `id` (a page
    with several forms would repeat `id="csrf_token"`, invalid HTML); nothing when the form
    has no token (CSRF switched off, as in most tests)."""
    token = getattr(form, "csrf_token", None)
    return token(id=False) if token is not None else ""  # WTForms renders Markup


def register(app: Flask) -> None:
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["dateformat"] = format_date
    app.jinja_env.filters["html_datetime"] = html_datetime
    app.jinja_env.globals["csrf_field"] = csrf_field

    @app.context_processor
    def _globals():
        locale = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        translations = get_translations()
        return {
            # `_()` and `{% trans %}` look `gettext` up in the context: these win over the
            # globals for the template and what it includes or imports with context.
            "gettext": _template_gettext(translations),
            "ngettext": _template_ngettext(translations),
            "current_locale": locale,
            "other_locale": "en" if locale == "de" else "de",
            "operator": {
                "name": app.config["OPERATOR_NAME"],
                "address": app.config["OPERATOR_ADDRESS"],
                "email": app.config["OPERATOR_EMAIL"],
                "phone": app.config["OPERATOR_PHONE"],
                "privacy_email": app.config["PRIVACY_OFFICER_EMAIL"],
                "accessibility_email": app.config["ACCESSIBILITY_CONTACT_EMAIL"],
            },
            "request_path": request.full_path.rstrip("?") if request else "/",
        }
