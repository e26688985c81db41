"""Summaries in Chromium: a moderator curates and publishes a closed event's result without
JavaScript; axe-core finds nothing on the curation and the result page; the chart shows the
numbers of the table."""

from __future__ import annotations

import itertools

import pytest

from ..factories import DEFAULT_PASSWORD, make_event, make_idea, make_theme, make_user, make_vote
from .helpers import assert_no_axe_violations

pytestmark = pytest.mark.browser

_numbers = itertools.count(1)


@pytest.fixture
def closed_event(live_server):
    """A closed event on the live server: two themes, three published ideas with votes."""
    n = next(_numbers)
    with live_server.app.app_context():
        one = make_theme(name_de=f"Mobilität {n}", slug=f"sum-mobil-{n}")
        two = make_theme(name_de=f"Bildung – „Schule“ {n}", slug=f"sum-bildung-{n}")
        event = make_event(
            title=f"Ergebniswerkstatt {n}",
            slug=f"ergebnis-{n}",
            phase="closed",
            starts_in_days=-2,
            themes=[one, two],
        )
        first = make_idea(theme=one, event=event, title=f"Radweg am Fluss {n}")
        second = make_idea(theme=one, event=event, title=f"Busse im Takt {n}")
        third = make_idea(theme=two, event=event, title=f"Schulhof offen {n}")
        voters = [make_user() for _ in range(3)]
        for voter in voters:
            make_vote(first, voter)
        make_vote(second, voters[0])
        make_vote(third, voters[1])
        return {
            "slug": event.slug,
            "titles": [first.title, second.title, third.title],
            "ids": [first.id, second.id, third.id],
        }


def sign_in_as_moderator(page, live_server, next_path: str) -> None:
    with live_server.app.app_context():
        email = make_user(role="moderator").email
    page.goto(f"/account/login?next={next_path}")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**{next_path}")


def test_moderator_curates_and_publishes_without_javascript(page_nojs, live_server, closed_event):
    page = page_nojs
    slug = closed_event["slug"]
    radweg, busse, schulhof = closed_event["titles"]
    sign_in_as_moderator(page, live_server, f"/events/{slug}/summary/edit")
    page.get_by_role("button", name="Entwurf anlegen").click()
    # No axe here: axe.run is a promise, and it never settles with JavaScript switched off;
    # the JavaScript test below checks this page and the result page.

    page.get_by_label("Einleitung").fill("Danke an alle – „Sie“ haben mitgemacht.")
    page.get_by_label(f"Notiz zu „{busse}“").fill("Geht an den Verkehrsausschuss.")
    up = page.locator(f'button[name=action][value="up:{closed_event["ids"][1]}"]')
    assert up.inner_text().startswith("Nach oben")
    up.click()
    # The note typed before moving is kept: every button saves the whole form.
    assert page.get_by_label(f"Notiz zu „{busse}“").input_value() == (
        "Geht an den Verkehrsausschuss."
    )
    page.get_by_label("Fazit").fill("Wir bleiben dran.")
    page.get_by_role("button", name="Veröffentlichen").click()
    page.wait_for_url(f"**/events/{slug}/summary")
    assert "Vorschau" not in page.content()

    items = page.locator(".summary-ideas li a").all_inner_texts()
    assert items == [busse, radweg, schulhof]
    assert page.get_by_text("Geht an den Verkehrsausschuss.").is_visible()

    page.get_by_role("link", name=busse).click()
    assert page.get_by_text("Aufgenommen in das Ergebnis der Veranstaltung").is_visible()


def test_result_page_has_no_axe_violations_and_the_chart_matches_the_table(
    new_page, live_server, closed_event
):
    slug = closed_event["slug"]
    moderator = new_page()
    sign_in_as_moderator(moderator, live_server, f"/events/{slug}/summary/edit")
    moderator.get_by_role("button", name="Entwurf anlegen").click()
    assert_no_axe_violations(moderator)
    moderator.get_by_role("button", name="Veröffentlichen").click()
    moderator.wait_for_url(f"**/events/{slug}/summary")

    for locale in ("de-DE", "en-GB"):
        page = new_page(locale=locale)
        page.goto(f"/events/{slug}/summary")
        assert_no_axe_violations(page)

    chart = {
        (bar["theme"], bar["series"]): bar["value"]
        for bar in page.eval_on_selector_all(
            "svg.summary-chart rect.chart-bar",
            """bars => bars.map(bar => ({
                theme: bar.closest("g").getAttribute("data-theme"),
                series: bar.getAttribute("data-series"),
                value: bar.getAttribute("data-value"),
            }))""",
        )
    }
    table = {
        (cell["theme"], cell["series"]): cell["value"]
        for cell in page.eval_on_selector_all(
            "table.summary-table tbody td",
            """cells => cells.map(cell => ({
                theme: cell.closest("tr").getAttribute("data-theme"),
                series: cell.getAttribute("data-series"),
                value: cell.textContent.trim(),
            }))""",
        )
    }
    assert chart == table and len(chart) == 6
    assert chart[(f"sum-mobil-{slug.rsplit('-', 1)[1]}", "votes")] == "4"
    svg = page.locator("svg.summary-chart")
    assert svg.get_attribute("role") == "img"
    assert page.locator("svg.summary-chart title").count() == 1
    bars = svg.locator("rect.chart-bar")
    # A longer bar for a bigger number: the drawing says what the numbers say.
    widths = {
        (bar.get_attribute("data-value")): float(bar.get_attribute("width")) for bar in bars.all()
    }
    assert widths["4"] > widths["1"]
