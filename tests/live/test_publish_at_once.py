"""Post-moderation for the evening: with the event's setting on and the evening switched
on, an idea from a phone is published at once (logged); otherwise it waits in the queue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideenwerkstatt.auditlog import ModerationLogEntry
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus
from ideenwerkstatt.live.models import LiveSession

from ..factories import make_event, make_live_session, make_theme


@pytest.fixture
def evening(app):
    theme = make_theme(name_de="Grün")
    event = make_event(phase="collecting", themes=[theme], slug="abend")
    session = make_live_session(event)
    return event, theme, session


def _join_and_submit(client, session, theme, title):
    assert client.post(f"/j/{session.join_code}", data={"consent": "y"}).status_code == 302
    response = client.post(
        "/events/abend/live/ideas", data={"theme": theme.id, "title": title, "body": ""}
    )
    assert response.status_code == 302
    return db.session.scalar(select(Idea).where(Idea.title == title))


def test_by_default_ideas_from_phones_wait_for_the_moderation(client, evening):
    _event, theme, session = evening
    idea = _join_and_submit(client, session, theme, "Mehr Bänke")
    assert idea.status == IdeaStatus.PENDING and idea.published_at is None
    state = client.get("/events/abend/live.json").get_json()
    assert state["idea_count"] == 0


def test_with_post_moderation_ideas_appear_at_once(client, evening):
    _event, theme, session = evening
    session.publish_at_once = True
    db.session.commit()
    idea = _join_and_submit(client, session, theme, "Mehr Bänke")
    assert idea.status == IdeaStatus.PUBLISHED and idea.published_at is not None
    state = client.get("/events/abend/live.json").get_json()
    assert [i["title"] for i in state["themes"][0]["ideas"]] == ["Mehr Bänke"]
    entry = db.session.scalar(
        select(ModerationLogEntry).where(ModerationLogEntry.action == "idea.publish_at_once")
    )
    assert entry.object_id == idea.id


def test_post_moderation_only_while_the_evening_is_on(client, auth, evening):
    event, theme, session = evening
    session.publish_at_once = True
    db.session.commit()
    auth.login_as("citizen")  # an account holder on the phone page, the evening switched off
    session.is_open = False
    db.session.commit()
    response = client.post(
        "/events/abend/live/ideas", data={"theme": theme.id, "title": "Später", "body": ""}
    )
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea).where(Idea.title == "Später"))
    assert idea.status == IdeaStatus.PENDING
    assert event.id == idea.event_id


def test_the_organizer_switches_it_on_the_live_page(client, auth, evening):
    event, _theme, _session = evening
    auth.login_as("organizer")
    page = client.get(f"/organize/events/{event.id}/live").get_data(as_text=True)
    assert 'name="publish_at_once"' in page
    response = client.post(
        f"/organize/events/{event.id}/live",
        data={
            "is_open": "y",
            "joining_open": "y",
            "join_mode": "open_code",
            "publish_at_once": "y",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(LiveSession.publish_at_once)) is True
    reasons = db.session.scalars(
        select(ModerationLogEntry.reason).where(ModerationLogEntry.action == "live.session")
    ).all()
    assert reasons == ["publish at once"]
