"""Login, logout and sessions: one generic failure, safe redirects, fresh sessions, dead cookies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from ideenwerkstatt.accounts.models import LoginSession
from ideenwerkstatt.extensions import db
from tests.conftest import FAST_PASSWORD_HASH
from tests.factories import DEFAULT_PASSWORD, make_user

COOKIE = "iw_session"


def login(client, email, password=DEFAULT_PASSWORD, next=None):
    url = "/account/login" + (f"?next={next}" if next else "")
    return client.post(url, data={"email": email, "password": password})


def sessions_of(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )


def test_the_login_page_has_labels_and_autocomplete(client):
    html = client.get("/account/login").text
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'autocomplete="email"' in html and 'autocomplete="current-password"' in html


def test_a_confirmed_user_logs_in(client):
    user = make_user(email="ina@example.org")
    response = login(client, "Ina@EXAMPLE.org")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert sessions_of(user) == 1
    page = client.get("/account")
    assert page.status_code == 200 and "ina@example.org" in page.text


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("citizen", "/account"),
        ("moderator", "/moderation"),
        ("organizer", "/organize"),
        ("admin", "/organize"),
    ],
)
def test_signing_in_lands_where_the_role_works(client, role, landing):
    make_user(email="ina@example.org", role=role)
    response = login(client, "ina@example.org")
    assert response.status_code == 302 and response.headers["Location"] == landing
    assert client.get(landing).status_code == 200
    # Already signed in, the login page sends there too.
    assert client.get("/account/login").headers["Location"] == landing


@pytest.mark.parametrize("role", ["moderator", "organizer"])
def test_a_safe_next_wins_over_the_landing_page_and_an_unsafe_one_does_not(client, role):
    make_user(email="ina@example.org", role=role)
    response = login(client, "ina@example.org", next="/ideas?page=2")
    assert response.headers["Location"] == "/ideas?page=2"
    client.post("/account/logout")
    response = login(client, "ina@example.org", next="//evil.example")
    assert response.headers["Location"] == ("/moderation" if role == "moderator" else "/organize")


def test_wrong_password_unknown_address_and_unconfirmed_account_look_alike(client):
    make_user(email="ina@example.org")
    make_user(email="neu@example.org", confirmed=False)
    answers = [
        login(client, "ina@example.org", "falsches-Passwort-123"),
        login(client, "niemand@example.org"),
        login(client, "neu@example.org"),
        login(client, "keine-adresse"),
    ]
    assert {r.status_code for r in answers} == {422}

    def message(response):
        start = response.text.index('<div class="error-summary"')
        return response.text[start : response.text.index("</div>", start)]

    assert len({message(r) for r in answers}) == 1
    assert "Die Anmeldung hat nicht geklappt" in message(answers[0])
    assert 'value="niemand@example.org"' in answers[1].text
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_empty_fields_get_messages_next_to_them(client):
    response = client.post("/account/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'id="password-error"' in response.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ideas?page=2", "/ideas?page=2"),
        ("//evil.example", "/account"),
        ("https://evil.example/", "/account"),
        ("/%2F%2Fevil.example", "/account"),
        ("javascript:alert(1)", "/account"),
    ],
)
def test_next_is_followed_only_to_local_pages(client, target, expected):
    from urllib.parse import quote

    make_user(email="ina@example.org")
    response = login(client, "ina@example.org", next=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_the_form_keeps_a_safe_next_only(client):
    assert 'action="/account/login?next=/ideas"' in client.get("/account/login?next=/ideas").text
    assert 'action="/account/login"' in client.get("/account/login?next=//evil.example").text


def test_a_visitor_is_sent_to_login_and_back(client):
    for path in ("/account", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/login?next=")
    response = client.post("/account/profile", data={"display_name": "x", "locale": "de"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    make_user(email="ina@example.org")
    response = login(client, "ina@example.org", next="/account/password")
    assert response.headers["Location"] == "/account/password"


def test_a_hash_made_with_an_older_method_is_upgraded_at_login(client):
    user = make_user(email="alt@example.org")
    user.password_hash = generate_password_hash(DEFAULT_PASSWORD, method="pbkdf2:sha256:1000")
    db.session.commit()
    assert login(client, "alt@example.org").status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith(FAST_PASSWORD_HASH + "$")
    client.post("/account/logout")
    assert login(client, "alt@example.org").status_code == 302


def test_login_replaces_the_session_against_fixation(client):
    make_user(email="ina@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["_user_id"] = "a-token-the-attacker-knows"
        session["lang"] = "en"
    before = client.get_cookie(COOKIE).value
    login(client, "ina@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != "a-token-the-attacker-knows"
        assert session["lang"] == "en"  # the language choice is not a secret
    assert client.get_cookie(COOKIE).value != before


def test_logout_makes_a_copied_cookie_worthless(client):
    user = make_user(email="ina@example.org")
    login(client, "ina@example.org")
    stolen = client.get_cookie(COOKIE).value
    assert client.get("/account").status_code == 200

    response = client.post("/account/logout")
    assert response.status_code == 302
    assert sessions_of(user) == 0
    assert client.get("/account").status_code == 302

    client.set_cookie(COOKIE, stolen)
    replay = client.get("/account")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/account/login")


def test_logout_needs_a_post(client, auth):
    auth.login_as()
    assert client.get("/account/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_an_unconfirmed_account_never_counts_as_signed_in(client, auth):
    user = auth.login_as()
    user.confirmed_at = None
    db.session.commit()
    assert client.get("/account").status_code == 302
