"""Test harness: an app per test on a fresh database (in-memory SQLite, or PostgreSQL when
TEST_DATABASE_URL is set: the schema is built once and every table emptied after each test)."""

from __future__ import annotations

import os

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.pool import StaticPool

from ideenwerkstatt import create_app
from ideenwerkstatt.config import normalize_database_url
from ideenwerkstatt.extensions import db

from .factories import make_user

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

# Variables that would make a test depend on the machine it runs on.
ENVIRONMENT_VARIABLES = (
    "DATABASE_URL",
    "INSTANCE_PATH",
    "SECRET_KEY",
    "BASE_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_SECURITY",
    "MAIL_FROM",
    "REDIS_URL",
    "MAIL_DELIVER_AFTER_COMMIT",
    "WEB_CONCURRENCY",
    "HOST",
    "PORT",
    "CATALOG_CONTRIBUTOR_ID",
    "CATALOG_POLITICAL_GEOCODING_URI",
    "CATALOG_CONTACT_EMAIL",
    "CATALOG_CONTACT_URL",
    "TRUSTED_PROXIES",
)

# scrypt with N=2**10: the same code path as production, a thousandth of the cost.
FAST_PASSWORD_HASH = "scrypt:1024:8:1"


@pytest.fixture(autouse=True, scope="session")
def _clean_environment():
    saved = {name: os.environ.pop(name) for name in ENVIRONMENT_VARIABLES if name in os.environ}
    yield
    os.environ.update(saved)


def build_test_config(tmp_path, **extra) -> dict:
    """The configuration every test app starts from."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": tmp_path / "instance",
        "SECRET_KEY": "test-secret-key-0123456789-0123456789-0123456789",
        "BASE_URL": "http://localhost",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
        "FORM_MIN_FILL_SECONDS": 0,
        "MAIL_DELIVER_AFTER_COMMIT": "off",
    }
    if TEST_DATABASE_URL:
        config["SQLALCHEMY_DATABASE_URI"] = TEST_DATABASE_URL
    else:
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": StaticPool,
            "connect_args": {"check_same_thread": False},
        }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def _postgres_schema(tmp_path_factory):
    """On PostgreSQL: build the schema once per session, drop it at the end."""
    if not TEST_DATABASE_URL:
        yield None
        return
    # Building an app imports every feature, so that the metadata knows all tables even
    # when the first test module imported only one feature's models.
    create_app(build_test_config(tmp_path_factory.mktemp("schema")))
    engine = create_engine(normalize_database_url(TEST_DATABASE_URL))
    with engine.begin() as conn:
        db.metadata.drop_all(conn)
        db.metadata.create_all(conn)
    yield engine
    with engine.begin() as conn:
        db.metadata.drop_all(conn)
    engine.dispose()


def empty_all_tables(engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_config(tmp_path):
    """Override in a test module (or parametrize) to change the app's configuration."""
    return {}


def _forget_request_caches() -> None:
    """Tests keep one app context open (so they can use the database between requests), and
    a request inside it shares its `g`: Flask-Login would hand the next request the user it
    cached in `g._login_user` whatever cookie that request brings, Flask-WTF its CSRF token,
    Flask-Babel its locale. In production every request has a fresh `g`; here every request
    starts without these caches, so session and language tests prove something."""
    for name in ("_login_user", "csrf_token", "_flask_babel"):
        g.pop(name, None)


@pytest.fixture
def app(tmp_path, app_config, _postgres_schema):
    app = create_app(build_test_config(tmp_path, **app_config))
    # First of all hooks: app-wide ones (the live feature's guard) read the user too.
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_request_caches)
    with app.app_context():
        if _postgres_schema is None:
            db.create_all()
        yield app
        db.session.remove()
        if _postgres_schema is not None:
            empty_all_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def file_db_app(tmp_path, app_config, _postgres_schema):
    """An app whose database several threads can use at once (concurrency tests): an SQLite
    file in tmp_path (the in-memory one is a single connection), or PostgreSQL when
    TEST_DATABASE_URL is set. Threads push their own `app.app_context()`."""
    overrides = dict(app_config)
    if not TEST_DATABASE_URL:
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'app.db'}")
        overrides.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    app = create_app(build_test_config(tmp_path, **overrides))
    with app.app_context():
        if _postgres_schema is None:
            db.create_all()
        yield app
        db.session.remove()
        if _postgres_schema is not None:
            empty_all_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign a test client in as a new user of a role, without going through the form."""

    def __init__(self, app, client):
        self._app = app
        self._client = client

    def login_as(self, role="citizen", **user_fields):
        return self.login_user(make_user(role=role, **user_fields))

    def login_user(self, user):
        """Sign the client in as an existing user."""
        from ideenwerkstatt.accounts.services import start_login_session

        token = start_login_session(user)
        db.session.commit()
        with self._client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        self._forget_cached_user()
        return user

    def logout(self):
        with self._client.session_transaction() as session:
            session.clear()
        self._forget_cached_user()

    @staticmethod
    def _forget_cached_user():
        # The test's app context outlives each request, and Flask-Login caches the user of
        # a request on `g`: without this, the next request would still see the old user.
        from flask import g

        g.pop("_login_user", None)


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)


@pytest.fixture
def outbox(app):
    """The mail queued so far, newest last."""
    from sqlalchemy import select

    from ideenwerkstatt.mail.models import OutboxMessage

    def messages(**filters):
        query = select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)
        return list(db.session.scalars(query))

    return messages
