"""Merging duplicates in Chromium: a moderator merges an idea into another from its page with
the keyboard alone and undoes it; without JavaScript on a 390 px phone, a bad number is
answered next to the field and a good one merges; axe-core finds nothing on the pages
(checked with JavaScript: axe cannot run in a page without it)."""

from __future__ import annotations

import itertools

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea

from ..factories import make_idea, make_theme, make_user
from .helpers import assert_field_error, assert_no_axe_violations, tab_to
from .test_idea_lists import small_targets
from .test_ideas import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
_unique = itertools.count(1)


@pytest.fixture
def duplicates(live_server):
    n = next(_unique)
    with live_server.app.app_context():
        theme = make_theme(name_de=f"Digitales {n}")
        target = make_idea(theme=theme, title=f"Freies WLAN am Marktplatz {n}")
        source = make_idea(theme=theme, title=f"WLAN in der Innenstadt {n}")
        from ideenwerkstatt.votes.services import cast_vote

        cast_vote(make_user(), source)
        db.session.commit()
        return {"source": source.id, "target": target.id}


def state(live_server, idea_id):
    with live_server.app.app_context():
        db.session.expire_all()
        idea = db.session.get(Idea, idea_id)
        return idea.status, idea.vote_count


def press_enter_and_wait(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_merge_and_undo_from_the_idea_page_with_the_keyboard(page, live_server, duplicates):
    source, target = duplicates["source"], duplicates["target"]
    sign_in(page, live_server, f"/ideas/{source}", role="moderator")
    assert_no_axe_violations(page)
    tab_to(page, f"a[href='/ideas/{source}/merge']", limit=150)
    press_enter_and_wait(page)
    assert_no_axe_violations(page)
    tab_to(page, "#target", limit=80)
    page.keyboard.type("12x")
    tab_to(page, "form[action$='/merge'] button[type=submit]")
    press_enter_and_wait(page)
    assert "zum Beispiel 42" in assert_field_error(page, "target")
    assert_no_axe_violations(page)  # the answer with the message next to the field
    page.fill("#target", "")
    tab_to(page, "#target", limit=80)
    page.keyboard.type(str(target))
    tab_to(page, "form[action$='/merge'] button[type=submit]")
    press_enter_and_wait(page)
    assert page.url.endswith(f"/ideas/{target}")
    assert state(live_server, source) == ("merged", 0)
    assert state(live_server, target) == ("published", 1)
    assert page.get_by_role("heading", name="Zusammengeführte Ideen").is_visible()
    assert_no_axe_violations(page)

    # The old address leads here, with a word on why.
    page.goto(f"/ideas/{source}")
    assert page.url.endswith(f"/ideas/{target}")
    assert "wurde mit dieser Idee zusammengeführt" in page.locator("#flash-messages").inner_text()

    tab_to(page, "form[action$='/undo'] button", limit=150)
    press_enter_and_wait(page)
    assert page.url.endswith(f"/ideas/{source}")
    assert state(live_server, source) == ("published", 1)
    assert state(live_server, target) == ("published", 0)
    assert_no_axe_violations(page)


def test_merge_without_javascript_on_a_phone(new_page, live_server, duplicates):
    source, target = duplicates["source"], duplicates["target"]
    page = new_page(java_script_enabled=False, viewport=PHONE)
    sign_in(page, live_server, f"/ideas/{source}/merge", role="moderator")
    assert small_targets(page) == [], "\n".join(small_targets(page))
    assert page.eval_on_selector("html", "el => el.scrollWidth") <= PHONE["width"]

    page.fill("#target", str(source))  # into itself
    with page.expect_response(lambda answer: answer.request.method == "POST") as answer:
        page.get_by_role("button", name="Zusammenführen").click()
    assert answer.value.status == 422
    assert "mit sich selbst" in assert_field_error(page, "target")
    assert page.input_value("#target") == str(source)  # what was typed is still there

    page.fill("#target", f"{live_server.url}/ideas/{target}")  # an address works too
    page.get_by_role("button", name="Zusammenführen").click()
    page.wait_for_url(f"**/ideas/{target}")
    assert state(live_server, source) == ("merged", 0)
    assert small_targets(page) == [], "\n".join(small_targets(page))
