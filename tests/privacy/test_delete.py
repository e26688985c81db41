"""Deleting my account: password, choice, confirmation; personal data erased at once."""

import re

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.accounts.models import AccountToken, LoginSession, TokenPurpose, User
from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.models import OutboxMessage
from ideenwerkstatt.privacy import services
from ideenwerkstatt.privacy.models import ConsentRecord, ConsentText
from tests.factories import DEFAULT_PASSWORD, make_consent, make_outbox_message, make_user


def count(model, **filters):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**filters))


@pytest.fixture
def erasure_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_erasure_steps", {})

    def record_call(user, keep_contributions):
        calls.append((user.id, keep_contributions))

    services.register_erasure_step(record_call)
    services.register_erasure_step(record_call)  # the same step twice runs once
    return calls


def full_account(auth):
    user = auth.login_as(display_name="Wegzug")
    make_consent(user, "participation")
    make_consent(user, "invitations")
    make_outbox_message(user, "event_invitation")
    make_outbox_message(user, "account_confirm", status="sent")
    make_outbox_message(None, "password_reset", recipient=user.email)
    db.session.add(
        AccountToken(
            jti="j" * 43,
            user_id=user.id,
            purpose=TokenPurpose.RESET,
            expires_at=utcnow(),
        )
    )
    db.session.commit()
    return user


def test_delete_page_explains_and_asks(client, auth):
    auth.login_as()
    page = client.get("/account/delete")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Konto löschen</h1>" in html
    assert "anonyme Zahl" in html  # what happens to votes
    assert 'type="password"' in html and 'autocomplete="current-password"' in html
    assert re.search(r'<input[^>]*checked[^>]*value="keep"', html)
    assert not re.search(r'<input[^>]*checked[^>]*value="delete"', html)
    assert not re.search(r'type="checkbox"[^>]*checked', html)
    assert "<fieldset" in html and "<legend>" in html


def test_wrong_password_is_422_and_keeps_the_choice(client, auth, erasure_calls):
    user = auth.login_as()
    response = client.post(
        "/account/delete",
        data={"password": "falsch", "contributions": "delete", "confirm": "y"},
    )
    assert response.status_code == 422
    html = response.text
    assert "Das Passwort stimmt nicht." in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'<input[^>]*checked[^>]*value="delete"', html)
    assert "falsch" not in html  # a password is never echoed
    assert db.session.get(User, user.id) is not None
    assert erasure_calls == []


def test_missing_confirmation_is_422(client, auth):
    user = auth.login_as()
    response = client.post(
        "/account/delete", data={"password": DEFAULT_PASSWORD, "contributions": "keep"}
    )
    assert response.status_code == 422
    assert "Bitte bestätigen Sie" in response.text
    assert db.session.get(User, user.id) is not None


def test_invalid_choice_is_422(client, auth):
    auth.login_as()
    response = client.post(
        "/account/delete",
        data={"password": DEFAULT_PASSWORD, "contributions": "sell", "confirm": "y"},
    )
    assert response.status_code == 422


@pytest.mark.parametrize("choice, keep", [("keep", True), ("delete", False)])
def test_delete_erases_everything_personal_at_once(client, auth, erasure_calls, choice, keep):
    user = full_account(auth)
    user_id, email = user.id, user.email
    other = make_user()
    make_consent(other, "invitations")
    make_outbox_message(other, "event_invitation")
    texts = count(ConsentText)

    response = client.post(
        "/account/delete",
        data={"password": DEFAULT_PASSWORD, "contributions": choice, "confirm": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert erasure_calls == [(user_id, keep)]

    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert count(LoginSession, user_id=user_id) == 0
    assert count(AccountToken, user_id=user_id) == 0
    assert count(ConsentRecord, user_id=user_id) == 0
    assert count(OutboxMessage, user_id=user_id) == 0
    assert count(OutboxMessage, recipient=email) == 0
    # Others keep theirs; the published consent wording stays.
    assert count(ConsentRecord, user_id=other.id) == 1
    assert count(OutboxMessage, user_id=other.id) == 1
    assert count(ConsentText) == texts

    home = client.get("/")
    assert "Ihr Konto wurde gelöscht." in home.text


def test_the_old_session_cookie_is_worthless_after_deletion(client, auth, app):
    auth.login_as()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.post(
        "/account/delete",
        data={"password": DEFAULT_PASSWORD, "contributions": "keep", "confirm": "y"},
    )
    assert client.get("/account/export").status_code == 302  # signed out here
    # Someone who kept a copy of the cookie gets nothing either.
    other_browser = app.test_client()
    other_browser.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    response = other_browser.get("/account/export")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_delete_keeps_the_chosen_language(client, auth):
    auth.login_as()
    client.get("/language/en")
    client.post(
        "/account/delete",
        data={"password": DEFAULT_PASSWORD, "contributions": "keep", "confirm": "y"},
    )
    with client.session_transaction() as session:
        assert session.get("lang") == "en"
        assert "_user_id" not in session


def test_delete_account_service_with_loaded_ledger_rows(app, erasure_calls):
    # The ledger refuses ORM deletes one by one; the account goes with its ledger anyway.
    user = make_user()
    record = make_consent(user, "participation")
    assert record.consent_text.text
    services.delete_account(user, keep_contributions=False)
    db.session.commit()
    assert count(ConsentRecord) == 0
    assert erasure_calls == [(user.id, False)]


def test_delete_needs_a_csrf_token(client, auth, app):
    user = auth.login_as()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(
            "/account/delete",
            data={"password": DEFAULT_PASSWORD, "contributions": "keep", "confirm": "y"},
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert db.session.get(User, user.id) is not None


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN_FAILURES": "2 per 15 minutes"}]
)
def test_guessing_the_password_on_the_delete_page_is_limited(client, auth):
    user = auth.login_as()
    wrong = {"password": "geraten", "contributions": "keep", "confirm": "y"}
    assert client.post("/account/delete", data=wrong).status_code == 422
    assert client.post("/account/delete", data=wrong).status_code == 422
    right = dict(wrong, password=DEFAULT_PASSWORD)
    response = client.post("/account/delete", data=right)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60 + 1
    assert "Zu viele falsche Passwörter" in response.text
    assert db.session.get(User, user.id) is not None
