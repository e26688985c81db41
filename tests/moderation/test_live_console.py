"""The moderators' live console: the queue with approve/reject, paper cards, the phase,
joining, the wall's controls; who may use it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideenwerkstatt.auditlog import ModerationLogEntry
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus
from ideenwerkstatt.live.models import LiveSession
from ideenwerkstatt.moderation.services import rejection_templates, seed_rejection_templates

from ..factories import make_event, make_idea, make_live_session, make_theme

BASE = "/moderation/events/abend/live"


@pytest.fixture
def evening(app):
    theme = make_theme(name_de="Grün")
    event = make_event(phase="collecting", themes=[theme], slug="abend")
    waiting = make_idea(theme=theme, event=event, title="Bänke am Fluss", status="pending")
    published = make_idea(theme=theme, event=event, title="Bäume pflanzen")
    make_live_session(event)
    return event, theme, waiting, published


def test_the_console_shows_the_queue_of_the_event(client, auth, evening):
    _event, theme, waiting, published = evening
    other = make_event(phase="collecting", themes=[theme], slug="anderes")
    make_idea(theme=theme, event=other, title="Anderswo", status="pending")
    auth.login_as("moderator")
    response = client.get(BASE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert waiting.title in html and published.title not in html and "Anderswo" not in html
    assert "js/live_console.js" in html
    assert f"{BASE}/ideas/{waiting.id}/approve" in html
    assert rejection_templates()  # seeded when first needed


def test_approve_from_the_queue(client, auth, evening):
    _event, _theme, waiting, _published = evening
    auth.login_as("moderator")
    response = client.post(f"{BASE}/ideas/{waiting.id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith("#queue")
    db.session.refresh(waiting)
    assert waiting.status == IdeaStatus.PUBLISHED


def test_reject_from_the_queue_with_a_reason_template(client, auth, evening):
    _event, _theme, waiting, _published = evening
    seed_rejection_templates()
    db.session.commit()
    template = rejection_templates()[0]
    auth.login_as("moderator")
    response = client.post(f"{BASE}/ideas/{waiting.id}/reject", data={"template": template.id})
    assert response.status_code == 302
    db.session.refresh(waiting)
    assert waiting.status == IdeaStatus.REJECTED
    assert template.text in waiting.rejection_reason


def test_reject_without_any_reason_is_422_and_changes_nothing(client, auth, evening):
    _event, _theme, waiting, _published = evening
    auth.login_as("moderator")
    response = client.post(f"{BASE}/ideas/{waiting.id}/reject", data={"template": ""})
    assert response.status_code == 422
    db.session.refresh(waiting)
    assert waiting.status == IdeaStatus.PENDING


def test_an_idea_of_another_event_is_404(client, auth, evening):
    _event, theme, _waiting, _published = evening
    other = make_event(phase="collecting", themes=[theme], slug="anderes")
    foreign = make_idea(theme=theme, event=other, title="Anderswo", status="pending")
    auth.login_as("moderator")
    assert client.post(f"{BASE}/ideas/{foreign.id}/approve").status_code == 404
    assert client.post(f"{BASE}/ideas/999999999999999/approve").status_code == 404


def test_a_paper_card_is_published_at_once_and_marked(client, auth, evening):
    event, theme, _waiting, _published = evening
    auth.login_as("moderator")
    response = client.post(
        f"{BASE}/paper-cards", data={"title": "Trinkbrunnen am Markt", "theme": theme.id}
    )
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea).where(Idea.title == "Trinkbrunnen am Markt"))
    assert idea.status == IdeaStatus.PUBLISHED and idea.from_paper_card
    assert idea.event_id == event.id


def test_a_paper_card_without_title_is_422_and_keeps_the_theme(client, auth, evening):
    _event, theme, _waiting, _published = evening
    auth.login_as("moderator")
    response = client.post(f"{BASE}/paper-cards", data={"title": "", "theme": theme.id})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte geben Sie den Titel ein." in html
    assert f'value="{theme.id}" selected' in html or f'selected value="{theme.id}"' in html


def test_the_phase_switch_asks_before_an_empty_vote(client, auth, app):
    theme = make_theme(name_de="Grün")
    event = make_event(phase="collecting", themes=[theme], slug="abend")
    auth.login_as("organizer")
    data = {"step": "next", "from_phase": "collecting"}
    response = client.post(f"{BASE}/phase", data=data)
    assert response.status_code == 409
    assert 'id="phase-confirm"' in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.phase == "collecting"
    response = client.post(f"{BASE}/phase", data={**data, "confirmed": "1"})
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.phase == "voting"


def test_the_phase_switch_goes_to_voting_and_closed(client, auth, evening):
    event, _theme, _waiting, _published = evening
    auth.login_as("organizer")
    client.post(f"{BASE}/phase", data={"step": "next", "from_phase": "collecting"})
    client.post(f"{BASE}/phase", data={"step": "next", "from_phase": "voting"})
    db.session.refresh(event)
    assert event.phase == "closed"


def test_a_moderator_may_not_switch_the_phase(client, auth, evening):
    event, _theme, _waiting, _published = evening
    auth.login_as("moderator")
    response = client.post(f"{BASE}/phase", data={"step": "next", "from_phase": "collecting"})
    assert response.status_code == 403
    db.session.refresh(event)
    assert event.phase == "collecting"


def test_closing_and_opening_joining(client, auth, evening):
    auth.login_as("moderator")
    assert client.post(f"{BASE}/joining", data={"open": "0"}).status_code == 302
    assert db.session.scalar(select(LiveSession.joining_open)) is False
    assert client.post(f"{BASE}/joining", data={"open": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(LiveSession.joining_open)) is True
    actions = db.session.scalars(
        select(ModerationLogEntry.reason).where(ModerationLogEntry.action == "live.joining")
    ).all()
    assert actions == ["closed", "open"]


ACTIONS = [
    ("get", "", None),
    ("post", "/ideas/{id}/approve", None),
    ("post", "/ideas/{id}/reject", {"template": ""}),
    ("post", "/paper-cards", {"title": "Fremd eingetragen"}),
    ("post", "/phase", {"step": "next", "from_phase": "collecting"}),
    ("post", "/joining", {"open": "0"}),
    ("post", "/mode", {"mode": "voting"}),
    ("post", "/numbers", {"hidden": "1"}),
    ("post", "/timer/start", {"minutes": "5"}),
]


def _try_all(client, waiting):
    for method, path, data in ACTIONS:
        url = BASE + path.format(id=waiting.id)
        yield url, (client.get(url) if method == "get" else client.post(url, data=data or {}))


def test_a_citizen_a_participant_and_a_stranger_are_refused(client, auth, evening):
    event, _theme, waiting, _published = evening
    auth.login_as("citizen")
    for url, response in _try_all(client, waiting):
        assert response.status_code == 403, url
    auth.logout()
    for url, response in _try_all(client, waiting):
        assert response.status_code == 302, url
        assert "/account/login" in response.headers["Location"]
    session = db.session.scalar(select(LiveSession))
    assert client.post(f"/j/{session.join_code}", data={"consent": "y"}).status_code == 302
    for url, response in _try_all(client, waiting):
        assert response.status_code == 403, url
    db.session.expire_all()
    assert waiting.status == IdeaStatus.PENDING
    assert db.session.scalar(select(LiveSession.joining_open)) is True
    assert db.session.scalar(select(Idea).where(Idea.title == "Fremd eingetragen")) is None
    assert event.phase == "collecting"


def test_console_actions_are_logged(client, auth, evening):
    _event, theme, waiting, _published = evening
    auth.login_as("moderator")
    client.post(f"{BASE}/ideas/{waiting.id}/approve")
    client.post(f"{BASE}/paper-cards", data={"title": "Trinkbrunnen am Markt", "theme": theme.id})
    client.post(f"{BASE}/mode", data={"mode": "voting"})
    actions = set(db.session.scalars(select(ModerationLogEntry.action)))
    assert {"idea.approve", "live.wall_mode"} <= actions
