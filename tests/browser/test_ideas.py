"""Ideas and votes in Chromium: submit, browse, filter, vote and retract (with and without
JavaScript, with the keyboard alone), and axe-core finds nothing on the idea pages."""

from __future__ import annotations

import itertools

import pytest

from ideenwerkstatt.extensions import db

from ..factories import DEFAULT_PASSWORD, make_event, make_idea, make_theme, make_user
from .helpers import assert_no_axe_violations, focused, login_via_ui

pytestmark = pytest.mark.browser

_unique = itertools.count(1)


def sign_in(page, live_server, next_path: str, role: str = "citizen"):
    """A new account of `role` on the live server, signed in through the login form."""
    with live_server.app.app_context():
        user = make_user(role=role)
        email, user_id = user.email, user.id
    login_via_ui(page, email, DEFAULT_PASSWORD, next_path)  # by field id: works in any language
    page.wait_for_url(f"**{next_path}")
    return user_id


@pytest.fixture
def ideas(live_server):
    """A theme with a published idea (support votes), a pending one, and an idea in a dots
    event; every title unique, as the live database is shared by the session's tests."""
    n = next(_unique)
    with live_server.app.app_context():
        theme = make_theme(name_de=f"Mobilität {n}", slug=f"mobilitaet-{n}")
        event = make_event(
            title=f"Werkstatt Mobilität {n}",
            slug=f"werkstatt-{n}",
            themes=[theme],
            phase="voting",
            voting_rule="dots",
            dot_budget=3,
        )
        published = make_idea(
            theme=theme,
            title=f"Mehr Fahrradständer {n}",
            body=f"Am Bahnhof fehlen **Plätze**. Stichwort radstand{n}",
        )
        pending = make_idea(theme=theme, status="pending", title=f"Wartende Idee {n}")
        dotted = make_idea(theme=theme, event=event, title=f"Bus im Takt {n}")
        db.session.commit()
        return {
            "n": n,
            "theme": theme.slug,
            "theme_name": theme.name_de,
            "published": published.id,
            "published_title": published.title,
            "pending": pending.id,
            "dotted": dotted.id,
        }


def count_text(page) -> str:
    return page.locator("[data-vote-count]").inner_text()


@pytest.mark.parametrize("locale", ["de-DE", "en-GB"])
def test_idea_pages_have_no_axe_violations(new_page, live_server, ideas, locale):
    visitor = new_page(locale=locale)
    for path in ("/ideas", f"/ideas?theme={ideas['theme']}&q=x", f"/ideas/{ideas['published']}"):
        assert visitor.goto(path).status == 200, path
        assert_no_axe_violations(visitor)

    citizen = new_page(locale=locale)
    sign_in(citizen, live_server, "/ideas/new")
    assert_no_axe_violations(citizen)
    # Sent back with errors.
    citizen.locator("#title").fill("ab")
    citizen.locator("#body").fill("kurz")
    citizen.locator("form.stacked button[type=submit]:not([name=check])").click()
    assert citizen.locator(".error-summary").is_visible()
    assert_no_axe_violations(citizen)
    for idea in ("published", "dotted"):
        citizen.goto(f"/ideas/{ideas[idea]}")
        assert_no_axe_violations(citizen)

    moderator = new_page(locale=locale)
    sign_in(moderator, live_server, f"/ideas/{ideas['pending']}", role="moderator")
    assert_no_axe_violations(moderator)
    moderator.goto("/ideas?status=pending")
    assert_no_axe_violations(moderator)


def test_citizen_submits_an_idea(page, live_server, ideas):
    sign_in(page, live_server, "/ideas/new")
    page.get_by_label("Thema").select_option(label=ideas["theme_name"])
    page.get_by_label("Titel").fill("Sitzbänke im Park")
    assert "Noch 103 Zeichen" in page.locator("#title-counter").inner_text()
    page.get_by_label("Beschreibung").fill("Im Stadtpark fehlen Bänke für ältere Menschen.")
    page.get_by_role("button", name="Idee einreichen").click()

    page.wait_for_url("**/ideas/*")
    assert page.locator("h1").inner_text() == "Sitzbänke im Park"
    assert "Wartet auf Freigabe" in page.locator(".idea-status").inner_text()
    assert "Danke" in page.locator(".flashes").inner_text()
    # Pending: not in the public list yet.
    page.goto(f"/ideas?theme={ideas['theme']}")
    assert page.get_by_role("link", name="Sitzbänke im Park").count() == 0


def test_submit_without_javascript_keeps_what_was_typed(page_nojs, live_server, ideas):
    page = page_nojs
    sign_in(page, live_server, "/ideas/new")
    page.get_by_label("Thema").select_option(label=ideas["theme_name"])
    page.get_by_label("Titel").fill("Gute Idee")
    page.get_by_label("Beschreibung").fill("zu kurz")
    page.get_by_role("button", name="Idee einreichen").click()
    assert page.locator(".error-summary").is_visible()
    assert page.get_by_label("Titel").input_value() == "Gute Idee"
    assert page.get_by_label("Beschreibung").input_value() == "zu kurz"
    page.get_by_label("Beschreibung").fill("Jetzt ist die Beschreibung lang genug.")
    page.get_by_role("button", name="Idee einreichen").click()
    page.wait_for_url("**/ideas/*")
    assert page.locator("h1").inner_text() == "Gute Idee"


def test_browse_and_filter(page, ideas):
    page.goto("/ideas")
    page.get_by_label("Suchbegriffe").fill(f"radstand{ideas['n']}")
    page.get_by_label("Thema").select_option(label=ideas["theme_name"])
    page.get_by_label("Sortierung").select_option(label="Meiste Stimmen zuerst")
    page.get_by_role("button", name="Ideen anzeigen").click()
    page.wait_for_url(f"**/ideas?*q=radstand{ideas['n']}*")
    assert "sort=votes" in page.url and f"theme={ideas['theme']}" in page.url
    assert page.locator("#results-heading").inner_text() == "1 Idee"
    page.get_by_role("link", name=ideas["published_title"]).click()
    page.wait_for_url(f"**/ideas/{ideas['published']}")
    assert page.locator(".idea-body strong").inner_text() == "Plätze"


def test_vote_and_retract_with_javascript(page, live_server, ideas):
    sign_in(page, live_server, f"/ideas/{ideas['published']}")
    assert count_text(page) == "0 Stimmen"
    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("() => { window.__noReload = true; }")

    page.get_by_role("button", name="Diese Idee unterstützen").click()
    page.get_by_role("button", name="Unterstützung zurücknehmen").wait_for()
    assert count_text(page) == "1 Stimme"
    live = page.locator("[data-vote-live]")
    live.filter(has_text="1 Stimme").wait_for(state="attached")
    assert "Danke" in live.text_content()
    assert focused(page)["text"] == "Unterstützung zurücknehmen"

    page.get_by_role("button", name="Unterstützung zurücknehmen").click()
    page.get_by_role("button", name="Diese Idee unterstützen").wait_for()
    assert count_text(page) == "0 Stimmen"
    assert page.evaluate("() => window.__noReload === true")

    page.reload()
    assert count_text(page) == "0 Stimmen"


def test_vote_and_retract_without_javascript(page_nojs, live_server, ideas):
    page = page_nojs
    sign_in(page, live_server, f"/ideas/{ideas['published']}")
    page.get_by_role("button", name="Diese Idee unterstützen").click()
    page.wait_for_url(f"**/ideas/{ideas['published']}")
    assert count_text(page) == "1 Stimme"
    assert "Danke" in page.locator(".flashes").inner_text()
    page.get_by_role("button", name="Unterstützung zurücknehmen").click()
    page.wait_for_url(f"**/ideas/{ideas['published']}")
    assert count_text(page) == "0 Stimmen"


def test_dots_with_javascript(page, live_server, ideas):
    sign_in(page, live_server, f"/ideas/{ideas['dotted']}")
    page.get_by_label("Anzahl Punkte").fill("2")
    page.get_by_role("button", name="Punkte geben").click()
    page.get_by_role("button", name="Meine Punkte zurücknehmen").wait_for()
    assert count_text(page) == "2 Punkte"
    assert "noch 1 von 3" in page.locator("[data-vote-controls]").inner_text()
    page.get_by_label("Anzahl Punkte").fill("2")
    page.get_by_role("button", name="Punkte geben").click()
    page.locator("[data-vote-live]").filter(has_text="Punkt übrig").wait_for(state="attached")
    assert "1 Punkt übrig" in page.locator("[data-vote-live]").text_content()
    assert count_text(page) == "2 Punkte"


def test_vote_with_the_keyboard_only(page, live_server, ideas):
    sign_in(page, live_server, f"/ideas/{ideas['published']}")
    for _ in range(60):
        page.keyboard.press("Tab")
        if focused(page)["text"] == "Diese Idee unterstützen":
            break
    else:
        pytest.fail("the vote button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Unterstützung zurücknehmen").wait_for()
    assert count_text(page) == "1 Stimme"
    # Focus moved to the new button: Space takes the vote back.
    assert focused(page)["text"] == "Unterstützung zurücknehmen"
    page.keyboard.press("Space")
    page.get_by_role("button", name="Diese Idee unterstützen").wait_for()
    assert count_text(page) == "0 Stimmen"


def test_visitor_is_asked_to_sign_in(page, ideas):
    page.goto(f"/ideas/{ideas['published']}")
    assert page.get_by_role("button", name="Diese Idee unterstützen").count() == 0
    page.get_by_role("link", name="Melden Sie sich an, um abzustimmen.").click()
    page.wait_for_load_state()
    assert "/account/login?next=" in page.url
