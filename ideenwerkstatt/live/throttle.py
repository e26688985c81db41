"""Wrong join codes per address: a hall shares one address, so good joins are limited per
code (see views), while guessing codes from one address is slowed down here."""

from __future__ import annotations

import hashlib

import limits
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import limiter

TOO_MANY = _l(
    "Von hier kamen zu viele falsche Codes. Bitte warten Sie ein paar Minuten und versuchen "
    "Sie es dann noch einmal."
)


def _key(address: str) -> str:
    # Hashed: the limiter's storage (Redis) never holds an address in clear. Prefixed like
    # flask-limiter's own keys, for several sites on one Redis.
    prefix = current_app.config.get("REDIS_KEY_PREFIX", "iw")
    return f"{prefix}/join-wrong:" + hashlib.sha256(address.encode()).hexdigest()


def _limit() -> limits.RateLimitItem:
    return limits.parse(current_app.config["RATELIMIT_JOIN_WRONG_CODES"])


def _active() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED")) and limiter.enabled


def wrong_codes_exceeded(address: str) -> bool:
    """True when the address has used up its wrong codes (RATELIMIT_JOIN_WRONG_CODES)."""
    if not _active():
        return False
    try:
        return not limiter.limiter.test(_limit(), _key(address))
    except Exception:  # storage down: fail open, joining matters more on the evening
        current_app.logger.exception("join code counter unavailable")
        return False


def record_wrong_code(address: str) -> None:
    """Count one unknown code from the address."""
    if not _active():
        return
    try:
        limiter.limiter.hit(_limit(), _key(address))
    except Exception:  # storage down: see above
        current_app.logger.exception("join code counter unavailable")
