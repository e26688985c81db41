"""Events and themes in Chromium: axe-core finds nothing on the public pages and on the
organizers' pages (also with errors shown), and an organizer runs an event through its
first phase with the keyboard and without JavaScript."""

from __future__ import annotations

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus

from ..factories import DEFAULT_PASSWORD, make_event, make_theme, make_user
from .helpers import assert_no_axe_violations, tab_to

pytestmark = pytest.mark.browser


@pytest.fixture
def workshop(live_server):
    """A theme and a collecting event with one published idea, on the live server."""
    with live_server.app.app_context():
        theme = make_theme(name_de="Mobilität", name_en="Mobility", description_de="Bus und Rad")
        event = make_event(
            title="Hamm von Morgen: Mobilität",
            themes=[theme],
            phase="voting",
            voting_rule="dots",
            dot_budget=5,
            capacity=40,
            description="Wie kommen wir 2030 durch die Stadt?\n\nAlle sind eingeladen.",
        )
        db.session.add(
            Idea(
                theme=theme,
                event=event,
                title="Mehr Fahrradständer am Bahnhof",
                body="Es fehlen Plätze.",
                body_html="<p>Es fehlen Plätze.</p>",
                status=IdeaStatus.PUBLISHED,
            )
        )
        db.session.commit()
        return {"theme": theme.slug, "event": event.slug, "title": event.title}


def sign_in(page, live_server, role: str, next_path: str):
    """Create an account of `role` on the live server and sign in through the login form."""
    with live_server.app.app_context():
        email = make_user(role=role).email
    page.goto(f"/account/login?next={next_path}")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**{next_path}")


@pytest.mark.parametrize("locale", ["de-DE", "en-GB"])
def test_public_event_and_theme_pages_have_no_axe_violations(new_page, workshop, locale):
    page = new_page(locale=locale)
    for path in ("/events", f"/events/{workshop['event']}", f"/themes/{workshop['theme']}", "/"):
        response = page.goto(path)
        assert response.status == 200, path
        assert_no_axe_violations(page)
    page.goto(f"/events/{workshop['event']}")
    assert page.locator("h1").inner_text() == workshop["title"]
    assert page.get_by_role("link", name="Mehr Fahrradständer am Bahnhof").is_visible()


def test_draft_is_not_found_for_visitors(page, live_server):
    with live_server.app.app_context():
        slug = make_event(phase="draft").slug
    assert page.goto(f"/events/{slug}").status == 404


def test_organizer_pages_have_no_axe_violations(page, live_server, workshop):
    sign_in(page, live_server, "organizer", "/organize")
    for path in (
        "/organize",
        "/organize/themes",
        "/organize/themes/new",
        "/organize/events",
        "/organize/events/new",
    ):
        response = page.goto(path)
        assert response.status == 200, path
        assert_no_axe_violations(page)

    # A form sent back with its errors is checked too.
    page.goto("/organize/events/new")
    page.get_by_label("Titel").fill("Werkstatt ohne Ende")
    page.get_by_role("button", name="Als Entwurf anlegen").click()
    assert page.locator(".error-summary").is_visible()
    assert page.get_by_label("Titel").input_value() == "Werkstatt ohne Ende"
    assert_no_axe_violations(page)


def test_organizer_creates_and_opens_an_event_without_javascript(new_page, live_server):
    page = new_page(java_script_enabled=False)
    with live_server.app.app_context():
        theme_name = make_theme(name_de="Bildung für alle").name_de
    sign_in(page, live_server, "organizer", "/organize/events/new")

    page.get_by_label("Titel").fill("Lernen in Hamm")
    page.get_by_label("Ort").fill("Stadtbücherei")
    page.get_by_label("Beginn").fill("2031-03-01T10:00")
    page.get_by_label("Ende").fill("2031-03-01T15:00")
    page.get_by_role("group", name="Themen").get_by_label(theme_name).check()
    page.get_by_label("Punkte: ein Budget an Punkten pro Person").check()
    page.get_by_label("Punkte pro Person").fill("3")
    page.get_by_role("button", name="Als Entwurf anlegen").click()

    page.wait_for_url("**/organize/events")
    assert "als Entwurf angelegt" in page.locator(".flashes").inner_text()
    row = page.locator("tr", has_text="Lernen in Hamm")
    row.get_by_role("button", name="Weiter zu „Ideen sammeln“").click()
    assert "Ideen sammeln" in page.locator(".flashes").inner_text()

    visitor = new_page()
    response = visitor.goto("/events/lernen-in-hamm")
    assert response.status == 200
    assert "Samstag, 1. März 2031, 10:00 bis 15:00 Uhr" in visitor.locator("main").inner_text()
    assert "3 Punkte" in visitor.locator("main").inner_text()


def test_organizer_reorders_themes_with_the_keyboard(page, live_server):
    with live_server.app.app_context():
        first = make_theme(name_de="Aaa Erstes").name_de
        second = make_theme(name_de="Aaa Zweites").name_de
    sign_in(page, live_server, "organizer", "/organize/themes")
    button = page.locator("tr", has_text=second).get_by_role("button", name="Nach oben")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    names = page.locator("tbody th").all_inner_texts()
    assert names.index(second) < names.index(first)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_opening_the_vote_without_published_ideas_asks_first(new_page, live_server, javascript):
    """The confirmation page: axe finds nothing and the keyboard reaches its button (with
    JavaScript: axe and the focus checks need it), and it works without JavaScript;
    cancelling leaves the phase, confirming opens the vote."""
    page = new_page(java_script_enabled=javascript)
    with live_server.app.app_context():
        event = make_event(title="Werkstatt ohne Ideen", phase="collecting")
        event_id = event.id
    sign_in(page, live_server, "organizer", "/organize/events")
    row = page.locator("tr", has_text="Werkstatt ohne Ideen")
    row.get_by_role("button", name="Weiter zu „Abstimmung“").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Abstimmung ohne veröffentlichte Ideen starten?"
    if javascript:
        assert_no_axe_violations(page)

    page.get_by_role("link", name="Abbrechen").click()
    page.wait_for_url("**/organize/events#event-*")
    with live_server.app.app_context():
        assert db.session.get(type(event), event_id).phase == "collecting"

    page.locator("tr", has_text="Werkstatt ohne Ideen").get_by_role(
        "button", name="Weiter zu „Abstimmung“"
    ).click()
    confirm = page.get_by_role("button", name="Trotzdem weiter zu „Abstimmung“")
    with page.expect_navigation():
        if javascript:
            tab_to(page, "main form[action$='/phase'] button[type=submit]")
            page.keyboard.press("Enter")
        else:
            confirm.click()
    assert "ist jetzt in der Phase „Abstimmung“" in page.locator(".flashes").inner_text()
    with live_server.app.app_context():
        db.session.expire_all()
        assert db.session.get(type(event), event_id).phase == "voting"
