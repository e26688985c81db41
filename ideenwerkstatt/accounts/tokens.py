"""Mailed links: signed, expiring and single-use tokens for confirmation and password reset.

The link carries an itsdangerous signature (a salt per purpose, so a reset link can never
confirm an account) over {"jti", "uid"}; the AccountToken row with that jti makes it
single-use (`used_at`) and lets the retention purge remove it once expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..database import utcnow
from ..extensions import db
from .models import AccountToken, TokenPurpose, User

SALTS = {TokenPurpose.CONFIRM: "iw.confirm", TokenPurpose.RESET: "iw.reset"}


class TokenError(Exception):
    """The link cannot be used."""


class TokenInvalid(TokenError):
    """Forged, garbled, meant for another purpose, or replaced by a newer link."""


class TokenExpired(TokenError):
    """Older than TOKEN_MAX_AGE."""


class TokenUsed(TokenError):
    """Already used once."""


def _serializer(purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"],
        salt=SALTS[purpose],
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def issue_token(user: User, purpose: TokenPurpose, data: dict | None = None) -> str:
    """Create the AccountToken row (flush only) and return the signed string for the link.
    `data` is what following the link will put into effect (e.g. the consents chosen)."""
    max_age = current_app.config["TOKEN_MAX_AGE"]
    row = AccountToken(
        jti=secrets.token_urlsafe(32),
        user_id=user.id,
        purpose=purpose,
        data=dict(data or {}),
        expires_at=utcnow() + dt.timedelta(seconds=max_age),
    )
    db.session.add(row)
    db.session.flush()
    return _serializer(purpose).dumps({"jti": row.jti, "uid": user.id})


def _row_for(payload, purpose: TokenPurpose) -> AccountToken:
    if not isinstance(payload, dict):
        raise TokenInvalid()
    jti, uid = payload.get("jti"), payload.get("uid")
    if not isinstance(jti, str) or not isinstance(uid, int):
        raise TokenInvalid()
    row = db.session.scalar(select(AccountToken).where(AccountToken.jti == jti))
    if row is None or row.user_id != uid or row.purpose != purpose:
        raise TokenInvalid()
    return row


def verify_token(token: str, purpose: TokenPurpose) -> AccountToken:
    """The AccountToken behind a link, if it may still be used (nothing is changed).

    Raises TokenInvalid (bad signature, other purpose, unknown or replaced), TokenUsed
    (checked before expiry, so a second click always says "already used") or TokenExpired."""
    serializer = _serializer(purpose)
    max_age = current_app.config["TOKEN_MAX_AGE"]
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        # The signature is genuine, only old: still tell a used link from an expired one.
        try:
            row = _row_for(serializer.loads(token), purpose)
        except (BadSignature, TokenInvalid):
            raise TokenExpired() from None
        if row.used_at is not None:
            raise TokenUsed() from None
        raise TokenExpired() from None
    except BadSignature:
        raise TokenInvalid() from None
    row = _row_for(payload, purpose)
    if row.used_at is not None:
        raise TokenUsed()
    if row.expires_at <= utcnow():
        raise TokenExpired()
    return row


def mark_token_used(row: AccountToken) -> None:
    """Use the token up, atomically: of two requests racing with the same link, exactly one
    gets through; the other gets TokenUsed (flush only)."""
    now = utcnow()
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise TokenUsed()
    set_committed_value(row, "used_at", now)


def discard_tokens(user: User, purpose: TokenPurpose) -> None:
    """Delete the user's unused tokens of a purpose, so that only the newest link works."""
    db.session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
    )
