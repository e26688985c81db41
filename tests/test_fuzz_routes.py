"""A fuzzer over the whole URL map: every route, each path argument replaced by huge,
negative, zero, non-numeric, unicode, NUL and very long values, with GET and POST, as a
visitor, citizen, moderator, organizer and admin; the query string and form fields the views
read get the same values. No answer may be a server error. Routes added later are covered
without touching this file.

One app and one database for all requests (seeded with a little of everything). A request
the router refuses (no route matches, a method the route lacks) is answered the same for
everyone, so it is sent once, as a visitor; the rest is sent in every role.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from ideenwerkstatt.extensions import db
from tests.comments.factories import make_comment
from tests.factories import make_event, make_idea, make_theme, make_user

# What replaces a path argument (or fills a query or form field): each kind once.
VALUES = {
    # An id that exists (the seeded rows of each table start at 1): the view runs, and the
    # query and form fields get the fuzzed values below.
    "existing": "1",
    "huge": "99999999999999999999",
    "over-64-bit": str(2**63),
    "over-32-bit": str(2**31),  # ids are INTEGER: 32 bits on PostgreSQL
    "largest-id": str(2**31 - 1),
    "negative": "-1",
    "zero": "0",
    "non-numeric": "abc",
    "unicode": "ünï😀٣²",
    "nul": "a\x00b",
    "long": "x" * 3000,
}
ROLES = ("visitor", "citizen", "moderator", "organizer", "admin")
# Query and form fields the views read (request.args / request.form and form fields that
# hold ids, pages, numbers or choices): each gets the value too.
FIELDS = (
    "page",
    "comments_page",
    "object_id",
    "parent",
    "idea_ids",
    "order",
    "dots",
    "event",
    "theme",
    "actor",
    "template",
    "version",
    "status",
    "sort",
    "q",
    "since",
    "until",
    "kind",
    "next",
    "capacity",
    "dot_budget",
    "retention_days",
    "role",
    "themes",
    "audience",
    "download",
    "value",
)
ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")


def _first_choice(options: str) -> str:
    return options.split(",")[0].strip().strip("'\"")


def fuzzed_paths(rule) -> list[tuple[str, str]]:
    """(kind, path) for every value kind. An `any(...)` argument keeps its first choice
    (so that the request reaches the view), except in one path where it is fuzzed too."""
    paths = []
    for kind, value in VALUES.items():
        quoted = quote(value, safe="")

        def replace(match, quoted=quoted):
            if match["converter"] == "any":
                return _first_choice(match["options"])
            return quoted

        paths.append((kind, ARGUMENT.sub(replace, rule.rule)))
    if any(m["converter"] == "any" for m in ARGUMENT.finditer(rule.rule)):
        paths.append(("any-fuzzed", ARGUMENT.sub("abc", rule.rule)))
    return paths


def _reaches_a_view(adapter, path: str, method: str) -> bool:
    try:
        adapter.match(path, method=method)
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return False
    return True


def _seed() -> dict:
    theme = make_theme(slug="mobilitaet")
    event = make_event(slug="offen", themes=[theme])
    closed = make_event(slug="vorbei", phase="closed", themes=[theme], starts_in_days=-3)
    idea = make_idea(theme=theme, event=event)
    make_idea(theme=theme, event=closed)
    make_idea(theme=theme, status="pending")
    make_comment(idea=idea)
    return {
        role: make_user(role=role, display_name=f"Fuzz {role}")
        for role in ROLES
        if role != "visitor"
    }


def _sign_in(client, user) -> None:
    from ideenwerkstatt.accounts.services import start_login_session

    if user is None:
        client.delete_cookie("iw_session")
        return
    token = start_login_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = token
        session["_fresh"] = True


def _send(client, method: str, path: str, value: str, failures: list, label: str) -> None:
    # The path's own value in every field; with an existing id in the path, a huge one.
    if value == VALUES["existing"]:
        value = VALUES["huge"]
    fields = {name: value for name in FIELDS}
    try:
        if method == "GET":
            response = client.get(path + "?" + urlencode(fields))
        else:
            fields["action"] = f"add:{value}"
            response = client.post(path, data=fields)
        status = response.status_code
        response.close()
    except Exception as exc:  # PROPAGATE_EXCEPTIONS in tests: a 500 arrives as the error
        status = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        db.session.rollback()
    if not isinstance(status, int) or status >= 500:
        failures.append((label, method, path[:120], status))


def test_no_route_answers_a_server_error(app, client):
    users = _seed()
    adapter = app.url_map.bind("localhost")
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    failures: list = []
    sent = 0
    for rule in rules:
        cases = fuzzed_paths(rule) if rule.arguments else [("plain", rule.rule)]
        for role in ROLES:
            # Signed in again for every route: a route may sign out (logout, a role change).
            _sign_in(client, users.get(role))
            for kind, path in cases:
                for method in ("GET", "POST"):
                    if role != "visitor" and not _reaches_a_view(adapter, path, method):
                        continue  # refused by the router: the same for every role
                    value = VALUES.get(kind, "abc")
                    _send(client, method, path, value, failures, f"{role}/{kind}")
                    sent += 1
    assert sent > 1000  # the map really was walked
    assert failures == []


def test_fuzzed_posts_with_csrf_on_get_no_server_error(app, client):
    """The same with CSRF protection on, as in production: a POST without a token is
    refused (400), one with a valid token reaches the view; neither is a server error."""
    users = _seed()
    app.config["WTF_CSRF_ENABLED"] = True
    adapter = app.url_map.bind("localhost")
    failures: list = []
    for role in ("visitor", "moderator", "admin"):
        _sign_in(client, users.get(role))
        page = client.get("/account/login" if role == "visitor" else "/account")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods:
                continue
            for kind in ("huge", "unicode", "zero"):
                path = dict(fuzzed_paths(rule))[kind] if rule.arguments else rule.rule
                if not _reaches_a_view(adapter, path, "POST"):
                    continue
                value = VALUES[kind]
                fields = {name: value for name in FIELDS} | {"csrf_token": token[1]}
                try:
                    response = client.post(path, data=fields)
                    status = response.status_code
                except Exception as exc:
                    status = f"{type(exc).__name__}: {str(exc)[:200]}"
                finally:
                    db.session.rollback()
                if not isinstance(status, int) or status >= 500:
                    failures.append((role, kind, path[:120], status))
            _sign_in(client, users.get(role))  # a route may have signed out
    without_token = client.post("/ideas/new", data={"title": "x"})
    assert without_token.status_code == 400
    assert failures == []


@pytest.mark.parametrize(
    "url",
    [
        "/ideas/99999999999999999999",
        "/ideas/9223372036854775808",
        "/ideas/9223372036854775807",
        "/ideas/2147483648",
        "/comments/2147483648/edit",
        "/moderation/log?page=99999999999999999999",
        "/ideas?page=99999999999999999999",
        "/ideas?page=²",
        "/api/v1/ideas/99999999999999999999",
    ],
)
def test_an_id_or_page_that_cannot_exist_is_a_404(client, auth, url):
    auth.login_as("moderator")
    assert client.get(url).status_code == 404


def test_nul_characters_are_refused_before_any_view(client):
    assert client.get("/events/a%00b").status_code == 404
    assert client.get("/ideas?q=a%00b").status_code == 400
    assert client.post("/account/login", data={"email": "a\x00@b.de"}).status_code == 400
    assert client.get("/api/v1/ideas?q=a%00b").status_code == 400
