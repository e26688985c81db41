"""Moderation in Chromium: a moderator works through a queue of ten ideas with the keyboard
alone (reject with a reason template, approve one by one, bulk approve the rest), and
axe-core finds nothing on the queue, the decision page, the reasons, the log and people."""

from __future__ import annotations

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus

from ..factories import make_idea, make_theme
from .helpers import assert_no_axe_violations, tab_to
from .test_events import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def ten_pending(live_server):
    with live_server.app.app_context():
        theme = make_theme(name_de="Bildung")
        ids = [
            make_idea(status="pending", theme=theme, title=f"Queue-Idee {n:02d}").id
            for n in range(10)
        ]
        return ids


def statuses(live_server, ids):
    with live_server.app.app_context():
        db.session.expire_all()
        rows = db.session.query(Idea).filter(Idea.id.in_(ids)).order_by(Idea.id).all()
        return [row.status for row in rows]


def press_enter_and_wait(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_moderator_works_through_ten_items_with_the_keyboard(page, live_server, ten_pending):
    sign_in(page, live_server, "moderator", "/moderation")
    assert_no_axe_violations(page)

    # 1: open the first item's decision page, pick a reason template, reject.
    tab_to(page, f"a[href='/moderation/ideas/{ten_pending[0]}']", limit=250)
    press_enter_and_wait(page)
    assert_no_axe_violations(page)
    tab_to(page, "#template", limit=250)
    page.keyboard.press("ArrowDown")
    tab_to(page, "form[action$='/reject'] button[type=submit]")
    press_enter_and_wait(page)
    page.goto("/moderation")

    # 2-4: approve one by one with the item's own button.
    for idea_id in ten_pending[1:4]:
        tab_to(page, f"form[action='/moderation/ideas/{idea_id}/approve'] button", limit=250)
        press_enter_and_wait(page)

    # 5-10: tick with the space bar, then the bulk button.
    for idea_id in ten_pending[4:]:
        tab_to(page, f"#select-{idea_id}", limit=250)
        page.keyboard.press("Space")
    tab_to(page, "button[form='bulk-form']", limit=250)
    press_enter_and_wait(page)

    assert statuses(live_server, ten_pending) == [IdeaStatus.REJECTED] + [IdeaStatus.PUBLISHED] * 9
    # (Other tests on the same live server may leave items of their own in the queue.)
    for idea_id in ten_pending:
        assert page.locator(f"#queue-idea-{idea_id}").count() == 0
    assert_no_axe_violations(page)


def test_moderation_pages_have_no_axe_violations(page, live_server):
    with live_server.app.app_context():
        idea_id = make_idea(status="published", title="Axe-Idee").id
    sign_in(page, live_server, "admin", "/moderation/log")
    for path in (
        "/moderation/log",
        "/moderation/reasons",
        f"/moderation/ideas/{idea_id}",
        "/organize/people?q=example",
    ):
        page.goto(path)
        assert_no_axe_violations(page)
    # With errors shown.
    page.goto("/moderation/reasons")
    page.locator("form[action='/moderation/reasons'] button[type=submit]").click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)


def test_idea_page_with_comments_has_no_axe_violations(page, live_server):
    from ..comments.factories import make_comment

    with live_server.app.app_context():
        idea = make_idea(status="published", title="Idee mit Kommentaren")
        top = make_comment(idea=idea, body="Ein **erster** Kommentar")
        make_comment(parent=top, idea=idea, body="Eine Antwort")
        idea_id = idea.id
    sign_in(page, live_server, "citizen", f"/ideas/{idea_id}")
    assert page.locator("#comments .comment").count() == 2
    assert_no_axe_violations(page)
    page.locator("form[action$='/comments'] button[type=submit]").last.click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    page.get_by_label("Ihr Kommentar").fill("Per Tastatur geschrieben")
    tab_to(page, "form[aria-labelledby='new-comment'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Per Tastatur geschrieben").count() == 1


def test_flag_form_has_no_axe_violations(page, live_server):

    with live_server.app.app_context():
        idea_id = make_idea(status="published", title="Idee zum Melden").id
    sign_in(page, live_server, "citizen", f"/ideas/{idea_id}")
    assert page.locator(f"a[href='/flags/new?kind=idea&object_id={idea_id}']").count() == 1
    page.goto(f"/flags/new?kind=idea&object_id={idea_id}")
    assert_no_axe_violations(page)
    page.locator("form[action='/flags/new'] button[type=submit]").click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)  # with the error shown
    page.get_by_label("Warum melden Sie diesen Beitrag?").fill("Werbung für ein Geschäft")
    page.locator("form[action='/flags/new'] button[type=submit]").click()
    page.wait_for_url(f"**/ideas/{idea_id}")
