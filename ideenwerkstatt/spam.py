"""Spam defence for public forms without CAPTCHAs or third parties: honeypot and fill time.

Use it by mixing `SpamGuardMixin` into a FlaskForm, rendering `spam_fields(form)` from
`templates/macros/spam.html` inside the <form>, and in the view:

    if form.honeypot_filled():
        return redirect(...)          # pretend success, create nothing
    form.prime_fill_time()            # before every render (GET and re-render)
    valid = form.validate() & form.check_fill_time()

A bot that fills every field trips the honeypot; one that posts the moment it has the page
trips the fill time. People notice neither: the honeypot is off-screen and out of the tab
order, and nobody fills a real form in under FORM_MIN_FILL_SECONDS (3 s).
"""

from __future__ import annotations

import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, StringField

FILL_TIME_SALT = "iw.form-fill-time"


def _now() -> float:
    return time.time()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FILL_TIME_SALT)


def issue_fill_token(started_at: float | None = None) -> str:
    """A signed note of when the form was handed out (now, unless `started_at` is given)."""
    started = _now() if started_at is None else started_at
    return _serializer().dumps({"t": int(started)})


def fill_token_started_at(token: str | None) -> float | None:
    """When the form was handed out, or None for a missing, forged or garbled token."""
    if not token:
        return None
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    started = payload.get("t") if isinstance(payload, dict) else None
    return float(started) if isinstance(started, int) else None


def min_fill_seconds() -> float:
    return float(current_app.config.get("FORM_MIN_FILL_SECONDS") or 0)


def filled_too_fast(token: str | None, now: float | None = None) -> bool:
    """True when the form came back sooner than FORM_MIN_FILL_SECONDS after it was handed out,
    or without a valid token. Always False when the minimum is 0 (switched off)."""
    minimum = min_fill_seconds()
    if minimum <= 0:
        return False
    started = fill_token_started_at(token)
    if started is None:
        return True
    now = _now() if now is None else now
    return now - started < minimum


class SpamGuardMixin:
    """Form mixin: a honeypot text field and a signed fill-time field."""

    # Named like something a bot wants to fill; people never see it (see the macro).
    website = StringField(_l("Bitte lassen Sie dieses Feld leer"))
    form_started = HiddenField()

    def honeypot_filled(self) -> bool:
        return bool((self.website.data or "").strip())

    def prime_fill_time(self) -> None:
        """Put a fill-time token into the form before rendering it. A valid token that came
        back with the form is kept, so someone who was merely quick can simply send again."""
        if fill_token_started_at(self.form_started.data) is None:
            self.form_started.data = issue_fill_token()

    def check_fill_time(self) -> bool:
        """False (with a form-level message on `form_started`) when sent too fast."""
        if not filled_too_fast(self.form_started.data):
            return True
        self.form_started.errors = list(self.form_started.errors or []) + [
            _l(
                "Das ging sehr schnell. Bitte prüfen Sie Ihre Angaben und senden Sie das "
                "Formular in ein paar Sekunden noch einmal ab."
            )
        ]
        return False
