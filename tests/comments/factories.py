"""Comment factory (kept beside the comment tests; tests/factories.py belongs to everyone)."""

from __future__ import annotations

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db

from ..factories import make_idea, make_user

_NEW = object()


def make_comment(
    idea=None,
    author=_NEW,
    body="Ein guter Punkt!",
    status="published",
    parent=None,
    commit=True,
    **fields,
):
    from ideenwerkstatt.comments.models import Comment, CommentStatus
    from ideenwerkstatt.sanitize import clean_html

    if idea is None:
        idea = parent.idea if parent is not None else make_idea(commit=False)
    if author is _NEW:
        author = make_user(commit=False)
    now = utcnow()
    comment = Comment(
        idea=idea,
        author=author,
        parent=parent,
        body=body,
        body_html=str(clean_html(body)),
        status=CommentStatus(status),
        created_at=fields.pop("created_at", now),
        updated_at=now,
        **fields,
    )
    db.session.add(comment)
    db.session.flush()
    if commit:
        db.session.commit()
    return comment
