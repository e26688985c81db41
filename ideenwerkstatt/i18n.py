"""Language choice: a switch kept in the session, the account's locale, Accept-Language."""

from __future__ import annotations

import threading

from babel import support
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from wtforms.i18n import messages_path

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
    return browser_locale()


def browser_locale() -> str:
    """The language the browser's Accept-Language asks for among ours, else the default."""
    return (
        request.accept_languages.best_match(supported_locales())
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


class _WtformsTranslations:
    """WTForms' own messages ("Not a valid integer value.") in the current language, each
    language's catalogue read once per process. Flask-WTF reads the catalogue file again in
    every request that builds a form (0.7 ms); it takes this object instead when it finds it
    on the request (`request.wtforms_translations`). The language is looked up at each call,
    so force_locale() is honoured."""

    def __init__(self):
        self._catalogues: dict[str, support.Translations] = {}
        self._lock = threading.Lock()

    def _catalogue(self):
        locale = get_locale()
        key = str(locale)
        catalogue = self._catalogues.get(key)
        if catalogue is None:
            catalogue = support.Translations.load(messages_path(), [locale], domain="wtforms")
            with self._lock:
                self._catalogues[key] = catalogue
        return catalogue

    def ugettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)


WTFORMS_TRANSLATIONS = _WtformsTranslations()


def register(app: Flask) -> None:
    @app.before_request
    def _wtforms_translations():
        request.wtforms_translations = WTFORMS_TRANSLATIONS
