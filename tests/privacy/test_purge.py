"""Retention (flow 10): what has outlived its purpose goes, in bulk, and only that."""

import datetime as dt

import pytest
from sqlalchemy import select

from ideenwerkstatt.accounts.models import AccountToken, LoginSession, TokenPurpose, User
from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.models import OutboxMessage
from ideenwerkstatt.privacy import services
from ideenwerkstatt.privacy.models import ConsentRecord
from tests.factories import make_consent, make_outbox_message, make_user

NOW = utcnow()
DAY = dt.timedelta(days=1)


def ids(model):
    return set(db.session.scalars(select(model.id)))


@pytest.fixture(autouse=True)
def no_registered_steps(monkeypatch):
    monkeypatch.setattr(services, "_purge_steps", {})


def test_unconfirmed_accounts_go_after_seven_days(app):
    young = make_user(confirmed=False)
    old = make_user(confirmed=False)
    confirmed_old = make_user()
    young.created_at = NOW - 6 * DAY
    old.created_at = NOW - 8 * DAY
    confirmed_old.created_at = NOW - 400 * DAY
    make_consent(old, "participation")
    mail = make_outbox_message(old, "account_confirm")
    db.session.add(
        AccountToken(
            jti="o" * 43, user_id=old.id, purpose=TokenPurpose.CONFIRM, expires_at=NOW + DAY
        )
    )
    db.session.commit()
    old_id, old_email, mail_id = old.id, old.email, mail.id

    counts = services.purge_expired(NOW)
    db.session.commit()
    assert counts["unconfirmed_accounts"] == 1
    assert ids(User) == {young.id, confirmed_old.id}
    assert db.session.scalar(select(ConsentRecord).where(ConsentRecord.user_id == old_id)) is None
    assert db.session.get(OutboxMessage, mail_id) is None
    assert (
        db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == old_email)) is None
    )
    assert ids(AccountToken) == set()


def test_the_boundary_is_exactly_seven_days(app):
    user = make_user(confirmed=False)
    user.created_at = NOW - 7 * DAY
    db.session.commit()
    assert services.purge_expired(NOW)["unconfirmed_accounts"] == 0
    assert services.purge_expired(NOW + dt.timedelta(seconds=1))["unconfirmed_accounts"] == 1


def token(user, jti, expires_at, used_at=None):
    row = AccountToken(
        jti=jti * 43,
        user_id=user.id,
        purpose=TokenPurpose.RESET,
        expires_at=expires_at,
        used_at=used_at,
    )
    db.session.add(row)
    return row


def test_expired_and_used_tokens_go(app):
    user = make_user()
    valid = token(user, "a", NOW + DAY)
    expired = token(user, "b", NOW - dt.timedelta(minutes=1))
    used_long_ago = token(user, "c", NOW + DAY, used_at=NOW - 2 * DAY)
    # Just used: kept a little, so a second click can say "already used".
    just_used = token(user, "d", NOW + DAY, used_at=NOW - dt.timedelta(hours=1))
    db.session.commit()
    assert expired.id and used_long_ago.id

    counts = services.purge_expired(NOW)
    assert counts["account_tokens"] == 2
    assert ids(AccountToken) == {valid.id, just_used.id}
    assert db.session.get(User, user.id) is not None


def test_login_sessions_unused_for_the_max_age_go(app):
    user = make_user()
    max_age = dt.timedelta(seconds=app.config["LOGIN_SESSION_MAX_AGE"])
    fresh = LoginSession(user_id=user.id, token_hash="f" * 64, last_seen_at=NOW - max_age + DAY)
    stale = LoginSession(user_id=user.id, token_hash="s" * 64, last_seen_at=NOW - max_age - DAY)
    db.session.add_all([fresh, stale])
    db.session.commit()
    assert services.purge_expired(NOW)["login_sessions"] == 1
    assert ids(LoginSession) == {fresh.id}


def test_delivered_and_dead_mail_goes_after_the_retention_period(app):
    user = make_user()
    days = app.config["SENT_MAIL_RETENTION_DAYS"]
    old, recent = NOW - (days + 1) * DAY, NOW - (days - 1) * DAY
    sent_old = make_outbox_message(user, "x", status="sent", created_at=old, sent_at=old)
    sent_recent = make_outbox_message(user, "x", status="sent", created_at=old, sent_at=recent)
    failed_old = make_outbox_message(user, "x", status="failed", created_at=old)
    cancelled_old = make_outbox_message(user, "x", status="cancelled", created_at=old)
    queued_old = make_outbox_message(user, "x", status="queued", created_at=old)
    sending_old = make_outbox_message(user, "x", status="sending", created_at=old)
    assert sent_old.id and failed_old.id and cancelled_old.id

    assert services.purge_expired(NOW)["outbox_messages"] == 3
    assert ids(OutboxMessage) == {sent_recent.id, queued_old.id, sending_old.id}


def test_registered_purge_steps_run_and_report(app):
    seen = []
    services.register_purge_step("event_registrations", lambda now: seen.append(now) or 4)
    counts = services.purge_expired(NOW)
    assert counts["event_registrations"] == 4 and seen == [NOW]
    # Features register steps of their own (e.g. "registrations"): these must be among them.
    assert set(counts) >= {
        "unconfirmed_accounts",
        "account_tokens",
        "login_sessions",
        "outbox_messages",
        "event_registrations",
    }


def test_nothing_to_purge_is_all_zeros(app):
    make_user()
    assert set(services.purge_expired().values()) == {0}


def test_purge_command(app, runner):
    stale = make_user(confirmed=False)
    stale.created_at = utcnow() - 8 * DAY
    keep = make_user()
    db.session.commit()
    stale_id, keep_id = stale.id, keep.id
    db.session.remove()

    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "unconfirmed_accounts: 1 deleted" in result.output
    assert "login_sessions: 0 deleted" in result.output
    assert "total: 1 deleted" in result.output
    assert db.session.get(User, stale_id) is None
    assert db.session.get(User, keep_id) is not None


def test_purge_command_is_documented(runner):
    result = runner.invoke(args=["privacy", "--help"])
    assert result.exit_code == 0
    assert "purge" in result.output and "inventory" in result.output
