"""The lists of ideas in Chromium: vote from the list with and without JavaScript and with
the keyboard alone; on a 390 px phone the first screen shows ideas, the menu keeps to two
rows and every target is at least 44 by 44 px; axe-core finds nothing."""

from __future__ import annotations

import itertools

import pytest

from ideenwerkstatt.extensions import db

from ..factories import make_event, make_idea, make_theme
from .helpers import assert_no_axe_violations, focused, tab_to
from .test_ideas import sign_in

pytestmark = pytest.mark.browser

_unique = itertools.count(1)
PHONE = {"width": 390, "height": 844}
TARGET = 44  # CSS pixels, WCAG 2.5.5


@pytest.fixture
def listed(live_server):
    """A theme with an idea taking support votes and a dots event (budget 3) with two ideas;
    titles unique per test, as the live database is shared."""
    n = 1000 + next(_unique)
    with live_server.app.app_context():
        theme = make_theme(name_de=f"Grünflächen {n}", slug=f"gruen-{n}")
        event = make_event(
            title=f"Punkte-Werkstatt {n}",
            slug=f"punkte-{n}",
            themes=[theme],
            phase="voting",
            voting_rule="dots",
            dot_budget=3,
        )
        support = make_idea(theme=theme, title=f"Bäume am Markt {n}")
        dots = [make_idea(theme=theme, event=event, title=f"Wiese {n}-{i}") for i in (1, 2)]
        db.session.commit()
        return {
            "n": n,
            "theme": theme.slug,
            "event": event.slug,
            "support": support.id,
            "dots": [idea.id for idea in dots],
        }


def card(page, idea_id: int):
    return page.locator(f"#idea-{idea_id}")


def test_vote_from_the_list_with_javascript(page, live_server, listed):
    sign_in(page, live_server, f"/themes/{listed['theme']}")
    assert_no_axe_violations(page)
    page.evaluate("() => { window.__noReload = true; }")
    box = card(page, listed["support"])
    assert box.locator("[data-vote-count]").inner_text() == "0 Stimmen"

    box.get_by_role("button", name="Unterstützen").click()
    box.get_by_role("button", name="Zurücknehmen").wait_for()
    assert box.locator("[data-vote-count]").inner_text() == "1 Stimme"
    box.locator("[data-vote-live]").filter(has_text="Danke").wait_for(state="attached")
    assert focused(page)["text"] == "Zurücknehmen"
    # The button says which idea it is for.
    described = box.get_by_role("button", name="Zurücknehmen").get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text().startswith("Bäume am Markt")
    assert_no_axe_violations(page)

    box.get_by_role("button", name="Zurücknehmen").click()
    box.get_by_role("button", name="Unterstützen").wait_for()
    assert box.locator("[data-vote-count]").inner_text() == "0 Stimmen"
    assert page.evaluate("() => window.__noReload === true")


def test_dots_from_the_event_page_update_the_budget_above_the_list(page, live_server, listed):
    sign_in(page, live_server, f"/events/{listed['event']}")
    budget = page.locator(".dot-budgets")
    assert "noch 3 von 3 übrig" in budget.inner_text()
    first, second = (card(page, idea_id) for idea_id in listed["dots"])
    first.get_by_role("button", name="Einen Punkt geben").click()
    first.get_by_text("Ihre Punkte hier: 1").wait_for()
    first.get_by_role("button", name="Einen Punkt geben").click()
    first.get_by_text("Ihre Punkte hier: 2").wait_for()
    assert first.locator("[data-vote-count]").inner_text() == "2 Punkte"
    assert "noch 1 von 3 übrig" in budget.inner_text()
    second.get_by_role("button", name="Einen Punkt geben").click()
    second.get_by_text("Ihre Punkte hier: 1").wait_for()
    assert "noch 0 von 3 übrig" in budget.inner_text()
    # The budget is used up: the first card's button (shown before) is refused with the
    # reason, in place, and goes.
    first.get_by_role("button", name="Einen Punkt geben").click()
    first.locator("[data-vote-live]").filter(has_text="alle Ihre Punkte").wait_for(state="attached")
    assert first.get_by_role("button", name="Einen Punkt geben").count() == 0
    first.get_by_role("button", name="Punkte zurücknehmen").click()
    first.get_by_role("button", name="Einen Punkt geben").wait_for()
    assert "noch 2 von 3 übrig" in budget.inner_text()
    assert page.locator(".dot-budgets").count() == 1
    assert_no_axe_violations(page)


def post_and_return(page, button, path: str, idea_id: int) -> None:
    """Press a vote button (a plain form post): the browser comes back to the idea's card
    in the same list."""
    with page.expect_navigation():
        button.click()
    assert page.url.endswith(f"{path}#idea-{idea_id}"), page.url


def test_vote_from_the_list_without_javascript(page_nojs, live_server, listed):
    page = page_nojs
    path = f"/ideas?theme={listed['theme']}"
    sign_in(page, live_server, path)
    box = card(page, listed["support"])
    post_and_return(page, box.get_by_role("button", name="Unterstützen"), path, listed["support"])
    assert "Danke" in page.locator(".flashes").inner_text()
    assert box.locator("[data-vote-count]").inner_text() == "1 Stimme"
    assert "Sie unterstützen diese Idee." in box.inner_text()

    dotted = card(page, listed["dots"][0])
    post_and_return(
        page, dotted.get_by_role("button", name="Einen Punkt geben"), path, listed["dots"][0]
    )
    assert "noch 2 von 3 übrig" in page.locator(".dot-budgets").inner_text()
    assert dotted.locator("[data-vote-count]").inner_text() == "1 Punkt"

    post_and_return(page, box.get_by_role("button", name="Zurücknehmen"), path, listed["support"])
    assert box.locator("[data-vote-count]").inner_text() == "0 Stimmen"
    # (axe-core needs JavaScript: the same markup is checked in the test above.)


def test_vote_from_the_list_with_the_keyboard_only(page, live_server, listed):
    sign_in(page, live_server, f"/ideas?theme={listed['theme']}")
    button = f"#idea-{listed['support']} button[type=submit]"
    tab_to(page, button, limit=80)
    assert focused(page)["text"] == "Unterstützen"
    page.keyboard.press("Enter")
    card(page, listed["support"]).get_by_role("button", name="Zurücknehmen").wait_for()
    assert focused(page)["text"] == "Zurücknehmen"
    page.keyboard.press("Space")
    card(page, listed["support"]).get_by_role("button", name="Unterstützen").wait_for()
    assert card(page, listed["support"]).locator("[data-vote-count]").inner_text() == "0 Stimmen"


def test_visitor_sees_one_sign_in_link_in_the_list(page, listed):
    page.goto(f"/themes/{listed['theme']}")
    assert page.locator("main form[data-vote-form]").count() == 0
    link = page.get_by_role("link", name="Melden Sie sich an, um für diese Ideen abzustimmen.")
    assert link.count() == 1
    with page.expect_navigation():
        link.click()
    assert "/account/login?next=" in page.url and listed["theme"] in page.url


@pytest.mark.parametrize("signed_in", [False, True])
def test_phone_first_screen_shows_ideas(new_page, live_server, listed, signed_in):
    page = new_page(viewport=PHONE)
    if signed_in:
        sign_in(page, live_server, "/ideas")
    else:
        page.goto("/ideas")
    first_card = page.locator(".idea-card").first.bounding_box()
    assert first_card is not None and first_card["y"] < PHONE["height"], first_card
    # The filters are folded, reachable by keyboard and announced as a button.
    filters = page.locator("details.filters")
    assert filters.get_attribute("open") is None
    tab_to(page, "details.filters > summary", limit=40)
    page.keyboard.press("Enter")
    assert filters.get_attribute("open") is not None
    assert page.get_by_label("Suchbegriffe").is_visible()
    assert_no_axe_violations(page)
    # The menu keeps to two rows of 44 px targets.
    tops = page.eval_on_selector_all(
        ".main-nav li", "items => items.map(li => Math.round(li.getBoundingClientRect().top))"
    )
    assert len(set(tops)) <= 2, tops


def test_filters_open_while_one_is_active(new_page, listed):
    page = new_page(viewport=PHONE)
    page.goto(f"/ideas?theme={listed['theme']}")
    assert page.locator("details.filters").get_attribute("open") is not None
    wide = new_page()
    wide.goto("/ideas")
    assert wide.locator("details.filters").get_attribute("open") is not None  # by site.js


def small_targets(page) -> list[str]:
    """Visible links, buttons, summaries and fields in the menus and the main content
    smaller than 44 by 44 px (links inside running text are exempt: none here)."""
    return page.eval_on_selector_all(
        "header a, header button, main a, main button, main summary, main input:not([type=hidden]),"
        " main select, footer nav a",
        """(items, min) => items.filter(el => {
            const box = el.getBoundingClientRect();
            if (!box.width || !box.height) { return false; }  // not shown (folded, hidden)
            if (el.classList.contains('skip-link')) { return false; }  // off screen until focused
            return box.width < min || box.height < min;
        }).map(el => {
            const box = el.getBoundingClientRect();
            const text = (el.innerText || el.value || el.name || '').trim().split('\\n')[0];
            return `${el.tagName} "${text}" ${box.width.toFixed(1)}x${box.height.toFixed(1)}`;
        })""",
        TARGET,
    )


@pytest.mark.parametrize("signed_in", [False, True])
def test_touch_targets_on_a_phone(new_page, live_server, listed, signed_in):
    page = new_page(viewport=PHONE)
    path = f"/ideas?theme={listed['theme']}"  # filters open, vote buttons on the cards
    if signed_in:
        sign_in(page, live_server, path)
    else:
        page.goto(path)
    assert page.locator(".idea-card").count() == 3
    assert small_targets(page) == [], "\n".join(small_targets(page))
    others = (
        f"/themes/{listed['theme']}",
        f"/events/{listed['event']}",
        "/ideas",
        f"/ideas/{listed['support']}",
        "/events",
        "/",
    )
    for other in others:
        page.goto(other)
        assert small_targets(page) == [], f"{other}: " + "\n".join(small_targets(page))


@pytest.mark.parametrize("role", ["moderator", "organizer", "admin"])
def test_phone_menu_keeps_to_two_rows_for_every_role(new_page, live_server, role):
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, "/ideas", role=role)
    tops = page.eval_on_selector_all(
        ".main-nav li", "items => items.map(li => Math.round(li.getBoundingClientRect().top))"
    )
    assert len(set(tops)) <= 2, tops
    assert small_targets(page) == [], "\n".join(small_targets(page))
