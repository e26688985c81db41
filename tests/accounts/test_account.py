"""The account page, the profile form and the password change."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from ideenwerkstatt.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "Drei-Spatzen-im-Schnee-17"


def test_the_account_page_shows_profile_consents_and_data_links(client, auth):
    auth.login_as(email="ina@example.org", display_name="Ina")
    html = client.get("/account").text
    assert "ina@example.org" in html and 'value="Ina"' in html
    assert 'id="consents-heading"' in html
    for href in ("/account/export", "/account/export.html", "/account/delete", "/account/password"):
        assert f'href="{href}' in html


def test_the_profile_changes_name_and_language(client, auth):
    user = auth.login_as(display_name="Ina")
    response = client.post("/account/profile", data={"display_name": "  Ina B. ", "locale": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.refresh(user)
    assert user.display_name == "Ina B." and user.locale == "en"
    assert '<html lang="en">' in client.get("/account").text
    client.post("/account/profile", data={"display_name": "", "locale": "de"})
    db.session.refresh(user)
    assert user.display_name is None


def test_a_bad_profile_is_answered_with_422(client, auth):
    user = auth.login_as(display_name="Ina")
    response = client.post("/account/profile", data={"display_name": "x" * 61, "locale": "fr"})
    assert response.status_code == 422
    assert 'id="display_name-error"' in response.text and 'id="locale-error"' in response.text
    db.session.refresh(user)
    assert user.display_name == "Ina"


def test_changing_the_password_ends_the_other_sessions(app, client, auth):
    user = auth.login_as(email="ina@example.org")
    other = app.test_client()
    other.post("/account/login", data={"email": "ina@example.org", "password": DEFAULT_PASSWORD})
    assert other.get("/account").status_code == 200

    response = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # this browser continues
    assert other.get("/account").status_code == 302  # every other one is out
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, NEW_PASSWORD)


def test_the_current_password_must_be_right(client, auth):
    user = auth.login_as()
    response = client.post(
        "/account/password",
        data={
            "current_password": "nicht-das-richtige",
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert 'id="current_password-error"' in response.text
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, DEFAULT_PASSWORD)


def test_the_new_password_must_be_strong(client, auth):
    auth.login_as()
    response = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": "passwort123",
            "password_repeat": "passwort123",
        },
    )
    assert response.status_code == 422 and "sehr verbreitet" in response.text


def test_another_users_session_is_untouched_by_my_password_change(app, client, auth):
    make_user(email="bo@example.org")
    bo = app.test_client()
    bo.post("/account/login", data={"email": "bo@example.org", "password": DEFAULT_PASSWORD})
    auth.login_as()
    client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert bo.get("/account").status_code == 200
