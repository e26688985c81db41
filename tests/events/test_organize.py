"""The organizers' event pages: create, edit, bad input answered with 422, phase buttons."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from ideenwerkstatt.events.models import Event, Phase, VotingRule
from ideenwerkstatt.extensions import db

from ..factories import make_event, make_idea, make_theme

GOOD = {
    "title": "Hamm von Morgen: Bildung",
    "description": "Wie lernen wir 2030?\n\nAlle sind eingeladen.",
    "place": "Stadtbücherei",
    "starts_at": "2030-09-14T10:00",
    "ends_at": "2030-09-14T16:30",
    "capacity": "60",
    "voting_rule": "dots",
    "dot_budget": "5",
    "retention_days": "120",
}


@pytest.fixture
def organizer(auth):
    return auth.login_as("organizer")


def field_error(html: str, field: str) -> str:
    """The error text shown next to a field (the forms macro's `<id>-error` paragraph)."""
    match = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error next to {field}"
    return " ".join(match.group(1).split())


def test_new_event_form_offers_active_themes_as_checkboxes(client, organizer):
    make_theme(name_de="Bildung")
    make_theme(name_de="Ruhend", active=False)
    page = client.get("/organize/events/new")
    assert page.status_code == 200
    assert "<legend>Themen" in page.text and 'type="checkbox"' in page.text
    assert "Bildung" in page.text and "Ruhend" not in page.text
    assert 'type="datetime-local"' in page.text
    assert 'name="retention_days"' in page.text and 'value="90"' in page.text


def test_organizer_creates_an_event(client, organizer):
    theme = make_theme(name_de="Bildung")
    response = client.post("/organize/events/new", data=GOOD | {"themes": [str(theme.id)]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/organize/events"
    event = db.session.scalar(select(Event))
    assert event.slug == "hamm-von-morgen-bildung"
    assert event.phase is Phase.DRAFT
    assert event.starts_at == dt.datetime(2030, 9, 14, 8, 0, tzinfo=dt.UTC)
    assert event.ends_at == dt.datetime(2030, 9, 14, 14, 30, tzinfo=dt.UTC)
    assert (event.capacity, event.voting_rule, event.dot_budget) == (60, VotingRule.DOTS, 5)
    assert event.retention_days == 120
    assert event.themes == [theme]
    assert "als Entwurf angelegt" in client.get("/organize/events").text


def test_bad_input_is_answered_with_422_messages_next_to_fields_and_values_kept(client, organizer):
    data = GOOD | {
        "ends_at": "2030-09-14T09:00",  # before the start: the service's rule
        "capacity": "viele",  # not a number: the form's rule
        "dot_budget": "",  # dots need a budget: the service's rule
        "retention_days": "0",
    }
    response = client.post("/organize/events/new", data=data)
    assert response.status_code == 422
    html = response.text
    assert "Das Ende muss nach dem Beginn liegen." in field_error(html, "ends_at")
    assert "ganze Zahl" in field_error(html, "capacity")
    assert "Punkte" in field_error(html, "dot_budget")
    assert "1 bis 3650" in field_error(html, "retention_days")
    assert 'aria-invalid="true"' in html
    assert "Bitte prüfen Sie Ihre Angaben" in html
    # What was typed is still there.
    assert 'value="Hamm von Morgen: Bildung"' in html
    assert 'value="Stadtbücherei"' in html
    assert 'value="2030-09-14T09:00"' in html
    assert 'value="viele"' in html
    assert "Wie lernen wir 2030?" in html
    assert re.search(r'value="dots"[^>]*checked|checked[^>]*value="dots"', html)
    assert db.session.scalars(select(Event)).all() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"starts_at": "morgen"}, "starts_at"),
        ({"starts_at": ""}, "starts_at"),
        ({"ends_at": "2030-13-40T10:00"}, "ends_at"),
        ({"capacity": "0"}, "capacity"),
        ({"dot_budget": "51"}, "dot_budget"),
        ({"voting_rule": "lottery"}, "voting_rule"),
        ({"themes": ["99999"]}, "themes"),
        ({"retention_days": "99999999999999999999"}, "retention_days"),
    ],
)
def test_each_bad_field_gets_its_message(client, organizer, changes, field):
    response = client.post("/organize/events/new", data=GOOD | changes)
    assert response.status_code == 422
    assert field_error(response.text, field)


def test_edit_form_shows_local_times_and_saves_changes(client, organizer):
    theme = make_theme(name_de="Bildung")
    event = make_event(
        title="Alt",
        slug="alt",
        starts_at=dt.datetime(2030, 1, 10, 17, 0, tzinfo=dt.UTC),
        hours=3,
        themes=[theme],
        phase="collecting",
    )
    page = client.get(f"/organize/events/{event.id}/edit")
    assert page.status_code == 200
    assert 'value="2030-01-10T18:00"' in page.text  # 17:00 UTC is 18:00 in Berlin (CET)
    assert 'value="2030-01-10T21:00"' in page.text
    assert re.search(rf'value="{theme.id}"[^>]*checked|checked[^>]*value="{theme.id}"', page.text)

    response = client.post(
        f"/organize/events/{event.id}/edit",
        data=GOOD | {"title": "Neu", "themes": [str(theme.id)], "voting_rule": "support"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (event.title, event.slug, event.phase) == ("Neu", "alt", Phase.COLLECTING)
    assert event.starts_at == dt.datetime(2030, 9, 14, 8, 0, tzinfo=dt.UTC)
    assert event.dot_budget is None


def test_edit_with_bad_input_keeps_the_event_unchanged(client, organizer):
    event = make_event(title="Alt", phase="voting", voting_rule="support")
    response = client.post(
        f"/organize/events/{event.id}/edit", data=GOOD | {"title": "Neu", "dot_budget": "3"}
    )
    assert response.status_code == 422
    assert "nicht mehr ändern" in field_error(response.text, "voting_rule")
    db.session.expire_all()
    assert event.title == "Alt"


def test_unknown_event_is_404(client, organizer):
    assert client.get("/organize/events/999/edit").status_code == 404
    assert client.post("/organize/events/999/phase", data={"step": "next"}).status_code == 404


def test_phase_buttons_move_the_event(client, organizer):
    event = make_event(phase="draft")
    listing = client.get("/organize/events").text
    assert "Weiter zu „Ideen sammeln“" in listing
    response = client.post(
        f"/organize/events/{event.id}/phase", data={"step": "next", "from_phase": "draft"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert event.phase is Phase.COLLECTING
    assert "ist jetzt in der Phase „Ideen sammeln“" in client.get("/organize/events").text

    # The same button sent twice (double click): one step only.
    client.post(f"/organize/events/{event.id}/phase", data={"step": "next", "from_phase": "draft"})
    db.session.expire_all()
    assert event.phase is Phase.COLLECTING

    client.post(
        f"/organize/events/{event.id}/phase", data={"step": "previous", "from_phase": "collecting"}
    )
    db.session.expire_all()
    assert event.phase is Phase.DRAFT


def test_opening_the_vote_without_a_published_idea_asks_first(client, organizer):
    """Without JavaScript: the button leads to a page that says why and asks; only its own
    button (confirmed=yes) opens the vote, cancelling changes nothing."""
    event = make_event(phase="collecting", title="Werkstatt Radwege")
    make_idea(event=event, status="pending")
    url = f"/organize/events/{event.id}/phase"
    response = client.post(url, data={"step": "next", "from_phase": "collecting"})
    assert response.status_code == 200
    page = response.text
    assert "Abstimmung ohne veröffentlichte Ideen starten?" in page
    assert "noch keine Idee veröffentlicht" in page and "Werkstatt Radwege" in page
    assert "1 Idee wartet noch auf die Freigabe durch die Moderation." in page
    assert 'name="confirmed" value="yes"' in page and 'name="from_phase" value="collecting"' in page
    assert "Trotzdem weiter zu „Abstimmung“" in page
    db.session.expire_all()
    assert event.phase is Phase.COLLECTING

    response = client.post(
        url, data={"step": "next", "from_phase": "collecting", "confirmed": "yes"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert event.phase is Phase.VOTING


def test_opening_the_vote_with_a_published_idea_does_not_ask(client, organizer):
    event = make_event(phase="collecting")
    make_idea(event=event)
    response = client.post(
        f"/organize/events/{event.id}/phase", data={"step": "next", "from_phase": "collecting"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert event.phase is Phase.VOTING


def test_a_forged_confirmation_value_is_400(client, organizer):
    event = make_event(phase="collecting")
    response = client.post(
        f"/organize/events/{event.id}/phase",
        data={"step": "next", "from_phase": "collecting", "confirmed": "maybe"},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert event.phase is Phase.COLLECTING


def test_refused_phase_step_is_explained(client, organizer):
    event = make_event(phase="closed")
    response = client.post(
        f"/organize/events/{event.id}/phase",
        data={"step": "next", "from_phase": "closed"},
        follow_redirects=True,
    )
    assert "bereits abgeschlossen" in response.text
    db.session.expire_all()
    assert event.phase is Phase.CLOSED


@pytest.mark.parametrize(
    "data", [{}, {"step": "sideways", "from_phase": "draft"}, {"step": "next", "from_phase": "x"}]
)
def test_malformed_phase_request_is_400(client, organizer, data):
    event = make_event(phase="draft")
    assert client.post(f"/organize/events/{event.id}/phase", data=data).status_code == 400
    db.session.expire_all()
    assert event.phase is Phase.DRAFT


def test_dashboard_links_themes_and_events(client, organizer):
    page = client.get("/organize")
    assert page.status_code == 200
    assert 'href="/organize/themes"' in page.text
    assert 'href="/organize/events"' in page.text
