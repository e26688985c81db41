"""The per-object rules in permissions.py: who may edit an idea, a comment, a theme, an
event, who may invite, and whose role an admin may change. Plain objects stand in for rows:
the rules read attributes only."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from ideenwerkstatt import permissions as p
from ideenwerkstatt.comments.models import CommentStatus
from ideenwerkstatt.ideas.models import IdeaStatus
from ideenwerkstatt.permissions import Role

NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)


def person(role="citizen", id=1):
    return SimpleNamespace(id=id, role=Role(role), is_authenticated=True)


VISITOR = SimpleNamespace(id=None, role=None, is_authenticated=False)


def test_states_named_by_value_exist_in_the_features_enums():
    assert {s.value for s in IdeaStatus} >= p.IDEA_EDITABLE_BY_AUTHOR
    assert IdeaStatus(p.IDEA_PUBLIC) is IdeaStatus.PUBLISHED
    assert {s.value for s in CommentStatus} >= p.COMMENT_EDITABLE
    assert CommentStatus(p.COMMENT_DELETED) is CommentStatus.DELETED


@pytest.mark.parametrize(
    ("who", "status", "allowed"),
    [
        (person(id=7), IdeaStatus.PENDING, True),  # the author, before moderation
        (person(id=7), IdeaStatus.PUBLISHED, False),  # the author, afterwards
        (person(id=8), IdeaStatus.PENDING, False),  # a stranger
        (VISITOR, IdeaStatus.PENDING, False),
        (person("moderator", id=9), IdeaStatus.PUBLISHED, True),
    ],
)
def test_who_may_edit_an_idea(who, status, allowed):
    assert p.can_edit_idea(who, SimpleNamespace(author_id=7, status=status)) is allowed


def test_who_may_edit_and_delete_a_comment():
    author, stranger = person(id=3), person("admin", id=4)
    fresh = SimpleNamespace(author_id=3, status=CommentStatus.PUBLISHED, created_at=NOW)
    assert p.can_edit_comment(author, fresh, NOW + dt.timedelta(minutes=15))
    assert not p.can_edit_comment(author, fresh, NOW + dt.timedelta(minutes=16))
    assert not p.can_edit_comment(stranger, fresh, NOW)  # not even an admin edits words
    hidden = SimpleNamespace(author_id=3, status=CommentStatus.HIDDEN, created_at=NOW)
    assert not p.can_edit_comment(author, hidden, NOW)
    assert p.can_delete_comment(author, hidden) and not p.can_delete_comment(stranger, hidden)
    deleted = SimpleNamespace(author_id=3, status=CommentStatus.DELETED, created_at=NOW)
    assert not p.can_delete_comment(author, deleted)


@pytest.mark.parametrize("rule", [p.can_edit_theme, p.can_edit_event, p.can_invite])
def test_organizers_edit_themes_and_events_and_invite(rule):
    assert rule(person("organizer")) and rule(person("admin"))
    assert not rule(person("moderator")) and not rule(person()) and not rule(VISITOR)


def test_whose_role_an_admin_may_change():
    admin = person("admin", id=1)
    assert p.can_change_role(admin, person(id=2), "moderator")
    assert p.can_change_role(admin, person("organizer", id=2))
    assert not p.can_change_role(admin, person(id=2), "admin")  # admins only on the CLI
    assert not p.can_change_role(admin, person("admin", id=2), "citizen")
    assert not p.can_change_role(admin, admin, "citizen")  # not oneself
    assert not p.can_change_role(person("organizer", id=5), person(id=2), "moderator")


def test_roles_from():
    assert p.roles_from(Role.MODERATOR) == [Role.MODERATOR, Role.ORGANIZER, Role.ADMIN]
    assert p.roles_from(Role.CITIZEN) == [r for r in Role if r is not Role.PARTICIPANT]
