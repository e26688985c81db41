"""Moderation pages: the queue with filters and bulk approve, decisions through the forms,
reason templates, the log with its filters, and /organize/people."""

from sqlalchemy import select

from ideenwerkstatt.auditlog import ModerationLogEntry
from ideenwerkstatt.extensions import db
from ideenwerkstatt.moderation import services

from ..factories import make_event, make_idea, make_theme, make_user


def test_queue_lists_pending_ideas_with_counts_and_filters(client, auth):
    theme = make_theme(name_de="Mobilität")
    event = make_event(title="Werkstatt Mobilität", themes=[theme])
    in_event = make_idea(status="pending", title="Mehr Radwege", theme=theme, event=event)
    elsewhere = make_idea(status="pending", title="Schulgarten")
    make_idea(status="published", title="Schon veröffentlicht")
    auth.login_as("moderator")
    page = client.get("/moderation").get_data(as_text=True)
    assert "Mehr Radwege" in page and "Schulgarten" in page
    assert "Schon veröffentlicht" not in page
    assert "2 Beiträge warten" in page
    filtered = client.get(f"/moderation?event={event.id}").get_data(as_text=True)
    assert "Mehr Radwege" in filtered and "Schulgarten" not in filtered
    assert elsewhere.id and in_event.id


def test_bulk_approve_without_javascript(client, auth, outbox):
    ideas = [make_idea(status="pending") for _ in range(3)]
    ideas[1].author.locale = "en"
    db.session.commit()
    auth.login_as("moderator")
    response = client.post(
        "/moderation/bulk-approve",
        data={"idea_ids": [str(ideas[0].id), str(ideas[1].id)], "next": "/moderation?theme="},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/moderation?theme="
    db.session.expire_all()
    assert [i.status for i in ideas] == ["published", "published", "pending"]
    # Each approved idea's author is told, in their language; the pending one's is not.
    mails = {m.recipient: m for m in outbox(template="idea_approved")}
    assert set(mails) == {ideas[0].author.email, ideas[1].author.email}
    assert "veröffentlicht" in mails[ideas[0].author.email].subject
    assert "published" in mails[ideas[1].author.email].subject


def test_bulk_approve_with_nothing_selected(client, auth):
    auth.login_as("moderator")
    response = client.post("/moderation/bulk-approve", data={}, follow_redirects=True)
    assert "mindestens eine Idee" in response.get_data(as_text=True)


def test_reject_through_the_form_mails_the_reason(client, auth, outbox):
    author = make_user()
    idea = make_idea(author=author, status="pending")
    auth.login_as("moderator")
    assert client.get(f"/moderation/ideas/{idea.id}").status_code == 200
    template = services.rejection_templates()[1]
    response = client.post(
        f"/moderation/ideas/{idea.id}/reject",
        data={"template": str(template.id), "free_text": "Siehe Idee 12."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert idea.status == "rejected"
    (mail,) = outbox(template="idea_rejected")
    assert mail.recipient == author.email
    assert template.text in mail.body_text and "Siehe Idee 12." in mail.body_text


def test_reject_without_any_reason_answers_422_next_to_the_field(client, auth):
    idea = make_idea(status="pending")
    auth.login_as("moderator")
    response = client.post(f"/moderation/ideas/{idea.id}/reject", data={"free_text": ""})
    assert response.status_code == 422
    assert 'id="free_text-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert idea.status == "pending"


def test_edit_with_note_is_visible_on_the_idea(client, auth):
    idea = make_idea(status="published")
    auth.login_as("moderator")
    response = client.post(
        f"/moderation/ideas/{idea.id}/edit",
        data={
            "title": "Besserer Titel",
            "body": "Eine bessere Beschreibung.",
            "note": "Name entfernt",
        },
    )
    assert response.status_code == 302
    auth.logout()
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Bearbeitet von der Moderation: Name entfernt" in page


def test_edit_without_note_is_refused(client, auth):
    idea = make_idea(status="published", title="Alter Titel")
    auth.login_as("moderator")
    response = client.post(
        f"/moderation/ideas/{idea.id}/edit",
        data={"title": "Neu", "body": "Eine bessere Beschreibung.", "note": ""},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert idea.title == "Alter Titel"


def test_reasons_can_be_added_and_edited(client, auth):
    auth.login_as("moderator")
    assert client.post("/moderation/reasons", data={"title": "", "text": ""}).status_code == 422
    assert (
        client.post("/moderation/reasons", data={"title": "Werbung", "text": "Keine Werbung."})
    ).status_code == 302
    (template,) = services.rejection_templates()
    response = client.post(
        f"/moderation/reasons/{template.id}/edit", data={"title": "Werbung", "text": "Neu."}
    )
    assert response.status_code == 302
    assert "Neu." in client.get("/moderation/reasons").get_data(as_text=True)


def test_log_filters_by_actor_action_and_date(client, auth):
    from ideenwerkstatt.ideas import services as ideas

    first = make_user(role="moderator", display_name="Mod Eins")
    second = make_user(role="moderator", display_name="Mod Zwei")
    ideas.approve_idea(first, make_idea(status="pending"))
    ideas.hide_idea(second, make_idea(status="published"))
    db.session.commit()
    auth.login_as("moderator")
    everything = client.get("/moderation/log").get_data(as_text=True)
    assert "Mod Eins" in everything and "Mod Zwei" in everything
    by_actor = client.get(f"/moderation/log?actor={first.id}").get_data(as_text=True)
    assert "Idee freigegeben" in by_actor and "Idee ausgeblendet</td>" not in by_actor
    by_action = client.get("/moderation/log?action=idea.hide").get_data(as_text=True)
    assert "Mod Zwei</td>" in by_action and "Mod Eins</td>" not in by_action
    past = client.get("/moderation/log?until=2000-01-01").get_data(as_text=True)
    assert "Mod Eins</td>" not in past
    assert client.get("/moderation/log?page=9").status_code == 404
    assert client.get("/moderation/log?since=kaputt").status_code == 200


def test_admin_gives_and_takes_roles_logged(client, auth):
    person = make_user(email="helfer@example.org")
    admin = auth.login_as("admin")
    page = client.get("/organize/people?q=helfer").get_data(as_text=True)
    assert "helfer@example.org" in page
    assert client.get("/organize/people?q=he").status_code == 200  # too short: no list
    client.post(f"/organize/people/{person.id}/role", data={"role": "moderator"})
    db.session.expire_all()
    assert person.role == "moderator"
    client.post(f"/organize/people/{person.id}/role", data={"role": "citizen"})
    db.session.expire_all()
    assert person.role == "citizen"
    entries = db.session.scalars(select(ModerationLogEntry)).all()
    assert [(e.actor_id, e.action, e.object_id) for e in entries] == [
        (admin.id, "user.role", person.id)
    ] * 2
    # admins are not demoted by a click, nor promoted to admin
    other_admin = make_user(role="admin")
    client.post(f"/organize/people/{other_admin.id}/role", data={"role": "citizen"})
    client.post(f"/organize/people/{person.id}/role", data={"role": "admin"})
    db.session.expire_all()
    assert other_admin.role == "admin" and person.role == "citizen"
