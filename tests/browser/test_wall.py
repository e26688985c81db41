"""The projector wall in Chromium: a citizen's vote shows on the open wall within 2 seconds
without a reload (through the stream), hidden numbers stay hidden until revealed from the
controls, the page works without JavaScript, and axe finds nothing on wall and controls."""

from __future__ import annotations

import time

import pytest

from ideenwerkstatt.database import commit
from ideenwerkstatt.livestate import services as live

from ..factories import make_event, make_idea, make_theme, make_user
from .helpers import assert_no_axe_violations, tab_to
from .test_events import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def evening(live_server):
    with live_server.app.app_context():
        theme = make_theme(name_de="Stadtgrün")
        event = make_event(phase="voting", themes=[theme], title="Werkstattabend")
        first = make_idea(theme=theme, event=event, title="Bäume in der Hauptstraße")
        second = make_idea(theme=theme, event=event, title="Trinkbrunnen am Markt")
        moderator = make_user(role="moderator")
        live.set_wall_mode(moderator, event, "voting")
        commit()
        return {"slug": event.slug, "event_id": event.id, "first": first.id, "second": second.id}


def bar_text(page, idea_id: int) -> str:
    return page.locator(f".wall-bar[data-id='{idea_id}']").inner_text()


def test_a_vote_shows_on_the_wall_within_two_seconds_without_reload(new_page, live_server, evening):
    wall = new_page()
    sign_in(wall, live_server, "moderator", f"/events/{evening['slug']}/wall")
    assert "0 Stimmen" in bar_text(wall, evening["first"])
    wall.evaluate("() => { window.__noReload = true; }")
    row = f".wall-bar[data-id='{evening['first']}']"
    wall.evaluate("(s) => { document.querySelector(s).__sameRow = true; }", row)

    phone = new_page(viewport={"width": 390, "height": 844})
    sign_in(phone, live_server, "citizen", f"/ideas/{evening['first']}")
    with phone.expect_response(lambda r: r.url.endswith("/vote")) as answer:
        phone.get_by_role("button", name="Diese Idee unterstützen").click()
    assert answer.value.status == 200
    answered = time.monotonic()
    wall.locator(f".wall-bar[data-id='{evening['first']}']").filter(has_text="1 Stimme").wait_for(
        timeout=2_000
    )
    delay = time.monotonic() - answered
    assert delay < 2.0
    assert wall.evaluate("() => window.__noReload === true")
    # Updated in place: the same row, moved and grown, not a redrawn list.
    assert wall.evaluate("(s) => document.querySelector(s).__sameRow === true", row)
    # Sorted: the idea with the vote comes first.
    assert wall.locator(".wall-bar").first.get_attribute("data-id") == str(evening["first"])
    assert_no_axe_violations(wall)


def test_hidden_numbers_stay_hidden_until_revealed(new_page, live_server, evening):
    controls = new_page()
    sign_in(controls, live_server, "moderator", f"/moderation/events/{evening['slug']}/live")
    assert_no_axe_violations(controls)
    with controls.expect_navigation():
        controls.get_by_role("button", name="Zahlen verbergen").click()

    wall = new_page()
    sign_in(wall, live_server, "organizer", f"/events/{evening['slug']}/wall")
    assert "Die Zahlen werden am Ende gezeigt." in wall.locator("#wall-content").inner_text()
    assert wall.locator(".wall-bar progress").count() == 0
    assert "Stimmen" not in wall.locator("#wall-content").inner_text()
    wall.evaluate("() => { window.__noReload = true; }")

    with controls.expect_navigation():
        controls.get_by_role("button", name="Zahlen zeigen").click()
    wall.locator(".wall-bar progress").first.wait_for(timeout=2_000)
    assert "0 Stimmen" in bar_text(wall, evening["first"])
    assert wall.evaluate("() => window.__noReload === true")


def test_wall_modes_and_the_timer_follow_the_controls(new_page, live_server, evening):
    wall = new_page()
    sign_in(wall, live_server, "moderator", f"/events/{evening['slug']}/wall")
    with live_server.app.app_context():
        from ideenwerkstatt.events.models import Event
        from ideenwerkstatt.extensions import db

        event = db.session.get(Event, evening["event_id"])
        moderator = make_user(role="moderator")
        live.set_wall_mode(moderator, event, "ideas")
        live.start_timer(moderator, event, 3)
        commit()
    wall.locator(".wall-card", has_text="Trinkbrunnen am Markt").wait_for(timeout=2_000)
    timer = wall.locator("#wall-timer")
    timer.wait_for(state="visible", timeout=2_000)
    assert timer.inner_text() in ("3:00", "2:59", "2:58")
    assert_no_axe_violations(wall)
    with live_server.app.app_context():
        event = db.session.get(Event, evening["event_id"])
        live.set_wall_mode(make_user(role="moderator"), event, "results")
        commit()
    wall.locator(".wall-ranking li").first.wait_for(timeout=2_000)
    assert_no_axe_violations(wall)


def test_wall_without_javascript_refreshes_itself(new_page, live_server, evening):
    wall = new_page(java_script_enabled=False)
    sign_in(wall, live_server, "moderator", f"/events/{evening['slug']}/wall")
    assert "Bäume in der Hauptstraße" in wall.locator("#wall-content").inner_text()
    refresh = wall.locator("noscript").first.inner_html()
    assert 'http-equiv="refresh"' in refresh


def test_controls_work_by_keyboard_on_a_phone(new_page, live_server, evening):
    controls = new_page(viewport={"width": 390, "height": 844})
    sign_in(controls, live_server, "moderator", f"/moderation/events/{evening['slug']}/live")
    # Tab reaches the chosen radio button ("voting"), arrows move within the group.
    tab_to(controls, "input[name=mode]:checked", limit=80)
    assert controls.locator("input[name=mode][value=voting]").is_checked()
    controls.keyboard.press("ArrowDown")
    assert controls.locator("input[name=mode][value=results]").is_checked()
    with controls.expect_navigation():
        controls.keyboard.press("Enter")
    assert "Ergebnis" in controls.locator("#status-mode").inner_text()
    tab_to(controls, "#minutes", limit=80)
    controls.keyboard.press("Control+A")
    controls.keyboard.type("7")
    with controls.expect_navigation():
        controls.keyboard.press("Enter")
    assert "läuft bis" in controls.locator("#status-timer").inner_text()
    assert_no_axe_violations(controls)
    for button in controls.locator("main button").all():
        box = button.bounding_box()
        if box and button.is_visible():
            assert round(box["height"]) >= 44, button.inner_text()
