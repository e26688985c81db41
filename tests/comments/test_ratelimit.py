"""Comments are rate limited per account (RATELIMIT_COMMENTS); a refusal says when to retry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.comments.models import Comment
from ideenwerkstatt.extensions import db

from ..factories import make_idea


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_COMMENTS": "3 per minute"}


def _count() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def test_comments_over_the_limit_get_429_with_retry_after(client, auth):
    idea = make_idea()
    auth.login_as("citizen")
    url = f"/ideas/{idea.id}/comments"
    # A form sent back with errors costs nothing.
    assert client.post(url, data={"body": ""}).status_code == 422
    for n in range(3):
        assert client.post(url, data={"body": f"Kommentar {n}"}).status_code == 302
    refused = client.post(url, data={"body": "Einer zu viel"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert _count() == 3
    # Per account: another person may still comment.
    auth.login_as("citizen")
    assert client.post(url, data={"body": "Von jemand anderem"}).status_code == 302
    assert _count() == 4


def test_every_429_carries_retry_after(client, auth, app):
    """Whichever limit refuses (here the login's per-address one), the answer says when."""
    app.config["RATELIMIT_LOGIN"] = "1 per minute"
    data = {"email": "niemand@example.org", "password": "egal-egal-egal"}
    client.post("/account/login", data=data)
    refused = client.post("/account/login", data=data)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
