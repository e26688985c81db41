"""`ideenwerkstatt check`: warns about an unsafe production configuration (like Django's
`check --deploy`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

MIN_SECRET_KEY_LENGTH = 32


@dataclass(frozen=True)
class Finding:
    level: str  # "error": unsafe, must be fixed; "warning": check that it is intended
    code: str
    message: str


def check_configuration(app: Flask, environ: dict[str, str] | None = None) -> list[Finding]:
    """Every problem of a production set-up that the configuration reveals."""
    environ = os.environ if environ is None else environ
    config = app.config
    findings: list[Finding] = []

    def add(level, code, message):
        findings.append(Finding(level, code, message))

    secret = environ.get("SECRET_KEY", "")
    if not secret:
        add(
            "warning",
            "secret-key-generated",
            "SECRET_KEY is not set: a key generated in the instance folder is used. Several "
            "app servers need one shared SECRET_KEY, or sessions and links break between them.",
        )
    elif len(secret) < MIN_SECRET_KEY_LENGTH:
        add(
            "error",
            "secret-key-short",
            f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters; use e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.",
        )
    if app.debug or config.get("DEBUG") or environ.get("FLASK_DEBUG") in {"1", "true", "True"}:
        add("error", "debug", "Debug mode is on: it shows code and lets visitors run it.")
    base_url = config["BASE_URL"]
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        add(
            "warning",
            "base-url-http",
            f"BASE_URL is {base_url}: without https the session cookie is not Secure and links "
            "in mails are sent in the clear.",
        )
    if parts.hostname in {"127.0.0.1", "localhost", "::1"}:
        add(
            "warning",
            "base-url-local",
            "BASE_URL points at this machine; mail links won't work for others.",
        )
    if not config.get("SMTP_HOST"):
        add(
            "warning",
            "no-smtp",
            "SMTP_HOST is not set: mails are written as .eml files to the instance folder and "
            "reach nobody.",
        )
    elif config.get("SMTP_SECURITY", "none") == "none" and config.get("SMTP_PASSWORD"):
        add(
            "error", "smtp-plaintext-password", "SMTP password sent without TLS: set SMTP_SECURITY."
        )
    if "no-reply@localhost" in config.get("MAIL_FROM", ""):
        add("warning", "mail-from", "MAIL_FROM is the default; set a real sender address.")
    uri = config["SQLALCHEMY_DATABASE_URI"]
    workers = int(environ.get("WEB_CONCURRENCY") or config.get("WEB_CONCURRENCY") or 1)
    if uri.startswith("sqlite"):
        if workers > 1:
            add(
                "error",
                "sqlite-workers",
                f"SQLite with {workers} workers: use PostgreSQL (DATABASE_URL=postgresql://…) "
                "for several app processes.",
            )
        else:
            add(
                "warning",
                "sqlite",
                "SQLite is meant for trying out and small single-process sites.",
            )
    if workers > 1 and config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory"):
        add(
            "warning",
            "ratelimit-memory",
            "Rate limits are counted in memory per process, and a write empties only its own "
            "process's page and count caches; set REDIS_URL so that all workers share them.",
        )
    if not config.get("SESSION_COOKIE_SECURE"):
        add(
            "warning",
            "cookie-not-secure",
            "The session cookie is not Secure (BASE_URL is not https).",
        )
    for key in ("OPERATOR_EMAIL", "PRIVACY_OFFICER_EMAIL", "ACCESSIBILITY_CONTACT_EMAIL"):
        if config.get(key, "").endswith("@example.org"):
            add(
                "warning",
                "operator-details",
                f"{key} is still the example address; the legal pages need yours.",
            )
    return findings


@click.command("check")
@with_appcontext
def check_command():
    """Warn about an unsafe production configuration; exit 1 when an error is found."""
    findings = check_configuration(current_app)
    for finding in findings:
        colour = "red" if finding.level == "error" else "yellow"
        click.secho(f"{finding.level.upper()} [{finding.code}] {finding.message}", fg=colour)
    errors = [f for f in findings if f.level == "error"]
    if not findings:
        click.echo("No problems found.")
    else:
        click.echo(f"{len(errors)} error(s), {len(findings) - len(errors)} warning(s).")
    if errors:
        raise SystemExit(1)
