"""The rate limit counts requests to both servers together (Redis), and behind nginx it counts
the visitor nginx saw, not what the visitor claims in X-Forwarded-For."""

from __future__ import annotations

import itertools
import secrets

import httpx
import pytest

from .conftest import CLUSTER_ENV

pytestmark = pytest.mark.cluster

LIMIT = int(CLUSTER_ENV["RATELIMIT_JOIN_WRONG_CODES"].split()[0])


def wrong_code(base: str, headers: dict | None = None) -> int:
    code = "Z" + secrets.token_hex(3).upper()  # never a real join code (no 0/1, hex)
    return httpx.get(f"{base}/j/{code}", headers=headers or {}, timeout=30).status_code


def test_unknown_join_codes_are_counted_across_both_servers_and_nginx(cluster, servers):
    a, b = servers
    # Every request comes from 127.0.0.1: directly to A or B, or through nginx, which
    # forwards that address (and overwrites a forged X-Forwarded-For).
    targets = itertools.cycle(
        [(a.url, None), (b.url, None), (cluster.url, {"X-Forwarded-For": "198.51.100.1"})]
    )
    codes = [wrong_code(*next(targets)) for _ in range(LIMIT + 3)]
    assert codes == [404] * LIMIT + [429] * 3
