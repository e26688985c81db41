"""Bench helpers that run inside the app (schema, targets, logged-in sessions); one JSON line out.

Run by benchmarks/run.py in a subprocess with DATABASE_URL, INSTANCE_PATH and SECRET_KEY set,
so every database gets a fresh interpreter and the load runs never share state with it.
"""

from __future__ import annotations

import json
import re
import sys

from sqlalchemy import func, select, text

from ideenwerkstatt import create_app
from ideenwerkstatt.extensions import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BULK_PASSWORD = "Bulk-Demo-Passwort-2026"  # demo_bulk.seed_bulk_data's shared password


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(html)
    if match is None:
        raise ValueError("no csrf_token field on the page")
    return match.group(1)


def schema() -> dict:
    """The tables from the models (`create_all`: faster than the migrations, and the same
    schema, which tests/test_migrations.py keeps so)."""
    db.create_all()
    return {"ok": True}


def analyze() -> dict:
    """Planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would keep them."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return {"ok": True}


def targets() -> dict:
    """What the URLs point at: a theme, a popular idea, ideas without an event to vote on."""
    from ideenwerkstatt.ideas.models import Idea, IdeaStatus
    from ideenwerkstatt.themes.models import Theme

    published = Idea.status == IdeaStatus.PUBLISHED
    theme_slug = db.session.scalar(select(Theme.slug).order_by(Theme.id).limit(1))
    total = db.session.scalar(select(func.count(Idea.id)).where(published))
    idea_id = db.session.scalar(
        select(Idea.id).where(published).order_by(Idea.vote_count.desc()).limit(1)
    )
    votable = list(
        db.session.scalars(
            select(Idea.id)
            .where(published, Idea.event_id.is_(None))
            .order_by(Idea.id.desc())
            .limit(400)
        )
    )
    return {
        "theme": theme_slug,
        "ideas": total,
        "idea_id": idea_id,
        "votable": votable,
    }


def sessions(app, count: int) -> dict:
    """Log `count` bulk citizens in through the real login form (CSRF on) and return their
    session cookies and a CSRF token each, for the vote POSTs of the load run. Called outside
    an app context: each test request then gets its own, with a fresh `g`, as in production."""
    out = []
    for n in range(count):
        client = app.test_client()
        page = client.get("/account/login").get_data(as_text=True)
        response = client.post(
            "/account/login",
            data={
                "csrf_token": csrf_token(page),
                "email": f"person{n}@bulk.example.org",
                "password": BULK_PASSWORD,
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of person{n} failed: {response.status_code}")
        # Signing in starts a new session; the page after it holds the CSRF token bound to it.
        idea_page = client.get("/ideas").get_data(as_text=True)
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        out.append({"cookie": f"{cookie.key}={cookie.value}", "csrf": csrf_token(idea_page)})
    return {"sessions": out}


def main(argv: list[str]) -> None:
    app = create_app()
    command = argv[0]
    if command == "sessions":
        print(json.dumps(sessions(app, int(argv[1]))))
        return
    with app.app_context():
        if command == "schema":
            result = schema()
        elif command == "analyze":
            result = analyze()
        elif command == "targets":
            result = targets()
        else:
            raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
