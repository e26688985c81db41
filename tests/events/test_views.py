"""Public event pages and the start page's events and themes."""

import datetime as dt

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus

from ..factories import make_event, make_theme

MAY_17_2030_10H_BERLIN = dt.datetime(2030, 5, 17, 8, 0, tzinfo=dt.UTC)


def add_idea(event, theme, title, status=IdeaStatus.PUBLISHED):
    db.session.add(
        Idea(
            event=event,
            theme=theme,
            title=title,
            body="Text",
            body_html="<p>Text</p>",
            status=status,
        )
    )
    db.session.commit()


@pytest.fixture
def workshop(app):
    theme = make_theme(name_de="Mobilität", name_en="Mobility", slug="mobilitaet")
    return make_event(
        title="Hamm von Morgen: Mobilität",
        slug="hamm-mobilitaet",
        starts_at=MAY_17_2030_10H_BERLIN,
        hours=6,
        place="Rathaus, Sitzungssaal 2",
        themes=[theme],
        phase="voting",
        voting_rule="dots",
        dot_budget=5,
        capacity=40,
    )


def test_event_page_shows_details_in_local_time_and_plain_words(client, workshop):
    page = client.get("/events/hamm-mobilitaet")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Hamm von Morgen: Mobilität</h1>" in text
    assert "Freitag, 17. Mai 2030, 10:00 bis 16:00 Uhr" in text
    assert 'datetime="2030-05-17T08:00:00Z"' in text
    assert "Rathaus, Sitzungssaal 2" in text
    assert 'href="/themes/mobilitaet"' in text
    assert "Jetzt wird abgestimmt" in text
    assert "Jede Person hat 5 Punkte" in text
    assert ">40<" in text


def test_event_page_in_english_formats_dates_in_english(client, workshop):
    page = client.get("/events/hamm-mobilitaet", headers={"Accept-Language": "en"})
    assert "Friday, May 17, 2030" in page.text
    assert ">Mobility<" in page.text


def test_event_spanning_days_names_both_days(client):
    make_event(slug="zwei-tage", starts_at=MAY_17_2030_10H_BERLIN, hours=30)
    text = client.get("/events/zwei-tage").text
    assert "Freitag, 17. Mai 2030, 10:00 Uhr bis Samstag, 18. Mai 2030, 16:00 Uhr" in text


def test_event_page_lists_only_published_ideas(client, workshop):
    theme = workshop.themes[0]
    add_idea(workshop, theme, "Sichtbare Idee")
    add_idea(workshop, theme, "Wartende Idee", IdeaStatus.PENDING)
    add_idea(None, theme, "Idee ohne Veranstaltung")
    text = client.get("/events/hamm-mobilitaet").text
    assert "Sichtbare Idee" in text
    assert "Wartende Idee" not in text
    assert "Idee ohne Veranstaltung" not in text


def test_collecting_event_invites_ideas(client):
    make_event(slug="sammeln", phase="collecting")
    assert "/ideas/new?event=sammeln" in client.get("/events/sammeln").text
    make_event(slug="abgeschlossen", phase="closed")
    assert "/ideas/new" not in client.get("/events/abgeschlossen").text


@pytest.mark.parametrize("page", ["abc", "0", "2", "-1"])
def test_idea_pages_that_do_not_exist_are_404(client, workshop, page):
    assert client.get(f"/events/hamm-mobilitaet?page={page}").status_code == 404


def test_unknown_event_is_404(client):
    assert client.get("/events/gibt-es-nicht").status_code == 404


@pytest.mark.parametrize("role", [None, "citizen", "moderator"])
def test_draft_is_404_and_unlisted_for_non_organizers(client, auth, role):
    make_event(title="Geheimer Entwurf", slug="entwurf", phase="draft")
    if role:
        auth.login_as(role)
    assert client.get("/events/entwurf").status_code == 404
    assert "Geheimer Entwurf" not in client.get("/events").text
    assert "Geheimer Entwurf" not in client.get("/").text


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_organizers_see_drafts(client, auth, role):
    make_event(title="Geheimer Entwurf", slug="entwurf", phase="draft")
    auth.login_as(role)
    page = client.get("/events/entwurf")
    assert page.status_code == 200
    assert "nur das Organisationsteam" in page.text.replace("Nur", "nur")
    assert "Geheimer Entwurf" in client.get("/events").text
    assert "Geheimer Entwurf" not in client.get("/").text  # the start page is public


def test_event_list_puts_upcoming_before_past(client):
    make_event(title="Vergangen", phase="closed", starts_in_days=-20)
    make_event(title="Kommend", phase="collecting", starts_in_days=10)
    text = client.get("/events").text
    assert (
        text.index("Kommend") < text.index("Vergangene Veranstaltungen") < text.index("Vergangen<")
    )


def test_event_list_without_events_says_so(client):
    page = client.get("/events")
    assert page.status_code == 200
    assert "Gerade ist keine Veranstaltung geplant." in page.text


def test_start_page_shows_current_events_and_active_themes(client):
    theme = make_theme(name_de="Bildung", slug="bildung", description_de="Schulen und mehr")
    make_theme(name_de="Stillgelegt", active=False)
    make_event(title="Werkstatt Bildung", slug="werkstatt-bildung", themes=[theme])
    make_event(title="Lange vorbei", phase="closed", starts_in_days=-100)
    text = client.get("/").text
    assert 'href="/events/werkstatt-bildung"' in text
    assert 'href="/themes/bildung"' in text and "Schulen und mehr" in text
    assert "Stillgelegt" not in text
    assert "Lange vorbei" not in text


def test_event_list_runs_the_same_number_of_queries_for_any_number_of_events(app, client):
    from sqlalchemy import event as sa_event

    themes = [make_theme() for _ in range(3)]

    def queries_for_event_list() -> int:
        statements = []

        def count(*_args):
            statements.append(1)

        sa_event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/events").status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    make_event(themes=themes, starts_in_days=3)
    make_event(themes=themes, starts_in_days=-3, phase="closed")
    few = queries_for_event_list()
    for n in range(20):
        make_event(themes=themes, starts_in_days=n - 10, phase="voting")
    assert queries_for_event_list() == few
