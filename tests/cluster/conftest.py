"""`make test-cluster`: nginx in front of two app servers on PostgreSQL and Redis (harness.py),
started once for the session. Not part of `make test` (the `cluster` marker is deselected
there): it needs nginx, PostgreSQL and Redis on this machine."""

from __future__ import annotations

import signal

import pytest

from ideenwerkstatt.extensions import db
from tests.factories import make_user

from .harness import Cluster, sign_in

# Small limits, so that the test reaches them in a few requests.
CLUSTER_ENV = {"RATELIMIT_JOIN_WRONG_CODES": "6 per minute"}


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt  # pytest then tears the fixtures down: nothing is left running


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with Cluster(tmp_path_factory.mktemp("cluster"), extra_env=CLUSTER_ENV) as running:
            yield running
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def cluster_app(cluster):
    """An app in this process on the cluster's database and Redis."""
    app = cluster.app()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(cluster_app):
    with cluster_app.app_context():
        yield cluster_app
        db.session.remove()


@pytest.fixture
def servers(cluster):
    """Server A and server B, addressed directly (not through nginx)."""
    a, b = cluster.apps
    return a, b


@pytest.fixture
def person(app):
    """person(role): a new confirmed account of that role, signed in."""

    def make(role: str = "citizen", **fields):
        return sign_in(app, make_user(role=role, **fields))

    return make
