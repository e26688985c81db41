"""CSRF: every account form refuses a POST without the token."""

from __future__ import annotations

import re

import pytest

from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    "path", ["/account/login", "/account/register", "/account/reset", "/account/logout"]
)
def test_a_post_without_token_is_refused(client, path):
    response = client.post(path, data={"email": "ina@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "<h1>" in response.text


def test_a_post_with_the_token_of_the_page_works(client):
    make_user(email="ina@example.org")
    token = csrf_token(client.get("/account/login").text)
    response = client.post(
        "/account/login",
        data={"email": "ina@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    # After login the session is new, and so is the token: the account page carries it.
    page = client.get("/account").text
    response = client.post("/account/logout", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
