"""Failed logins per account: a limit beside flask-limiter's per-address ones, so that
guessing one person's password from many addresses is as slow as from one."""

from __future__ import annotations

import hashlib
import math
import time

import limits
from flask import current_app

from ..extensions import limiter
from .services import InvalidEmail, normalize_email


def _key(email: str) -> str:
    try:
        address = normalize_email(email)
    except InvalidEmail:
        address = (email or "").strip()
    # Hashed: the limiter's storage (Redis) never holds an address in clear. Prefixed like
    # flask-limiter's own keys, for several sites on one Redis.
    prefix = current_app.config.get("REDIS_KEY_PREFIX", "iw")
    return f"{prefix}/login-fail:" + hashlib.sha256(address.casefold().encode()).hexdigest()


def _limit() -> limits.RateLimitItem:
    return limits.parse(current_app.config["RATELIMIT_LOGIN_FAILURES"])


def _active() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED")) and limiter.enabled


def login_failures_exceeded(email: str) -> bool:
    """True when the address has used up its failed logins (RATELIMIT_LOGIN_FAILURES):
    the caller then refuses without even checking the password."""
    if not _active():
        return False
    try:
        return not limiter.limiter.test(_limit(), _key(email))
    except Exception:  # storage down: fail open, the per-address limit still stands
        current_app.logger.exception("login failure counter unavailable")
        return False


def record_login_failure(email: str) -> None:
    """Count one failed login for the address (known or not: the count must not tell)."""
    if not _active():
        return
    try:
        limiter.limiter.hit(_limit(), _key(email))
    except Exception:  # storage down: see above
        current_app.logger.exception("login failure counter unavailable")


def retry_after(email: str) -> int:
    """Seconds until the address may try again (for Retry-After); the window's length
    when the counter cannot say."""
    limit = _limit()
    try:
        stats = limiter.limiter.get_window_stats(limit, _key(email))
    except Exception:  # storage down: see above
        return limit.get_expiry()
    return max(1, math.ceil(stats.reset_time - time.time()))
