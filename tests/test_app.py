"""The app factory, health check, security headers and safe redirects."""

import pytest

from ideenwerkstatt.urls import is_safe_next


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_german_by_default_english_on_request(client):
    assert 'lang="de"' in client.get("/").text
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text


def test_language_switch_is_kept_in_the_session(client):
    response = client.get("/language/en?next=/privacy")
    assert response.status_code == 302 and response.headers["Location"] == "/privacy"
    assert '<html lang="en">' in client.get("/").text


def test_unknown_page_is_a_404_page(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "<h1>" in response.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https://evil.example/",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "java%0Ascript:alert(1)",
        "",
        None,
    ],
)
def test_unsafe_next_targets_are_refused(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/account", "/ideas?page=2&sort=votes", "/a%20b"])
def test_local_next_targets_are_allowed(target):
    assert is_safe_next(target)


def test_language_switch_refuses_an_open_redirect(client):
    response = client.get("/language/de?next=//evil.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
