"""`ideenwerkstatt check` flags unsafe production settings."""

import pytest

from ideenwerkstatt.checks import check_configuration


def codes(app, environ):
    return {f.code: f.level for f in check_configuration(app, environ)}


def test_defaults_warn_about_everything_that_is_not_production(app):
    found = codes(app, {})
    assert found["secret-key-generated"] == "warning"
    assert found["base-url-http"] == "warning"
    assert found["no-smtp"] == "warning"


def test_short_secret_key_is_an_error(app):
    assert codes(app, {"SECRET_KEY": "short"})["secret-key-short"] == "error"


def test_sqlite_with_several_workers_is_an_error(app):
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///x.db"
    assert codes(app, {"WEB_CONCURRENCY": "4"})["sqlite-workers"] == "error"


def test_debug_is_an_error(app):
    app.debug = True
    try:
        assert codes(app, {})["debug"] == "error"
    finally:
        app.debug = False


@pytest.fixture
def production_app(app):
    app.config.update(
        BASE_URL="https://ideen.example.de",
        SESSION_COOKIE_SECURE=True,
        SMTP_HOST="mail.example.de",
        SMTP_SECURITY="starttls",
        MAIL_FROM="Ideenwerkstatt <ideen@example.de>",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db/ideen",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        OPERATOR_EMAIL="info@example.de",
        PRIVACY_OFFICER_EMAIL="datenschutz@example.de",
        ACCESSIBILITY_CONTACT_EMAIL="barrierefrei@example.de",
    )
    return app


def test_a_sound_production_configuration_passes(production_app):
    environ = {"SECRET_KEY": "x" * 48, "WEB_CONCURRENCY": "4"}
    assert check_configuration(production_app, environ) == []


def test_command_exits_with_1_on_errors(production_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    result = production_app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "secret-key-short" in result.output


def test_command_exits_with_0_when_only_warnings(production_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "y" * 48)
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    result = production_app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output
