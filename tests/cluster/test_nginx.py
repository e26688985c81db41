"""nginx with the deploy site: it balances over both servers, serves the static files itself
for a year, and refuses exactly the bodies the app would refuse (MAX_CONTENT_LENGTH)."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .harness import SITE, nginx_binary, nginx_conf

pytestmark = pytest.mark.cluster


def test_nginx_sends_requests_to_both_servers(cluster, servers):
    # Several at once: least_conn sends each to the server with fewer open requests, so
    # requests one after the other could all go to a server that another test's stream
    # leaves with fewer connections.
    def upstream(_n):
        return httpx.get(cluster.url + "/healthz", timeout=30).headers["x-upstream"]

    with ThreadPoolExecutor(6) as pool:
        seen = set(pool.map(upstream, range(24)))
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


def test_the_deploy_site_as_shipped_passes_nginx_t(tmp_path):
    """The whole file (TLS, the redirect, every directive), only its certificate placeholders
    swapped for a throwaway self-signed one, passes `nginx -t`."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=beteiligung.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    site = SITE.read_text()
    site = site.replace("/etc/ssl/ideenwerkstatt/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/ideenwerkstatt/privkey.pem", str(key))
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path, site))
    done = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "e")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
