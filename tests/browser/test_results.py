"""Results people can find, in Chromium: once a summary is published, the start page
reaches it in one click and /events in two, with the keyboard and without JavaScript; the
event page leads to it and axe-core finds nothing there (also on a phone, and before
publication with the moderators' button and in the moderation queue)."""

from __future__ import annotations

import itertools

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.summaries import services

from ..factories import DEFAULT_PASSWORD, make_event, make_idea, make_theme, make_user, make_vote
from .helpers import assert_no_axe_violations, login_via_ui, tab_to

pytestmark = pytest.mark.browser

_numbers = itertools.count(1)


def _closed_event(live_server, publish: bool) -> dict:
    """A closed event with three voted ideas on the live server, its result published
    (through the services, as a moderator's publish does) when `publish`."""
    n = next(_numbers)
    with live_server.app.app_context():
        theme = make_theme(name_de=f"Ergebnis-Thema {n}", slug=f"find-thema-{n}")
        event = make_event(
            title=f"Werkstatt am Fluss {n}",
            slug=f"find-{n}",
            phase="closed",
            starts_in_days=-2,
            themes=[theme],
        )
        ideas = [
            make_idea(theme=theme, event=event, title=f"{title} {n}")
            for title in ("Fähre zum Park", "Bänke am Ufer", "Licht am Steg")
        ]
        voters = [make_user() for _ in range(3)]
        for count, idea in zip((3, 1, 2), ideas, strict=True):
            for voter in voters[:count]:
                make_vote(idea, voter)
        if publish:
            moderator = make_user(role="moderator")
            summary = services.start_summary(event, moderator)
            services.publish_summary(summary, moderator)
        db.session.commit()
        return {
            "slug": event.slug,
            "title": event.title,
            "ideas": [(idea.id, idea.title) for idea in ideas],
        }


@pytest.fixture
def result(live_server):
    return _closed_event(live_server, publish=True)


def _result_link(page, event):
    return page.locator(f"main a[href='/events/{event['slug']}/summary']")


def test_from_the_start_page_the_result_is_at_most_two_clicks_away(page, result):
    summary_url = f"**/events/{result['slug']}/summary"
    heading = f"Ergebnis: {result['title']}"

    # One click: the start page's newest results.
    page.goto("/")
    _result_link(page, result).first.click()
    page.wait_for_url(summary_url)
    assert page.get_by_role("heading", level=1).inner_text() == heading

    # Two clicks: the events in the menu, then the result on the event's card.
    page.goto("/")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Veranstaltungen"
    ).click()
    page.wait_for_url("**/events")
    page.locator(".event-card", has_text=result["title"]).get_by_role("link", name=heading).click()
    page.wait_for_url(summary_url)

    # The event page leads to it, and so does every idea of the event.
    page.goto(f"/events/{result['slug']}")
    page.get_by_role("link", name="Zum Ergebnis").click()
    page.wait_for_url(summary_url)
    idea_id, idea_title = result["ideas"][1]
    page.goto(f"/ideas/{idea_id}")
    page.locator(".idea-trail-summary a").click()
    page.wait_for_url(summary_url)
    assert page.get_by_role("link", name=idea_title).is_visible()


def test_the_result_is_reached_with_the_keyboard(page, result):
    page.goto("/")
    selector = f"main a[href='/events/{result['slug']}/summary']"
    tab_to(page, selector, limit=80)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/events/{result['slug']}/summary")
    page.goto(f"/events/{result['slug']}")
    tab_to(page, ".event-result a.button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/events/{result['slug']}/summary")


def test_the_links_work_without_javascript(page_nojs, result):
    page = page_nojs
    page.goto("/")
    page.get_by_role("link", name="Veranstaltungen", exact=True).first.click()
    page.wait_for_url("**/events")
    page.get_by_role("link", name=f"Ergebnis: {result['title']}").first.click()
    page.wait_for_url(f"**/events/{result['slug']}/summary")


def test_the_event_page_with_its_result_has_no_axe_violations(new_page, result):
    for locale in ("de-DE", "en-GB"):
        page = new_page(locale=locale)
        page.goto(f"/events/{result['slug']}")
        section = page.locator(".event-result")
        assert section.is_visible()
        # The top ideas by votes, each a link.
        titles = section.locator("ol a").all_inner_texts()
        assert titles == [result["ideas"][0][1], result["ideas"][2][1], result["ideas"][1][1]]
        assert_no_axe_violations(page)


def test_the_result_on_a_phone(new_page, result):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"/events/{result['slug']}")
    button = page.locator(".event-result a.button")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    # The result is on the first screens and nothing runs off the side.
    assert box["y"] < 1500
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_no_axe_violations(page)


def test_before_publication_visitors_are_told_and_moderators_start_it(new_page, live_server):
    event = _closed_event(live_server, publish=False)
    visitor = new_page()
    visitor.goto(f"/events/{event['slug']}")
    assert visitor.get_by_text("Das Ergebnis wird gerade zusammengestellt").is_visible()
    assert visitor.get_by_role("button", name="Ergebnis zusammenstellen").count() == 0
    assert_no_axe_violations(visitor)
    assert visitor.goto(f"/events/{event['slug']}/summary").status == 404

    with live_server.app.app_context():
        email = make_user(role="moderator").email
    moderator = new_page()
    login_via_ui(moderator, email, DEFAULT_PASSWORD, next_path="/moderation")
    entry = moderator.locator(f"#queue-result-{event['slug']}")
    assert entry.is_visible()
    assert_no_axe_violations(moderator)
    moderator.goto(f"/events/{event['slug']}/summary")
    moderator.wait_for_url(f"**/events/{event['slug']}/summary/edit")
    moderator.goto(f"/events/{event['slug']}")
    assert_no_axe_violations(moderator)
    tab_to(moderator, ".event-result-pending button", limit=60)
    moderator.keyboard.press("Enter")
    moderator.wait_for_url(f"**/events/{event['slug']}/summary/edit")
    assert moderator.get_by_role("button", name="Veröffentlichen").is_visible()
