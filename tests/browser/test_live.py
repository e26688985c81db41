"""The evening in Chromium on a 390x844 phone: the organizer's QR code (rendered to PNG and
decoded with zbar) leads to the join page; joining takes two interactions, no e-mail; an
idea goes to moderation; dots are spent until none are left. With and without JavaScript,
axe-clean, by keyboard alone, with touch targets of at least 44 px."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from ideenwerkstatt.events.models import Event, Phase
from ideenwerkstatt.extensions import db

from ..factories import make_event, make_idea, make_live_session, make_theme
from .helpers import assert_no_axe_violations, tab_to
from .test_events import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools missing"),
]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def evening(live_server):
    """A collecting event with the dots rule (3 dots), two published ideas, its evening on."""
    with live_server.app.app_context():
        theme = make_theme(name_de="Digitalisierung", name_en="Digitalisation")
        event = make_event(
            title="Hamm von Morgen: Digitalisierung",
            themes=[theme],
            phase="collecting",
            voting_rule="dots",
            dot_budget=3,
        )
        for title in ("Freies WLAN im Rathaus", "Digitale Sprechstunde"):
            make_idea(event=event, theme=theme, title=title)
        live = make_live_session(event)
        return {"id": event.id, "slug": event.slug, "code": live.join_code}


def _set_phase(live_server, event_id: int, phase: Phase) -> None:
    with live_server.app.app_context():
        db.session.get(Event, event_id).phase = phase
        db.session.commit()


def decoded_qr_url(page, tmp_path) -> str:
    """Screenshot the organizer page's inline SVG QR code and decode it with zbarimg."""
    path = tmp_path / "qr.png"
    page.locator("svg.qr-code").screenshot(path=str(path))
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def small_targets(page) -> list[str]:
    """Buttons and form controls in the main content smaller than 44 x 44 CSS pixels
    (checkboxes and radios count with their label, which is part of the target)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                'main button, main select, main input:not([type=hidden]), main textarea')]
            .filter(el => {
                const target = (el.type === 'checkbox' || el.type === 'radio')
                    ? el.closest('.checkbox, .radio') : el;
                const r = target.getBoundingClientRect();
                return r.height < 44 || r.width < 44;
            })
            .map(el => el.outerHTML.slice(0, 80))"""
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_phone_joins_from_the_qr_code_submits_and_spends_every_dot(
    new_page, live_server, evening, tmp_path, javascript
):
    organizer = new_page()
    sign_in(organizer, live_server, "organizer", f"/organize/events/{evening['id']}/live")
    assert_no_axe_violations(organizer)
    url = decoded_qr_url(organizer, tmp_path)
    assert url == live_server(f"/j/{evening['code']}")
    assert organizer.locator("#join-url").inner_text() == url

    phone = new_page(java_script_enabled=javascript, **PHONE)
    assert phone.goto(url).status == 200
    assert phone.locator("input[type=email], input[type=password]").count() == 0
    if javascript:  # axe and the size check run scripts in the page
        assert_no_axe_violations(phone)
        assert small_targets(phone) == []
    # Joining: tick the box, press the button. Two interactions.
    phone.get_by_label("Ja, ich bin einverstanden").check()
    phone.get_by_role("button", name="Mitmachen").click()
    phone.wait_for_url(f"**/events/{evening['slug']}/live")
    if javascript:
        assert_no_axe_violations(phone)
        assert small_targets(phone) == []

    phone.get_by_label("Ihre Idee in einem Satz").fill("Tablets in der Stadtbücherei")
    phone.get_by_role("button", name="Idee abschicken").click()
    phone.wait_for_url("**#my-ideas")
    mine = phone.locator("section[aria-labelledby=my-ideas]")
    assert "Tablets in der Stadtbücherei" in mine.inner_text()
    assert "Wartet auf Freigabe" in mine.inner_text()

    _set_phase(live_server, evening["id"], Phase.VOTING)
    phone.reload()
    assert "noch 3 Punkte" in phone.locator("#dots-left").inner_text()
    assert phone.locator("#dots-left").get_attribute("role") == "status"
    if javascript:
        phone.evaluate("window.stillTheSamePage = true")
    for left in (2, 1, 0):
        phone.get_by_role("button", name="Punkt geben").first.click()
        # With JavaScript the page updates in place; without, the form redirects back.
        expect(phone.locator("#dots-left")).to_contain_text(f"noch {left} Punkt")
        expect(phone.locator("#flash-messages")).to_contain_text(f"Noch übrig: {left}.")
    if javascript:  # no reload; focus stays on the idea voted for
        assert phone.evaluate("window.stillTheSamePage === true")
        assert phone.evaluate("document.activeElement.closest('li').id").startswith("idea-")
    assert phone.get_by_role("button", name="Punkt geben").count() == 0
    if javascript:
        assert_no_axe_violations(phone)


def test_joining_and_taking_part_by_keyboard_alone(new_page, live_server, evening):
    phone = new_page(**PHONE)
    phone.goto(f"/j/{evening['code']}")
    tab_to(phone, "#consent")
    phone.keyboard.press("Space")
    tab_to(phone, "form.live-join button[type=submit]")
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert phone.url.endswith(f"/events/{evening['slug']}/live")

    tab_to(phone, "#title")
    phone.keyboard.type("Ein Repair-Café für Handys")
    tab_to(phone, "form[action$='/live/ideas'] button.big")
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert "Ein Repair-Café für Handys" in phone.locator("#my-ideas + ul").inner_text()

    _set_phase(live_server, evening["id"], Phase.VOTING)
    phone.reload()
    tab_to(phone, "form[action$='/vote'] button[type=submit]", limit=80)
    phone.keyboard.press("Enter")
    expect(phone.locator("#dots-left")).to_contain_text("noch 2 Punkte")
    # Focus stays where the person was: on the idea's buttons.
    assert phone.evaluate("document.activeElement.tagName") == "BUTTON"


def test_my_data_keep_as_account_and_refusals_are_axe_clean_and_withdrawal_works(
    new_page, live_server, evening
):
    phone = new_page(**PHONE)
    phone.goto("/j/NOPE9")
    assert "Diesen Code kennen wir nicht" in phone.locator("main").inner_text()
    assert_no_axe_violations(phone)
    phone.goto(f"/j/{evening['code']}")
    phone.get_by_label("Ihr Name für heute Abend").fill("Eule")
    phone.get_by_label("Ja, ich bin einverstanden").check()
    phone.get_by_role("button", name="Mitmachen").click()
    phone.wait_for_url(f"**/events/{evening['slug']}/live")

    phone.get_by_role("link", name="Als Konto behalten").click()
    assert_no_axe_violations(phone)
    phone.get_by_role("button", name="Bestätigungslink schicken").click()
    assert phone.locator(".error-summary").is_visible()
    assert_no_axe_violations(phone)
    assert small_targets(phone) == []

    phone.goto(f"/events/{evening['slug']}/live/me")
    assert "Eule" in phone.locator("main").inner_text()
    assert_no_axe_violations(phone)
    phone.get_by_label("Mit meiner Teilnahme löschen").check()
    phone.get_by_role("button", name="Meine Teilnahme löschen").click()
    phone.wait_for_url(f"**/events/{evening['slug']}")
    assert "Ihre Teilnahme ist gelöscht." in phone.locator("#flash-messages").inner_text()
    assert phone.goto(f"/events/{evening['slug']}/live/me").url.endswith(
        f"/account/login?next=%2Fevents%2F{evening['slug']}%2Flive%2Fme"
    )
