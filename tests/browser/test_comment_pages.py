"""An idea with more comments than fit on one page, in Chromium: axe-core finds nothing on
the first and the last page (German and English), the page links are reached and followed
with the keyboard and keep the #comments anchor, and they work without JavaScript."""

from __future__ import annotations

import datetime as dt

import pytest

from ideenwerkstatt.comments.services import COMMENTS_PER_PAGE
from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db

from ..factories import make_idea, make_user
from .helpers import assert_no_axe_violations, focus_is_visible, tab_to
from .test_events import sign_in

pytestmark = pytest.mark.browser

NEXT = "nav.pagination a[rel=next]"
PREV = "nav.pagination a[rel=prev]"


@pytest.fixture
def long_thread(live_server):
    """An idea with one page of comments and five more, the first with a reply."""
    from ..comments.factories import make_comment

    with live_server.app.app_context():
        idea = make_idea(status="published", title="Idee mit langer Diskussion")
        authors = [make_user(display_name=f"Person {n}", commit=False) for n in range(5)]
        start = utcnow() - dt.timedelta(days=1)
        for n in range(COMMENTS_PER_PAGE + 5):
            top = make_comment(
                idea=idea,
                author=authors[n % 5],
                body=f"Beitrag Nummer {n + 1}",
                created_at=start + dt.timedelta(minutes=n),
                commit=False,
            )
            if n == 0:
                make_comment(idea=idea, parent=top, author=authors[1], body="Eine Antwort")
        db.session.commit()
        return idea.id


def top_level_count(page) -> int:
    return page.locator("#comments .comment:not(.comment-reply)").count()


def test_comment_pages_by_keyboard_without_axe_violations(page, live_server, long_thread):
    sign_in(page, live_server, "citizen", f"/ideas/{long_thread}")
    assert top_level_count(page) == COMMENTS_PER_PAGE
    assert page.locator("#comments-heading").inner_text() == (
        f"Kommentare ({COMMENTS_PER_PAGE + 6})"
    )
    nav = page.get_by_role("navigation", name="Seiten der Kommentare")
    assert nav.count() == 1
    assert_no_axe_violations(page)

    tab_to(page, NEXT, limit=400)
    assert focus_is_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/ideas/{long_thread}?comments_page=2#comments")
    assert top_level_count(page) == 5
    assert page.get_by_text("Beitrag Nummer 35").count() == 1
    assert_no_axe_violations(page)

    # A comment written here lands on this (the last) page, scrolled to it.
    page.get_by_label("Ihr Kommentar").fill("Ganz neu, per Tastatur")
    tab_to(page, "form[aria-labelledby='new-comment'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "?comments_page=2#comment-" in page.url
    assert page.get_by_text("Ganz neu, per Tastatur").count() == 1

    page.locator("body").focus()
    tab_to(page, PREV, limit=400)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/ideas/{long_thread}#comments")
    assert page.get_by_text("Beitrag Nummer 1", exact=True).count() == 1


def test_comment_pages_in_english_have_no_axe_violations(new_page, long_thread):
    page = new_page(locale="en-GB")
    page.goto(f"/ideas/{long_thread}?comments_page=2")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("navigation", name="Pages of the comments").count() == 1
    assert page.get_by_role("link", name="Older comments").count() == 1
    assert_no_axe_violations(page)


def test_comment_pages_work_without_javascript(page_nojs, long_thread):
    page_nojs.goto(f"/ideas/{long_thread}")
    page_nojs.locator(NEXT).click()
    page_nojs.wait_for_url(f"**/ideas/{long_thread}?comments_page=2#comments")
    assert top_level_count(page_nojs) == 5
