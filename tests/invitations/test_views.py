"""Invitation pages: choose, see the count, send, follow the run; who may; unsubscribing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.invitations import services
from ideenwerkstatt.invitations.models import InvitationRun
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus
from ideenwerkstatt.privacy.models import Purpose
from ideenwerkstatt.privacy.services import has_consent

from ..factories import make_event
from .conftest import consenting_user


def invitation_rows():
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "event_invitation")
        )
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/organize/invitations"),
        ("get", "/organize/invitations/preview?event={id}&audience=consented"),
        ("post", "/organize/invitations"),
        ("get", "/organize/invitations/{run}"),
    ],
)
@pytest.mark.parametrize("role", [None, "citizen", "moderator"])
def test_invitation_pages_are_for_organizers_only(client, auth, method, path, role):
    event = make_event()
    consenting_user()
    organizer = auth.login_as("organizer")
    run = services.send_invitations(organizer, event, "consented")
    db.session.commit()
    auth.logout()
    if role:
        auth.login_as(role)
    url = path.format(id=event.id, run=run.id)
    response = getattr(client, method)(url, data={"event": event.id, "audience": "consented"})
    if role is None:
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert len(invitation_rows()) == 1  # nobody sent anything more


def test_organizer_previews_the_count_then_sends(client, auth):
    event = make_event(title="Mobilität 2030")
    make_event(phase="draft", title="Geheimer Entwurf")
    for _ in range(3):
        consenting_user()
    auth.login_as("organizer")
    index = client.get("/organize/invitations").get_data(as_text=True)
    assert "Mobilität 2030" in index and "Geheimer Entwurf" not in index

    preview = client.get(f"/organize/invitations/preview?event={event.id}&audience=consented")
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "Die Einladung geht jetzt an 3 Personen." in text
    assert invitation_rows() == []  # looking changes nothing

    response = client.post(
        "/organize/invitations", data={"event": event.id, "audience": "consented"}
    )
    assert response.status_code == 302
    run = db.session.scalar(select(InvitationRun))
    assert response.headers["Location"].endswith(f"/organize/invitations/{run.id}")
    assert len(invitation_rows()) == 3
    page = client.get(f"/organize/invitations/{run.id}").get_data(as_text=True)
    assert "wartet auf Zustellung" in page

    # Pressing "send" again: nobody gets a second one.
    client.post("/organize/invitations", data={"event": event.id, "audience": "consented"})
    assert len(invitation_rows()) == 3
    again = client.get(f"/organize/invitations/preview?event={event.id}&audience=consented")
    assert "Niemand in dieser Auswahl" in again.get_data(as_text=True)


def test_preview_with_bad_input_answers_422_with_the_message(client, auth):
    make_event()
    auth.login_as("organizer")
    response = client.get("/organize/invitations/preview?event=&audience=")
    assert response.status_code == 422
    assert "Bitte wählen Sie" in response.get_data(as_text=True)


def test_sending_for_a_draft_is_refused_with_a_message(client, auth):
    draft = make_event(phase="draft")
    consenting_user()
    auth.login_as("organizer")
    response = client.post(
        "/organize/invitations",
        data={"event": draft.id, "audience": "consented"},
        follow_redirects=True,
    )
    assert "nur für veröffentlichte Veranstaltungen" in response.get_data(as_text=True)
    assert invitation_rows() == []


def test_unsubscribe_get_shows_a_button_and_changes_nothing(client):
    event = make_event()
    user = consenting_user()
    services.send_invitations(consenting_user(role="organizer"), event, "consented")
    db.session.commit()
    path = services.unsubscribe_url(user.id, user.email).removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Keine Einladungen mehr senden" in text and 'method="post"' in text
    assert has_consent(user, Purpose.INVITATIONS)
    assert {m.status for m in invitation_rows() if m.user_id == user.id} == {OutboxStatus.QUEUED}


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
@pytest.mark.parametrize(
    "body", [{}, {"List-Unsubscribe": "One-Click"}], ids=["button", "one-click"]
)
def test_unsubscribe_post_withdraws_without_login_or_csrf_token(client, app_config, body):
    event = make_event()
    user = consenting_user()
    services.send_invitations(consenting_user(role="organizer"), event, "consented")
    db.session.commit()
    path = services.unsubscribe_url(user.id, user.email).removeprefix("http://localhost")
    response = client.post(path, data=body)
    assert response.status_code == 200
    assert "Sie bekommen keine Einladungen mehr" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not has_consent(user, Purpose.INVITATIONS)
    assert {m.status for m in invitation_rows() if m.user_id == user.id} == {OutboxStatus.CANCELLED}
    # Twice is fine too.
    assert client.post(path, data=body).status_code == 200


def test_forged_unsubscribe_link_is_refused(client):
    assert client.get("/unsubscribe/forged").status_code == 404
    assert client.post("/unsubscribe/forged").status_code == 404


def test_organize_start_page_links_the_invitations(client, auth):
    auth.login_as("organizer")
    assert "/organize/invitations" in client.get("/organize").get_data(as_text=True)


def test_run_page_says_when_no_worker_has_delivered_for_a_while(client, auth, app):
    """Queued mail due longer than MAIL_WORKER_LATE_SECONDS means no `mail deliver --loop`
    looks at the outbox: the run's page says so; fresh mail, or mail a worker took, does not."""
    import datetime as dt

    from ideenwerkstatt.database import utcnow
    from ideenwerkstatt.mail.delivery import deliver_due
    from ideenwerkstatt.mail.services import delivery_stalled

    event = make_event()
    consenting_user()
    consenting_user()
    organizer = auth.login_as("organizer")
    run = services.send_invitations(organizer, event, "consented")
    db.session.commit()
    notice = "Zustellung wartet: läuft <code>ideenwerkstatt mail deliver --loop</code>?"

    page = client.get(f"/organize/invitations/{run.id}").get_data(as_text=True)
    assert notice not in page  # just queued: a worker has had no time yet
    assert not delivery_stalled()

    late = app.config["MAIL_WORKER_LATE_SECONDS"]
    assert delivery_stalled(now=utcnow() + dt.timedelta(seconds=late + 5))
    assert not delivery_stalled(now=utcnow() + dt.timedelta(seconds=late - 30))
    for message in invitation_rows():
        message.next_attempt_at = utcnow() - dt.timedelta(seconds=late + 60)
    db.session.commit()
    page = client.get(f"/organize/invitations/{run.id}").get_data(as_text=True)
    assert notice in page

    deliver_due(limit=100, worker_id="test-worker")  # a worker comes along
    db.session.expire_all()
    assert {m.status for m in invitation_rows()} == {OutboxStatus.SENT}
    assert not delivery_stalled()
    page = client.get(f"/organize/invitations/{run.id}").get_data(as_text=True)
    assert notice not in page
