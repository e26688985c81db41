"""X-Forwarded-For and -Proto are believed from the proxies in TRUSTED_PROXIES only."""

from __future__ import annotations

import pytest

from ideenwerkstatt.proxies import TrustedProxyFix, parse_trusted_proxies

NGINX = "10.0.0.2"
VISITOR = "203.0.113.5"


def _seen(environ_overrides: dict, trusted: str) -> dict:
    seen = {}

    def inner(environ, start_response):
        seen.update(addr=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"])
        start_response("200 OK", [])
        return [b""]

    environ = {
        "REMOTE_ADDR": NGINX,
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "app",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        **environ_overrides,
    }
    TrustedProxyFix(inner, parse_trusted_proxies(trusted))(environ, lambda *a: None)
    return seen


def test_a_trusted_proxy_gives_the_visitors_address_and_scheme():
    seen = _seen(
        {"HTTP_X_FORWARDED_FOR": VISITOR, "HTTP_X_FORWARDED_PROTO": "https"}, "10.0.0.0/29"
    )
    assert seen == {"addr": VISITOR, "scheme": "https"}


def test_headers_from_anyone_else_are_ignored():
    seen = _seen(
        {
            "REMOTE_ADDR": "198.51.100.7",
            "HTTP_X_FORWARDED_FOR": VISITOR,
            "HTTP_X_FORWARDED_PROTO": "https",
        },
        "10.0.0.2",
    )
    assert seen == {"addr": "198.51.100.7", "scheme": "http"}


def test_only_the_last_hop_counts():
    # nginx overwrites the header with the address it saw; were a visitor's own value still
    # in front of it, only the proxy's (last) one would be believed.
    seen = _seen({"HTTP_X_FORWARDED_FOR": f"1.2.3.4, {VISITOR}"}, NGINX)
    assert seen["addr"] == VISITOR


def test_an_entry_that_is_no_address_stops_the_start():
    with pytest.raises(ValueError, match="nginx-host"):
        parse_trusted_proxies("127.0.0.1, nginx-host")
    assert [str(n) for n in parse_trusted_proxies(" 127.0.0.1,::1  10.1.0.0/16")] == [
        "127.0.0.1/32",
        "::1/128",
        "10.1.0.0/16",
    ]


@pytest.fixture
def app_config():
    return {
        "TRUSTED_PROXIES": NGINX,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_JOIN_WRONG_CODES": "2 per minute",
    }


def _wrong_code(client, remote: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    response = client.get("/j/ZZZZZ", headers=headers, environ_base={"REMOTE_ADDR": remote})
    return response.status_code


def test_rate_limits_count_the_visitor_behind_nginx_not_nginx(client):
    assert [_wrong_code(client, NGINX, VISITOR) for _ in range(3)] == [404, 404, 429]
    # Another visitor behind the same nginx has a count of their own.
    assert _wrong_code(client, NGINX, "203.0.113.6") == 404


def test_a_direct_caller_cannot_pick_a_fresh_address(client):
    codes = [_wrong_code(client, "198.51.100.7", f"203.0.113.{n}") for n in range(3)]
    assert codes == [404, 404, 429]
