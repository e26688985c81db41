"""The public pages in Chromium: axe-core finds nothing, the keyboard reaches everything,
they work without JavaScript and on a 320 px wide screen, and ask no other host for
anything (the `new_page` fixture fails a test on any third-party request)."""

from __future__ import annotations

import pytest

from ideenwerkstatt.extensions import db

from ..factories import DEFAULT_PASSWORD, make_user
from .conftest import PageWatch
from .helpers import assert_no_axe_violations, focused, tab_through

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/privacy", "/accessibility", "/imprint", "/easy-language"]
FOOTER_LINKS = ["/privacy", "/accessibility", "/easy-language", "/imprint"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_axe_violations_in_german_and_english(page, path):
    response = page.goto(path)
    assert response.status == 200
    assert page.get_attribute("html", "lang") == "de"
    assert_no_axe_violations(page)

    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"**{path}")
    assert page.get_attribute("html", "lang") == "en"
    assert_no_axe_violations(page)


def test_404_page_has_no_axe_violations(page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Seite nicht gefunden"
    assert_no_axe_violations(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    page.goto("/privacy")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["href"] == "#main" and "skip-link" in first["classes"]
    # Visible while focused (it waits off-screen otherwise).
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0 and box["width"] > 0
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # The next Tab continues in the main content, past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


def test_keyboard_alone_reaches_every_footer_link_with_visible_focus(page):
    page.goto("/")
    stops = tab_through(page)
    reached = {stop["href"] for stop in stops if stop["in_footer"]}
    assert set(FOOTER_LINKS) <= reached, [stop["href"] or stop["tag"] for stop in stops]

    page.goto("/imprint")
    for _ in range(5):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => {
                const s = getComputedStyle(document.activeElement);
                return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow};
            }"""
        )
        visible_outline = style["outline"] != "none" and style["width"] != "0px"
        assert style["shadow"] != "none" or visible_outline, (focused(page), style)


def test_language_switch_keeps_the_page_and_changes_the_language(page):
    page.goto("/accessibility")
    assert page.locator("h1").inner_text() == "Erklärung zur Barrierefreiheit"
    switch = page.get_by_role("link", name="English")
    assert switch.get_attribute("hreflang") == "en" and switch.get_attribute("lang") == "en"
    switch.click()
    page.wait_for_url("**/accessibility")
    assert page.locator("h1").inner_text() == "Accessibility statement"
    page.get_by_role("link", name="Deutsch").click()
    page.wait_for_url("**/accessibility")
    assert page.get_attribute("html", "lang") == "de"


def test_current_page_is_marked_in_the_footer_navigation(page):
    page.goto("/imprint")
    current = page.locator("footer [aria-current='page']")
    assert current.count() == 1 and current.get_attribute("href") == "/imprint"


def test_pages_work_without_javascript(page_nojs):
    for path in PUBLIC_PAGES:
        response = page_nojs.goto(path)
        assert response.status == 200, path
        assert page_nojs.locator("h1").is_visible(), path
        assert page_nojs.locator("footer a").count() >= len(FOOTER_LINKS), path
    # The language switch is a plain link.
    page_nojs.goto("/easy-language")
    page_nojs.get_by_role("link", name="English").click()
    page_nojs.wait_for_url("**/easy-language")
    assert page_nojs.locator("h1").inner_text() == "The Ideenwerkstatt in plain English"


def test_no_horizontal_scrolling_at_320_px(new_page):
    page = new_page(viewport={"width": 320, "height": 640})
    problems = {}
    for path in [*PUBLIC_PAGES, "/no-such-page"]:
        page.goto(path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        # Nothing may stick out of the page box either (wide tables scroll in their own box).
        sticking_out = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(el => !el.closest('.table-scroll, .visually-hidden, .skip-link'))
                .filter(el => el.getBoundingClientRect().right
                              > document.documentElement.clientWidth + 1)
                .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''))"""
        )
        if overflow > 0 or sticking_out:
            problems[path] = {"overflow_px": overflow, "elements": sticking_out[:10]}
    assert problems == {}


def test_privacy_inventory_table_scrolls_inside_a_focusable_region(new_page):
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/privacy")
    region = page.locator(".table-scroll")
    if region.count() == 0:
        pytest.skip("the personal-data inventory is empty")
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("role") == "region"
    assert page.evaluate(
        "() => { const r = document.querySelector('.table-scroll');"
        " return r.scrollWidth > r.clientWidth; }"
    )
    # Keyboard users scroll it with the arrow keys once it has focus.
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")


def test_print_leaves_out_the_navigation(page):
    page.goto("/privacy")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("footer nav").is_visible()
    assert page.locator("h1").is_visible()


def test_harness_notices_requests_to_other_hosts(browser, live_server):
    """The no-third-party check of every browser test, checked itself."""
    context = browser.new_context(base_url=live_server.url)
    try:
        watch = PageWatch(live_server)
        context.on("request", watch.on_request)
        context.route("http://tracker.invalid/**", lambda route: route.abort())
        page = context.new_page()
        page.goto("/imprint")
        page.evaluate(
            "() => { const img = new Image(); img.src = 'http://tracker.invalid/pixel.gif';"
            " document.body.append(img); }"
        )
        page.wait_for_timeout(200)
        assert watch.third_party == ["GET http://tracker.invalid/pixel.gif"]
    finally:
        context.close()


def test_flash_message_is_announced_after_a_redirect(new_page, live_server):
    with live_server.app.app_context():
        email = make_user().email
        db.session.remove()
    page = new_page()
    # Count what is added to the live region after the page's own parsing (that is what a
    # screen reader announces); installed before any page script runs.
    page.add_init_script(
        """window.__announced = [];
        new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(n => {
            if (r.target.id === 'flash-messages' && n.nodeType === 1 &&
                document.readyState !== 'loading') window.__announced.push(n.textContent.trim());
        }))).observe(document, {childList: true, subtree: true});"""
    )
    page.goto("/account/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/account")
    region = page.locator("#flash-messages[role='status']")
    assert region.inner_text().strip() == "Sie sind angemeldet."
    page.wait_for_function("() => window.__announced.length > 0")
    assert page.evaluate("() => window.__announced") == ["Sie sind angemeldet."]
    assert region.locator("p").count() == 1  # swapped, not duplicated
    assert_no_axe_violations(page)
