"""Similar ideas while writing, in Chromium on a 390 px phone: typing a title shows published
ideas like it in a polite live region (JavaScript), the check button does the same without
JavaScript and keeps what was typed; only published ideas; axe finds nothing; the links are
touch targets of at least 44 px; no request leaves our server (the page watch checks)."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea

from ..factories import make_event, make_idea, make_live_session, make_theme
from .helpers import assert_no_axe_violations
from .test_ideas import sign_in
from .test_live import small_targets

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
_unique = itertools.count(1)


def _letters(n: int) -> str:
    """A number as letters: a word of its own that no other test's idea contains."""
    return "".join("bcdfghjklm"[int(digit)] for digit in str(n))


@pytest.fixture
def similar(live_server):
    n = next(_unique)
    word = f"Zorbelweg{_letters(n)}"
    with live_server.app.app_context():
        theme = make_theme(name_de=f"Verkehr {n}", slug=f"verkehr-{n}")
        event = make_event(title=f"Abend {n}", themes=[theme], phase="collecting")
        published = make_idea(theme=theme, title=f"{word} zur Gesamtschule", vote_count=4)
        make_idea(theme=theme, title=f"{word} noch in Prüfung", status="pending")
        make_idea(theme=theme, title=f"{word} ausgeblendet", status="hidden")
        evening_idea = make_idea(theme=theme, event=event, title=f"{word} am Abend")
        live = make_live_session(event)
        db.session.commit()
        return {
            "word": word,
            "theme": theme.slug,
            "title": published.title,
            "id": published.id,
            "evening_title": evening_idea.title,
            "slug": event.slug,
            "code": live.join_code,
        }


def _idea_count(live_server) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(func.count(Idea.id)))


def test_typing_a_title_shows_similar_published_ideas(new_page, live_server, similar):
    page = new_page(**PHONE)
    sign_in(page, live_server, "/ideas/new")
    region = page.locator("#similar-ideas")
    expect(region).to_have_attribute("aria-live", "polite")
    page.locator("#title").press_sequentially(f"Neuer {similar['word']}e bitte", delay=20)
    link = region.get_by_role("link", name=similar["title"])
    expect(link).to_be_visible()
    assert link.get_attribute("href") == f"/ideas/{similar['id']}"
    expect(region).to_contain_text("4 Stimmen")
    assert "noch in Prüfung" not in region.inner_text()
    assert "ausgeblendet" not in region.inner_text()
    assert page.locator("#title").input_value() == f"Neuer {similar['word']}e bitte"
    assert_no_axe_violations(page)
    # (The honeypot is off-screen on purpose: nobody is meant to touch it.)
    assert [t for t in small_targets(page) if 'id="website"' not in t] == []
    check = page.get_by_role("button", name="Ähnliche Ideen prüfen").bounding_box()
    assert check["height"] >= 44 and check["width"] >= 44
    box = link.bounding_box()
    assert box["height"] >= 44
    # Emptying the title empties the hint.
    page.locator("#title").fill("")
    page.locator("#title").press_sequentially("ab", delay=20)
    expect(region).to_be_empty()


def test_check_button_without_javascript(new_page, live_server, similar):
    page = new_page(java_script_enabled=False, **PHONE)
    sign_in(page, live_server, "/ideas/new")
    before = _idea_count(live_server)
    page.select_option("#theme", similar["theme"])
    page.fill("#title", f"Ein {similar['word']} für alle")
    page.fill("#body", "Das ist mein ausführlicher Entwurf.")
    with page.expect_navigation():
        page.get_by_role("button", name="Ähnliche Ideen prüfen").click()
    region = page.locator("#similar-ideas")
    expect(region.get_by_role("link", name=similar["title"])).to_be_visible()
    assert "noch in Prüfung" not in region.inner_text()
    # Everything typed is still there; nothing was created.
    assert page.locator("#title").input_value() == f"Ein {similar['word']} für alle"
    assert page.locator("#body").input_value() == "Das ist mein ausführlicher Entwurf."
    assert page.locator("#theme").input_value() == similar["theme"]
    assert _idea_count(live_server) == before
    # Then submitting still works.
    with page.expect_navigation():
        page.get_by_role("button", name="Idee einreichen").click()
    assert _idea_count(live_server) == before + 1


def test_the_phone_form_shows_the_evenings_similar_ideas(new_page, live_server, similar):
    phone = new_page(**PHONE)
    phone.goto(f"/j/{similar['code']}")
    phone.get_by_label("Ja, ich bin einverstanden").check()
    phone.get_by_role("button", name="Mitmachen").click()
    phone.wait_for_url(f"**/events/{similar['slug']}/live")
    phone.locator("#title").press_sequentially(similar["word"], delay=20)
    region = phone.locator("#similar-ideas")
    expect(region.get_by_role("link", name=similar["evening_title"])).to_be_visible()
    # Only this evening's ideas.
    assert similar["title"] not in region.inner_text()
    assert_no_axe_violations(phone)
    assert small_targets(phone) == []
