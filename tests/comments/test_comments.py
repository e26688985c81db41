"""Comments: write, reply one level, edit for 15 minutes, delete one's own, pre- and
post-moderation per event, the moderators' approve/hide/restore (logged, reason mailed),
strangers refused, export and erasure."""

import datetime as dt

import pytest
from sqlalchemy import select

from ideenwerkstatt.auditlog import ModerationLogEntry
from ideenwerkstatt.comments import services
from ideenwerkstatt.comments.models import Comment
from ideenwerkstatt.extensions import db

from ..factories import make_event, make_idea, make_theme, make_user
from .factories import make_comment


def test_citizen_comments_on_a_published_idea_sanitized(app):
    author = make_user()
    idea = make_idea()
    comment = services.add_comment(author, idea, "Gute Idee <script>x()</script> **ja**")
    assert comment.status == "published"
    assert "<script" not in comment.body_html and "<strong>ja</strong>" in comment.body_html


def test_no_comments_on_pending_ideas_or_by_visitors(app):
    with pytest.raises(services.CommentError):
        services.add_comment(make_user(), make_idea(status="pending"), "Hallo Welt")
    with pytest.raises(services.CommentNotAllowed):
        services.add_comment(None, make_idea(), "Hallo Welt")
    with pytest.raises(services.CommentError) as error:
        services.add_comment(make_user(), make_idea(), " ")
    assert error.value.field == "body"


def test_replies_are_one_level_deep(app):
    top = make_comment()
    reply = services.add_comment(make_user(), top.idea, "Antwort", parent=top)
    assert reply.parent_id == top.id
    with pytest.raises(services.CommentError):
        services.add_comment(make_user(), top.idea, "Antwort auf Antwort", parent=reply)
    with pytest.raises(services.CommentError):
        services.add_comment(make_user(), make_idea(), "Falsche Idee", parent=top)


def test_premoderated_event_holds_comments(app):
    theme = make_theme()
    event = make_event(themes=[theme], comments_premoderated=True)
    idea = make_idea(theme=theme, event=event)
    comment = services.add_comment(make_user(), idea, "Wartet erst")
    assert comment.status == "pending"
    thread = services.comments_for(None, idea)
    assert thread == []
    assert services.comments_for(comment.author, idea)[0][0] is comment
    moderator = make_user(role="moderator")
    services.approve_comment(moderator, comment)
    assert comment.status == "published"
    assert services.comments_for(None, idea)[0][0] is comment


def test_edit_within_15_minutes_only_by_the_author(app):
    comment = make_comment()
    services.edit_comment(comment.author, comment, "Neuer Text")
    assert comment.body == "Neuer Text" and comment.edited_at is not None
    with pytest.raises(services.CommentNotAllowed):
        services.edit_comment(make_user(), comment, "Fremd")
    later = comment.created_at + dt.timedelta(minutes=16)
    with pytest.raises(services.CommentNotAllowed):
        services.edit_comment(comment.author, comment, "Zu spät", now=later)


def test_delete_own_only(app):
    comment = make_comment()
    with pytest.raises(services.CommentNotAllowed):
        services.delete_comment(make_user(), comment)
    services.delete_comment(comment.author, comment)
    assert comment.status == "deleted" and comment.body == ""


def test_hide_mails_the_reason_and_logs(app, outbox):
    moderator = make_user(role="moderator")
    comment = make_comment()
    with pytest.raises(services.CommentError):
        services.hide_comment(moderator, comment, "")
    services.hide_comment(moderator, comment, "Beleidigend")
    db.session.commit()
    assert comment.status == "hidden" and comment.hidden_reason == "Beleidigend"
    (mail,) = outbox(template="comment_hidden")
    assert mail.recipient == comment.author.email and "Beleidigend" in mail.body_text
    services.restore_comment(moderator, comment)
    with pytest.raises(services.InvalidTransition):
        services.restore_comment(moderator, comment)
    actions = [e.action for e in db.session.scalars(select(ModerationLogEntry))]
    assert actions == ["comment.hide", "comment.restore"]
    with pytest.raises(services.CommentNotAllowed):
        services.hide_comment(make_user(), comment, "Grund genug")


def test_views_write_reply_edit_delete(client, auth):
    idea = make_idea()
    me = auth.login_as("citizen")
    assert client.post(f"/ideas/{idea.id}/comments", data={"body": ""}).status_code == 422
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "Mein **Kommentar**"})
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    assert comment.author_id == me.id
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "<strong>Kommentar</strong>" in page
    client.post(f"/ideas/{idea.id}/comments", data={"body": "Antwort", "parent": comment.id})
    assert client.get(f"/comments/{comment.id}/edit").status_code == 200
    client.post(f"/comments/{comment.id}/edit", data={"body": "Geändert"})
    db.session.expire_all()
    assert comment.body == "Geändert"
    assert client.post(f"/comments/{comment.id}/delete").status_code == 302
    db.session.expire_all()
    assert comment.status == "deleted"


def test_a_stranger_cannot_edit_or_delete_someone_elses_comment(client, auth):
    comment = make_comment(body="Original")
    auth.login_as("citizen")
    assert client.get(f"/comments/{comment.id}/edit").status_code == 403
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "X"}).status_code == 403
    assert client.post(f"/comments/{comment.id}/delete").status_code == 403
    auth.logout()
    assert client.post(f"/comments/{comment.id}/delete").status_code == 302  # to login
    db.session.expire_all()
    assert comment.body == "Original" and comment.status == "published"


def test_queue_shows_pending_comments_and_hide_page(client, auth, outbox):
    comment = make_comment(status="pending", body="Bitte prüfen")
    auth.login_as("moderator")
    page = client.get("/moderation").get_data(as_text=True)
    assert "Bitte prüfen" in page and "Kommentare: 1" in page
    assert client.get(f"/moderation/comments/{comment.id}/hide").status_code == 200
    assert (
        client.post(f"/moderation/comments/{comment.id}/hide", data={"reason": ""}).status_code
        == 422
    )
    client.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Werbung"})
    db.session.expire_all()
    assert comment.status == "hidden"
    assert len(outbox(template="comment_hidden")) == 1


def test_export_and_erasure(app):
    from ideenwerkstatt.privacy.services import delete_account, export_user_data

    author = make_user()
    kept = make_comment(author=author, body="Bleibt")
    assert export_user_data(author)["comments"][0]["body"] == "Bleibt"
    delete_account(author, keep_contributions=True)
    db.session.commit()
    db.session.expire_all()
    assert kept.author_id is None and kept.body == "Bleibt"
    other = make_user()
    gone = make_comment(author=other)
    gone_id = gone.id
    delete_account(other, keep_contributions=False)
    db.session.commit()
    assert db.session.get(Comment, gone_id) is None


def test_organizer_chooses_premoderation_in_the_event_form(client, auth):
    event = make_event(phase="draft")
    auth.login_as("organizer")
    page = client.get(f"/organize/events/{event.id}/edit").get_data(as_text=True)
    assert 'name="comments_premoderated"' in page
    data = {
        "title": event.title,
        "place": event.place,
        "starts_at": "2030-05-01T10:00",
        "ends_at": "2030-05-01T16:00",
        "voting_rule": "support",
        "retention_days": "90",
        "comments_premoderated": "y",
    }
    response = client.post(f"/organize/events/{event.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert event.comments_premoderated
