"""POST /ideas/<id>/vote and /vote/retract: form posts that redirect back, JSON for the script."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.votes.models import Vote

from ..factories import make_event, make_idea

JSON = {"Accept": "application/json"}


def count_of(idea) -> int:
    db.session.expire_all()
    return db.session.get(Idea, idea.id).vote_count


def rows_of(idea) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.idea_id == idea.id)
    )


def test_visitor_is_sent_to_login(client):
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/vote")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert client.post(f"/ideas/{idea.id}/vote/retract").status_code == 302
    assert count_of(idea) == 0


def test_visitor_asking_for_json_gets_401(client):
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/vote", headers=JSON)
    assert response.status_code == 401
    assert response.json["login_url"].endswith("/account/login")


def test_vote_and_retract_with_plain_posts(client, auth):
    auth.login_as("citizen")
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/vote")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")
    assert count_of(idea) == 1
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Danke für Ihre Unterstützung" in page
    assert "1 Stimme" in page and "Unterstützung zurücknehmen" in page

    # A double click: no second row, no error page.
    assert client.post(f"/ideas/{idea.id}/vote").status_code == 302
    assert count_of(idea) == 1 and rows_of(idea) == 1

    response = client.post(f"/ideas/{idea.id}/vote/retract", follow_redirects=True)
    assert "Ihre Stimme ist zurückgenommen" in response.get_data(as_text=True)
    assert count_of(idea) == 0 and rows_of(idea) == 0


def test_redirects_to_a_safe_next_only(client, auth):
    auth.login_as("citizen")
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/vote", data={"next": "/ideas?page=1"})
    assert response.headers["Location"].endswith("/ideas?page=1")
    response = client.post(f"/ideas/{idea.id}/vote/retract", data={"next": "//evil.example/"})
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")
    response = client.post(f"/ideas/{idea.id}/vote", data={"next": "https://evil.example/"})
    assert "evil" not in response.headers["Location"]


def test_json_answer_for_the_script(client, auth):
    auth.login_as("citizen")
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/vote", headers=JSON)
    assert response.status_code == 200
    data = response.json
    assert data["ok"] and data["vote_count"] == 1 and data["voted"] and data["changed"]
    assert data["count_text"] == "1 Stimme"
    assert "Unterstützung zurücknehmen" in data["html"]
    assert "Danke" in data["message"]
    data = client.post(f"/ideas/{idea.id}/vote/retract", headers=JSON).json
    assert data["vote_count"] == 0 and not data["voted"]
    assert "Diese Idee unterstützen" in data["html"]


def test_closed_voting_is_refused_with_a_message(client, auth):
    auth.login_as("citizen")
    idea = make_idea(event=make_event(phase="closed"))
    response = client.post(f"/ideas/{idea.id}/vote", follow_redirects=True)
    assert response.status_code == 200
    assert "ist beendet" in response.get_data(as_text=True)
    response = client.post(f"/ideas/{idea.id}/vote", headers=JSON)
    assert response.status_code == 409
    assert not response.json["ok"] and "beendet" in response.json["message"]
    assert count_of(idea) == 0


def test_unpublished_idea_is_404_for_voters(client, auth):
    auth.login_as("citizen")
    idea = make_idea(status="pending")
    assert client.post(f"/ideas/{idea.id}/vote").status_code == 404
    assert client.post("/ideas/99999/vote").status_code == 404


def test_author_cannot_vote_on_own_pending_idea(client, auth):
    author = auth.login_as("citizen")
    idea = make_idea(author=author, status="pending")
    response = client.post(f"/ideas/{idea.id}/vote", headers=JSON)
    assert response.status_code == 409
    assert count_of(idea) == 0


def test_dots_with_the_form(client, auth):
    auth.login_as("citizen")
    event = make_event(phase="voting", voting_rule="dots", dot_budget=3)
    idea, other = make_idea(event=event), make_idea(event=event)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert 'name="dots"' in page and 'max="3"' in page
    client.post(f"/ideas/{idea.id}/vote", data={"dots": "2"})
    assert count_of(idea) == 2
    response = client.post(f"/ideas/{other.id}/vote", data={"dots": "2"}, headers=JSON)
    assert response.status_code == 409
    assert "1 Punkt übrig" in response.json["message"]
    response = client.post(f"/ideas/{other.id}/vote", data={"dots": "1"}, headers=JSON)
    assert response.json["remaining"] == 0 and response.json["count_text"] == "1 Punkt"
    assert client.post(f"/ideas/{idea.id}/vote", data={"dots": "abc"}).status_code == 302
    assert count_of(idea) == 2
    client.post(f"/ideas/{idea.id}/vote/retract")
    assert count_of(idea) == 0 and count_of(other) == 1


def test_vote_script_only_where_there_are_buttons(client):
    open_idea = make_idea()
    closed_idea = make_idea(event=make_event(phase="closed"))
    assert "js/votes.js" in client.get(f"/ideas/{open_idea.id}").get_data(as_text=True)
    assert "js/votes.js" not in client.get(f"/ideas/{closed_idea.id}").get_data(as_text=True)
    assert "js/votes.js" not in client.get("/ideas").get_data(as_text=True)


def test_detail_has_a_live_region_and_no_inline_script(client, auth):
    auth.login_as("citizen")
    idea = make_idea()
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert 'aria-live="polite"' in page
    assert "<script>" not in page and " style=" not in page and "onclick" not in page


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_VOTES": "3 per minute"}

    def test_votes_are_limited_per_account(self, client, auth):
        auth.login_as("citizen")
        idea = make_idea()
        for path in ("vote", "vote/retract", "vote"):
            assert client.post(f"/ideas/{idea.id}/{path}").status_code == 302
        assert client.post(f"/ideas/{idea.id}/vote/retract").status_code == 429
        # Another account behind the same address is not affected.
        auth.login_as("citizen")
        assert client.post(f"/ideas/{idea.id}/vote").status_code == 302


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_vote_needs_the_token(self, client, auth):
        auth.login_as("citizen")
        idea = make_idea()
        assert client.post(f"/ideas/{idea.id}/vote").status_code == 400
        assert count_of(idea) == 0

    def test_vote_with_the_pages_token(self, client, auth):
        import re

        auth.login_as("citizen")
        idea = make_idea()
        page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(f"/ideas/{idea.id}/vote", data={"csrf_token": token}, headers=JSON)
        assert response.status_code == 200 and response.json["vote_count"] == 1
