"""The minimal moderator actions on the detail page, and who is refused."""

from __future__ import annotations

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus

from ..factories import make_idea, make_user

ACTIONS = [
    ("approve", "pending", {}),
    ("reject", "pending", {"reason": "Passt nicht zur Stadt"}),
    ("hide", "published", {}),
    ("restore", "hidden", {}),
]


def status_of(idea) -> IdeaStatus:
    db.session.expire_all()
    return db.session.get(Idea, idea.id).status


@pytest.mark.parametrize(("action", "status", "data"), ACTIONS)
def test_visitors_are_sent_to_login(client, action, status, data):
    idea = make_idea(status=status)
    response = client.post(f"/ideas/{idea.id}/{action}", data=data)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert status_of(idea) == IdeaStatus(status)


@pytest.mark.parametrize(("action", "status", "data"), ACTIONS)
def test_citizens_are_refused(client, auth, action, status, data):
    author = auth.login_as("citizen")
    # Even the idea's own author may not moderate it.
    idea = make_idea(author=author, status=status)
    assert client.post(f"/ideas/{idea.id}/{action}", data=data).status_code == 403
    assert status_of(idea) == IdeaStatus(status)


@pytest.mark.parametrize(
    ("action", "status", "data", "after"),
    [
        ("approve", "pending", {}, IdeaStatus.PUBLISHED),
        ("reject", "pending", {"reason": "Passt nicht zur Stadt"}, IdeaStatus.REJECTED),
        ("hide", "published", {}, IdeaStatus.HIDDEN),
        ("restore", "hidden", {}, IdeaStatus.PUBLISHED),
    ],
)
@pytest.mark.parametrize("role", ["moderator", "organizer", "admin"])
def test_moderators_act(client, auth, role, action, status, data, after):
    auth.login_as(role)
    idea = make_idea(status=status)
    response = client.post(f"/ideas/{idea.id}/{action}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")
    assert status_of(idea) == after


def test_refused_transition_is_a_message_not_an_error(client, auth):
    auth.login_as("moderator")
    idea = make_idea(status="published")
    response = client.post(f"/ideas/{idea.id}/approve", follow_redirects=True)
    assert response.status_code == 200
    assert "im aktuellen Zustand" in response.get_data(as_text=True)
    assert status_of(idea) == IdeaStatus.PUBLISHED


def test_reject_without_reason_is_422(client, auth, outbox):
    auth.login_as("moderator")
    idea = make_idea(status="pending")
    response = client.post(f"/ideas/{idea.id}/reject", data={"reason": ""})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert status_of(idea) == IdeaStatus.PENDING
    assert outbox() == []


def test_reject_mails_the_author(client, auth, outbox):
    author = make_user()
    idea = make_idea(author=author, status="pending")
    auth.login_as("moderator")
    client.post(f"/ideas/{idea.id}/reject", data={"reason": "Gibt es schon als Idee 3"})
    (mail,) = outbox(template="idea_rejected")
    assert mail.recipient == author.email
    assert "Gibt es schon als Idee 3" in mail.body_text


def test_moderation_buttons_only_for_moderators(client, auth):
    idea = make_idea(status="published")
    assert "Ausblenden" not in client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    auth.login_as("citizen")
    assert "Ausblenden" not in client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    auth.login_as("moderator")
    assert "Ausblenden" in client.get(f"/ideas/{idea.id}").get_data(as_text=True)


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_actions_need_the_token(self, client, auth):
        auth.login_as("moderator")
        idea = make_idea(status="pending")
        assert client.post(f"/ideas/{idea.id}/approve").status_code == 400
        assert status_of(idea) == IdeaStatus.PENDING
