"""Language choice: a switch kept in the session, the account's locale, Accept-Language."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LOCALE_SESSION_KEY = "lang"


def supported_locales() -> list[str]:
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """German unless the person asked for English: by the switch, their account, or their
    browser's Accept-Language. Outside a request (CLI, workers, tests of services): the
    default language."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in supported_locales():
        return chosen
    if (
        current_user
        and current_user.is_authenticated
        and current_user.locale in supported_locales()
    ):
        return current_user.locale
    return (
        request.accept_languages.best_match(supported_locales())
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
