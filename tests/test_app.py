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


def _address_seen(app, headers):
    from flask import request

    from ideenwerkstatt.extensions import db

    seen = []
    app.before_request_funcs.setdefault(None, []).append(lambda: seen.append(request.remote_addr))
    app.test_client().get("/healthz", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    with app.app_context():
        db.engine.dispose()  # no connection left behind for the garbage collector
    return seen[-1]


def test_behind_a_trusted_proxy_the_clients_address_counts(tmp_path):
    from ideenwerkstatt import create_app

    from .conftest import build_test_config

    forwarded = {"X-Forwarded-For": "203.0.113.5, 198.51.100.7"}
    direct = create_app(build_test_config(tmp_path / "direct"))
    assert _address_seen(direct, forwarded) == "10.0.0.9"  # headers not believed
    proxied = create_app(build_test_config(tmp_path / "proxied", TRUSTED_PROXIES="10.0.0.9"))
    # From the trusted proxy: its own entry is the last one; what the client put before it is
    # not trusted (tests/test_proxies.py: requests from anywhere else keep their address).
    assert _address_seen(proxied, forwarded) == "198.51.100.7"
