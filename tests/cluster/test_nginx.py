"""nginx with the deploy site: it balances over both servers, serves the static files itself
for a year, and refuses exactly the bodies the app would refuse (MAX_CONTENT_LENGTH)."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.cluster


def test_nginx_sends_requests_to_both_servers(cluster, servers):
    seen = {
        httpx.get(cluster.url + "/healthz", timeout=30).headers["x-upstream"] for _ in range(12)
    }
    assert seen == {server.address for server in servers}


def test_static_files_come_from_nginx_for_a_year(cluster, servers):
    page = httpx.get(cluster.url + "/", timeout=30)
    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]+)"', page.text).group(1)
    answer = httpx.get(cluster.url + css, timeout=30)
    assert answer.status_code == 200
    assert "x-upstream" not in answer.headers  # no app server was asked
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["content-type"].startswith("text/css")


def test_nginx_takes_bodies_up_to_the_apps_limit_and_refuses_larger_ones(cluster):
    limit = 2 * 1024 * 1024  # MAX_CONTENT_LENGTH
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    at_limit = httpx.post(cluster.url + "/ideas/new", content=b"x" * limit, headers=form)
    assert at_limit.status_code != 413 and at_limit.headers.get("x-upstream")
    beyond = httpx.post(cluster.url + "/ideas/new", content=b"x" * (limit + 1), headers=form)
    assert beyond.status_code == 413
    assert "x-upstream" not in beyond.headers  # refused by nginx, no app server asked
