"""Rate limits on login, registration and reset: per address and, for logins, per account."""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_LOGIN": "4 per minute",
        "RATELIMIT_LOGIN_FAILURES": "2 per 15 minutes",
        "RATELIMIT_REGISTER": "2 per hour",
        "RATELIMIT_RESET": "2 per hour",
    }


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def login(client, email, password, address="10.0.0.1"):
    return client.post(
        "/account/login", data={"email": email, "password": password}, **from_address(address)
    )


def assert_friendly_429(response):
    assert response.status_code == 429
    assert "Zu viele Anfragen" in response.text
    assert "<h1>" in response.text
    # When to try again: within the longest window configured here (an hour).
    assert 1 <= int(response.headers["Retry-After"]) <= 3600 + 1


def test_logins_per_address(client):
    make_user(email="ina@example.org")
    for _ in range(4):
        assert login(client, "ina@example.org", DEFAULT_PASSWORD).status_code == 302
    assert_friendly_429(login(client, "ina@example.org", DEFAULT_PASSWORD))
    # Another address (another household) is not affected, and GET is never limited.
    assert login(client, "ina@example.org", DEFAULT_PASSWORD, "10.0.0.2").status_code == 302
    assert client.get("/account/login", **from_address("10.0.0.1")).status_code in (200, 302)


def test_the_limits_start_afresh_in_every_test(client):
    make_user(email="ina@example.org")
    assert login(client, "ina@example.org", DEFAULT_PASSWORD).status_code == 302


def test_failed_logins_per_account_from_any_address(client):
    make_user(email="ina@example.org")
    make_user(email="bo@example.org")
    assert login(client, "ina@example.org", "falsch-falsch-1", "10.0.0.1").status_code == 422
    assert login(client, "INA@example.org", "falsch-falsch-2", "10.0.0.2").status_code == 422
    # Now even the right password is not looked at, from yet another address.
    assert_friendly_429(login(client, "ina@example.org", DEFAULT_PASSWORD, "10.0.0.3"))
    # Another account is not affected.
    assert login(client, "bo@example.org", DEFAULT_PASSWORD, "10.0.0.3").status_code == 302


def test_unknown_addresses_are_counted_alike(client):
    for _ in range(2):
        assert login(client, "niemand@example.org", "egal-egal-egal").status_code == 422
    assert_friendly_429(login(client, "niemand@example.org", "egal-egal-egal"))


def test_registrations_per_address(client, registration):
    for n in range(2):
        assert registration.post(email=f"p{n}@example.org").status_code == 302
    assert_friendly_429(registration.post(email="p3@example.org"))


def test_reset_requests_per_address(client):
    for _ in range(2):
        assert client.post("/account/reset", data={"email": "a@example.org"}).status_code == 302
    assert_friendly_429(client.post("/account/reset", data={"email": "a@example.org"}))
