"""Mailed-link tokens: signed per purpose, expiring, single-use."""

from __future__ import annotations

import datetime as dt

import pytest

from ideenwerkstatt.accounts.models import TokenPurpose
from ideenwerkstatt.accounts.tokens import (
    TokenExpired,
    TokenInvalid,
    TokenUsed,
    discard_tokens,
    issue_token,
    mark_token_used,
    verify_token,
)
from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from tests.factories import make_user


@pytest.fixture
def user(app):
    return make_user(confirmed=False)


def test_a_fresh_token_verifies_to_its_row(user):
    token = issue_token(user, TokenPurpose.CONFIRM, {"consents": [1, 2]})
    row = verify_token(token, TokenPurpose.CONFIRM)
    assert row.user_id == user.id and row.data == {"consents": [1, 2]}
    assert len(row.jti) >= 43
    assert row.expires_at - utcnow() == pytest.approx(
        dt.timedelta(hours=48), abs=dt.timedelta(minutes=1)
    )


def test_a_reset_token_cannot_confirm_and_vice_versa(user):
    reset = issue_token(user, TokenPurpose.RESET)
    confirm = issue_token(user, TokenPurpose.CONFIRM)
    with pytest.raises(TokenInvalid):
        verify_token(reset, TokenPurpose.CONFIRM)
    with pytest.raises(TokenInvalid):
        verify_token(confirm, TokenPurpose.RESET)


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "garbage"]
)
def test_a_forged_or_garbled_token_is_invalid(user, mangle):
    token = issue_token(user, TokenPurpose.CONFIRM)
    with pytest.raises(TokenInvalid):
        verify_token(mangle(token), TokenPurpose.CONFIRM)


def test_a_token_signed_with_another_key_is_invalid(app, user):
    token = issue_token(user, TokenPurpose.CONFIRM)
    app.config["SECRET_KEY"] = "another-secret-key-another-secret-key"
    with pytest.raises(TokenInvalid):
        verify_token(token, TokenPurpose.CONFIRM)


def test_a_used_token_says_so(user):
    token = issue_token(user, TokenPurpose.CONFIRM)
    mark_token_used(verify_token(token, TokenPurpose.CONFIRM))
    with pytest.raises(TokenUsed):
        verify_token(token, TokenPurpose.CONFIRM)


def test_only_one_of_two_racing_uses_gets_through(user):
    token = issue_token(user, TokenPurpose.RESET)
    first = verify_token(token, TokenPurpose.RESET)
    mark_token_used(first)
    with pytest.raises(TokenUsed):
        mark_token_used(first)


def test_the_row_expiry_counts(user):
    token = issue_token(user, TokenPurpose.CONFIRM)
    row = verify_token(token, TokenPurpose.CONFIRM)
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.flush()
    with pytest.raises(TokenExpired):
        verify_token(token, TokenPurpose.CONFIRM)


def test_the_signature_age_counts(app, user):
    token = issue_token(user, TokenPurpose.CONFIRM)
    app.config["TOKEN_MAX_AGE"] = -1
    with pytest.raises(TokenExpired):
        verify_token(token, TokenPurpose.CONFIRM)


def test_an_old_used_token_still_says_used(app, user):
    token = issue_token(user, TokenPurpose.CONFIRM)
    mark_token_used(verify_token(token, TokenPurpose.CONFIRM))
    app.config["TOKEN_MAX_AGE"] = -1
    with pytest.raises(TokenUsed):
        verify_token(token, TokenPurpose.CONFIRM)


def test_discarded_tokens_stop_working(user):
    token = issue_token(user, TokenPurpose.CONFIRM)
    discard_tokens(user, TokenPurpose.CONFIRM)
    with pytest.raises(TokenInvalid):
        verify_token(token, TokenPurpose.CONFIRM)
