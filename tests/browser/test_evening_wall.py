"""The evening in Chromium: a wall (opened with its secret link) and three phones, each in its
own browser context. A phone's vote shows on the wall within 2 seconds without a reload;
hidden numbers stay hidden on wall and phones until revealed; an idea approved in the live
console (by keyboard alone: Tab to it, "a") appears on the wall; the timer on wall and phone
agree within a second; axe finds nothing on wall, console and phone page."""

from __future__ import annotations

import re
import time

import pytest

from ideenwerkstatt.database import commit
from ideenwerkstatt.events.models import Event
from ideenwerkstatt.extensions import db
from ideenwerkstatt.live import services as live_services
from ideenwerkstatt.livestate import services as livestate

from ..factories import make_event, make_idea, make_live_session, make_theme, make_user
from .helpers import assert_no_axe_violations, tab_to
from .test_events import sign_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def evening(live_server):
    """A voting event (one vote per idea), two published ideas and one waiting, its evening
    on, the wall on the voting bars, and a wall link."""
    with live_server.app.app_context():
        theme = make_theme(name_de="Stadtgrün")
        event = make_event(phase="voting", themes=[theme], title="Werkstattabend")
        first = make_idea(theme=theme, event=event, title="Bäume in der Hauptstraße")
        second = make_idea(theme=theme, event=event, title="Trinkbrunnen am Markt")
        waiting = make_idea(theme=theme, event=event, title="Sitzbänke am Ufer", status="pending")
        make_idea(theme=theme, event=event, title="Mehr Parkplätze", status="pending")
        session = make_live_session(event)
        organizer = make_user(role="organizer")
        livestate.set_wall_mode(organizer, event, "voting")
        key = live_services.new_wall_key(organizer, event)
        commit()
        return {
            "slug": event.slug,
            "event_id": event.id,
            "code": session.join_code,
            "key": key,
            "first": first.id,
            "second": second.id,
            "waiting": waiting.id,
        }


def open_wall(new_page, evening):
    wall = new_page()
    assert wall.goto(f"/events/{evening['slug']}/wall?key={evening['key']}").status == 200
    wall.evaluate("() => { window.__noReload = true; }")
    return wall


def join_phone(new_page, evening):
    phone = new_page(**PHONE)
    phone.goto(f"/j/{evening['code']}")
    phone.get_by_label("Ja, ich bin einverstanden").check()
    phone.get_by_role("button", name="Mitmachen").click()
    phone.wait_for_url(f"**/events/{evening['slug']}/live")
    return phone


def bar(wall, idea_id: int):
    return wall.locator(f".wall-bar[data-id='{idea_id}']")


def seconds(text: str) -> int:
    minutes, secs = re.search(r"(\d+):(\d\d)", text).groups()
    return int(minutes) * 60 + int(secs)


def test_phones_votes_and_the_timer_reach_the_wall(new_page, live_server, evening):
    wall = open_wall(new_page, evening)
    corner = wall.locator("#wall-join")
    assert evening["code"] in corner.inner_text()
    assert corner.locator("svg.qr-code").count() == 1
    assert_no_axe_violations(wall)

    phones = [join_phone(new_page, evening) for _ in range(3)]
    wall.locator("#wall-participants", has_text="3").wait_for(timeout=2_000)
    assert_no_axe_violations(phones[0])

    for count, phone in enumerate(phones, start=1):
        button = phone.locator(f"#idea-{evening['first']} button", has_text="Unterstützen")
        with phone.expect_response(lambda r: r.url.endswith("/vote")) as answer:
            button.click()
        assert answer.value.status in (200, 302, 303)
        answered = time.monotonic()
        label = "1 Stimme" if count == 1 else f"{count} Stimmen"
        bar(wall, evening["first"]).filter(has_text=label).wait_for(timeout=2_000)
        assert time.monotonic() - answered < 2.0
    assert wall.evaluate("() => window.__noReload === true")
    assert wall.locator(".wall-bar").first.get_attribute("data-id") == str(evening["first"])

    # The timer from the console: wall and phone show the same time left, within a second.
    console = new_page()
    sign_in(console, live_server, "moderator", f"/moderation/events/{evening['slug']}/live")
    console.locator("#minutes").fill("5")
    with console.expect_navigation():
        console.get_by_role("button", name="Timer starten").click()
    wall_timer = wall.locator("#wall-timer")
    phone_timer = phones[1].locator("#live-timer")
    wall.locator("#wall-timer-box:not([hidden])").wait_for(timeout=2_000)
    phones[1].locator("#live-timer-box:not([hidden])").wait_for(timeout=3_000)
    phones[1].wait_for_function(
        "() => /^\\d+:\\d\\d$/.test(document.getElementById('live-timer').textContent)"
    )
    left_wall, left_phone = seconds(wall_timer.inner_text()), seconds(phone_timer.inner_text())
    assert 290 <= left_wall <= 300
    assert abs(left_wall - left_phone) <= 1
    assert_no_axe_violations(wall)
    assert_no_axe_violations(phones[1])


def test_hidden_numbers_and_an_approval_by_keyboard_in_the_console(new_page, live_server, evening):
    console = new_page()
    sign_in(console, live_server, "moderator", f"/moderation/events/{evening['slug']}/live")
    assert_no_axe_violations(console)
    with console.expect_navigation():
        console.get_by_role("button", name="Zahlen verbergen").click()

    wall = open_wall(new_page, evening)
    assert "Die Zahlen werden am Ende gezeigt." in wall.locator("#wall-content").inner_text()
    phone = join_phone(new_page, evening)
    with phone.expect_response(lambda r: r.url.endswith("/vote")):
        phone.locator(f"#idea-{evening['first']} button", has_text="Unterstützen").click()
    phone.locator(f"#idea-{evening['first']} button", has_text="Zurücknehmen").wait_for()
    time.sleep(1.0)  # time enough for the wall to show a count, were it leaking
    assert "Stimme" not in wall.locator("#wall-content").inner_text()
    assert wall.locator(".wall-bar progress").count() == 0
    phone.reload()
    assert "1 Stimme" not in phone.locator(f"#idea-{evening['first']}").inner_text()

    # The console by keyboard alone: Tab to the waiting idea, "a" approves it.
    console.reload()
    tab_to(console, ".live-queue-item", limit=60)
    assert console.evaluate("document.activeElement.matches('.live-queue-item')")
    assert "Sitzbänke am Ufer" in console.evaluate("document.activeElement.textContent")
    with console.expect_navigation():
        console.keyboard.press("a")
    assert "Freigegeben: Sitzbänke am Ufer" in console.locator("#flash-messages").inner_text()
    # Back at the queue, the next idea has the focus: "r" rejects it with the chosen reason.
    console.wait_for_function("document.activeElement.matches('.live-queue-item')")
    assert "Mehr Parkplätze" in console.evaluate("document.activeElement.textContent")
    with console.expect_navigation():
        console.keyboard.press("r")
    assert "Abgelehnt: Mehr Parkplätze" in console.locator("#flash-messages").inner_text()
    assert console.locator(".live-queue-item").count() == 0
    bar(wall, evening["waiting"]).wait_for(timeout=2_000)
    assert "Stimme" not in wall.locator("#wall-content").inner_text()

    # Revealed: the counts appear on the wall without a reload.
    tab_to(console, "form[action$='/numbers'] button", limit=80)
    with console.expect_navigation():
        console.keyboard.press("Enter")
    bar(wall, evening["first"]).filter(has_text="1 Stimme").wait_for(timeout=2_000)
    assert wall.evaluate("() => window.__noReload === true")
    assert_no_axe_violations(console)
    assert_no_axe_violations(wall)


def test_the_wall_link_revoked_shows_no_wall(new_page, live_server, evening):
    with live_server.app.app_context():
        event = db.session.get(Event, evening["event_id"])
        live_services.revoke_wall_key(make_user(role="organizer"), event)
        commit()
    visitor = new_page()
    response = visitor.goto(f"/events/{evening['slug']}/wall?key={evening['key']}")
    assert response.status == 403
    assert evening["code"] not in visitor.content()
