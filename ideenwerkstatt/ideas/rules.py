"""Who may see, edit and moderate an idea: named predicates for services, views and templates."""

from __future__ import annotations

from ..permissions import can_moderate
from .models import Idea, IdeaStatus


def is_author(user, idea: Idea) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and idea.author_id is not None
        and idea.author_id == user.id
    )


def can_view_idea(user, idea: Idea) -> bool:
    """Published ideas for everyone; any other state for its author and moderators."""
    return idea.status == IdeaStatus.PUBLISHED or is_author(user, idea) or can_moderate(user)


def can_edit_idea(user, idea: Idea) -> bool:
    """Moderators at any time; the author while the idea is pending."""
    if can_moderate(user):
        return True
    return is_author(user, idea) and idea.status == IdeaStatus.PENDING


TEMPLATE_PREDICATES = {
    "can_view_idea": can_view_idea,
    "can_edit_idea": can_edit_idea,
    "is_idea_author": is_author,
}
