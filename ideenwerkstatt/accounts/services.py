"""Account rules: password hashing, login sessions (more to come in this module)."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ..database import utcnow
from ..extensions import db
from .models import LoginSession, User


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt N=2**17 by default, OWASP ASVS 5.0)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(user: User) -> str:
    """Open a server-side login session for `user` and return its token (flush only). The
    token goes into the session cookie in place of the user id."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_token_hash(token)))
    db.session.flush()
    user.session_token = token
    return token


def user_for_session_token(token: str) -> User | None:
    """Flask-Login's user loader: the user of a live login session, or None."""
    if not token:
        return None
    login = db.session.scalar(
        select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
    )
    if login is None:
        return None
    max_age = current_app.config["LOGIN_SESSION_MAX_AGE"]
    if (utcnow() - login.last_seen_at).total_seconds() > max_age:
        return None
    user = login.user
    if not user.is_active:
        return None
    user.session_token = token
    return user
