"""Password reset by mail: the same answer for everyone, a single-use link, everyone signed out."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ideenwerkstatt.accounts.models import AccountToken, TokenPurpose
from ideenwerkstatt.accounts.tokens import issue_token
from ideenwerkstatt.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

from .conftest import link_in

NEW_PASSWORD = "Drei-Spatzen-im-Schnee-17"


def ask(client, email):
    return client.post("/account/reset", data={"email": email})


def test_the_answer_is_the_same_for_every_address(client, outbox):
    make_user(email="ina@example.org")
    make_user(email="neu@example.org", confirmed=False)
    answers = [ask(client, e) for e in ("ina@example.org", "neu@example.org", "wer@example.org")]
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {
        (302, "/account/reset/sent")
    }
    assert "Wenn es zu dieser Adresse ein Konto gibt" in client.get("/account/reset/sent").text
    [mail] = outbox(template="reset_password")
    assert mail.recipient == "ina@example.org"


def test_an_invalid_address_is_answered_next_to_the_field(client, outbox):
    response = ask(client, "keine adresse")
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'value="keine adresse"' in response.text
    assert outbox() == []


def test_reset_end_to_end_through_the_outbox(app, client, outbox):
    user = make_user(email="ina@example.org")
    elsewhere = app.test_client()
    elsewhere.post(
        "/account/login", data={"email": "ina@example.org", "password": DEFAULT_PASSWORD}
    )
    assert elsewhere.get("/account").status_code == 200

    ask(client, "INA@example.org")
    link = link_in(outbox(template="reset_password")[-1])
    form = client.get(link)
    assert form.status_code == 200 and 'autocomplete="new-password"' in form.text

    response = client.post(link, data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert elsewhere.get("/account").status_code == 302  # signed out everywhere

    login = {"email": "ina@example.org", "password": DEFAULT_PASSWORD}
    assert client.post("/account/login", data=login).status_code == 422
    login["password"] = NEW_PASSWORD
    assert client.post("/account/login", data=login).status_code == 302

    again = client.post(
        link, data={"password": "Noch-ein-Passwort-99", "password_repeat": "Noch-ein-Passwort-99"}
    )
    assert again.status_code == 410 and "bereits verwendet" in again.text


def test_a_weak_new_password_is_refused_and_the_link_stays_usable(client, outbox):
    make_user(email="ina@example.org")
    ask(client, "ina@example.org")
    link = link_in(outbox(template="reset_password")[-1])
    response = client.post(link, data={"password": "passwort123", "password_repeat": "passwort123"})
    assert response.status_code == 422 and "sehr verbreitet" in response.text
    assert client.get(link).status_code == 200


def test_only_the_newest_reset_link_works(client, outbox):
    make_user(email="ina@example.org")
    ask(client, "ina@example.org")
    ask(client, "ina@example.org")
    first, second = (link_in(m) for m in outbox(template="reset_password"))
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_an_unconfirmed_account_gets_its_confirmation_again(client, registration, outbox):
    registration.post(email="neu@example.org", consent_invitations="y")
    ask(client, "neu@example.org")
    assert outbox(template="reset_password") == []
    first, second = outbox(template="confirm_account")
    assert second.recipient == "neu@example.org"
    [token] = db.session.scalars(select(AccountToken))
    assert len(token.data["consents"]) == 2  # the consents chosen at registration
    assert client.post(link_in(second)).status_code == 302


@pytest.mark.parametrize("token", ["garbage", "x" * 80])
def test_a_forged_reset_link_is_a_friendly_404(client, token):
    response = client.get(f"/account/reset/{token}")
    assert response.status_code == 404 and 'href="/account/reset"' in response.text


def test_a_confirmation_link_cannot_reset_a_password(client):
    user = make_user(email="ina@example.org")
    token = issue_token(user, TokenPurpose.CONFIRM)
    db.session.commit()
    response = client.post(
        f"/account/reset/{token}", data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert response.status_code == 404
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, DEFAULT_PASSWORD)
