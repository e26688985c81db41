"""A bounded number of SQL statements per list page, whatever its size."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import g
from sqlalchemy import event

from ideenwerkstatt.extensions import db

from ..factories import make_event, make_idea, make_theme, make_user


@contextmanager
def count_statements():
    statements: list[str] = []

    def before_cursor_execute(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def seed(n: int) -> None:
    """n ideas, each with its own author, theme and event: lazy loading would show."""
    for i in range(n):
        theme = make_theme(commit=False)
        event_ = make_event(phase="voting", themes=[theme], commit=False)
        make_idea(
            author=make_user(display_name=f"Person {i}", commit=False),
            theme=theme,
            event=event_,
            commit=False,
        )
    db.session.commit()
    db.session.expire_all()


def statements_for(client, url: str) -> int:
    # As in production, each request loads its user afresh (tests share one app context,
    # where Flask-Login would otherwise keep the user of an earlier request on `g`).
    g.pop("_login_user", None)
    with count_statements() as statements:
        response = client.get(url)
        assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "url", ["/ideas", "/ideas?sort=votes&q=Idee", "/ideas?theme=&event=&sort=newest&page=1"]
)
def test_same_number_of_statements_for_5_and_60_ideas(app, url):
    seed(5)
    small = statements_for(app.test_client(), url)
    seed(55)
    large = statements_for(app.test_client(), url)
    assert small == large
    assert large <= 8


def test_signed_in_list_is_bounded_too(app, client, auth):
    auth.login_as("moderator")
    seed(5)
    small = statements_for(client, "/ideas?status=all")
    seed(55)
    assert statements_for(client, "/ideas?status=all") == small


def test_list_ideas_itself_uses_two_queries(app):
    from ideenwerkstatt.ideas.queries import list_ideas

    seed(30)
    with count_statements() as statements:
        page = list_ideas(None, per_page=30)
        seen = [(i.theme.slug, i.event.slug, i.author.display_name) for i in page.items]
    assert len(seen) == 30
    assert len(statements) == 2
