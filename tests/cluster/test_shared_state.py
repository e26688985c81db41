"""A change made through server A is seen through server B at the next request: an idea
approved, a vote, a phase, a summary published. B's public pages are first read by visitors
several times (so that each of its worker processes remembers them), then A writes, then every
read of B must show the change: no process of B may answer from a stale memory."""

from __future__ import annotations

import re

import httpx
import pytest

from ideenwerkstatt.events.presentation import phase_label
from tests.factories import make_event, make_idea, make_theme

pytestmark = pytest.mark.cluster

READS = 6  # per page and server: enough that both worker processes of B answer some


def visitor_pages(server, path: str, times: int = READS) -> list[httpx.Response]:
    """A visitor without a cookie (the page cache's case) reads `path` `times` times."""
    return [httpx.get(server.url + path, timeout=30) for _ in range(times)]


def texts(server, path: str) -> list[str]:
    pages = visitor_pages(server, path)
    assert [p.status_code for p in pages] == [200] * len(pages), path
    return [p.text for p in pages]


def counts_shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"data-vote-count>\s*(\d+)", html)]


def test_an_idea_approved_through_a_is_listed_through_b_at_once(app, servers, person):
    a, b = servers
    theme = make_theme()
    idea = make_idea(theme=theme, status="pending", title="Trinkbrunnen am Marktplatz")
    moderator = person("moderator")
    pages = ("/ideas", f"/themes/{theme.slug}", "/ideas?sort=votes")
    for path in pages:
        assert all(idea.title not in text for text in texts(b, path))

    answer = moderator.post(a.url, f"/moderation/ideas/{idea.id}/approve")
    assert answer.status_code in (302, 303), answer.text[:500]

    for path in pages:
        assert all(idea.title in text for text in texts(b, path)), path
    assert all(p.status_code == 200 for p in visitor_pages(b, f"/ideas/{idea.id}"))


def test_a_vote_through_a_counts_through_b_at_once(app, servers, person):
    a, b = servers
    theme = make_theme()
    idea = make_idea(theme=theme, title="Mehr Bänke im Park")
    paths = (f"/themes/{theme.slug}", f"/ideas/{idea.id}", f"/ideas?theme={theme.slug}")
    for path in paths:
        assert all(counts_shown(text) == [0] for text in texts(b, path)), path

    for n in range(1, 3):
        answer = person().post(a.url, f"/ideas/{idea.id}/vote", json=True)
        assert answer.status_code == 200 and answer.json()["vote_count"] == n
        for path in paths:
            assert all(counts_shown(text) == [n] for text in texts(b, path)), (path, n)
        api = httpx.get(f"{b.url}/api/v1/ideas/{idea.id}", timeout=30).json()
        assert api["vote_count"] == n


def phase_shown(html: str, event) -> str | None:
    """The phase badge of the event's card (the list) or of its page."""
    card = re.search(
        rf'href="/events/{event.slug}">{re.escape(event.title)}</a>.*?class="badge[^"]*">([^<]+)<',
        html,
        re.DOTALL,
    )
    page = re.search(r'<dd><span class="badge">([^<]+)</span></dd>', html)
    found = card or page
    return found.group(1) if found else None


def test_a_phase_changed_through_a_shows_through_b_at_once(app, servers, person):
    a, b = servers
    theme = make_theme()
    event = make_event(phase="collecting", themes=[theme], title="Werkstatt Phasenwechsel")
    make_idea(theme=theme, event=event)
    organizer = person("organizer")
    paths = (f"/events/{event.slug}", "/events")
    for path in paths:
        assert {phase_shown(t, event) for t in texts(b, path)} == {phase_label("collecting")}

    answer = organizer.post(
        a.url,
        f"/organize/events/{event.id}/phase",
        {"step": "next", "from_phase": "collecting", "confirmed": "yes"},
    )
    assert answer.status_code in (302, 303), answer.text[:500]

    for path in paths:
        assert {phase_shown(t, event) for t in texts(b, path)} == {phase_label("voting")}, path


def test_a_summary_published_through_a_shows_through_b_at_once(app, servers, person):
    a, b = servers
    theme = make_theme()
    event = make_event(phase="closed", starts_in_days=-3, themes=[theme])
    make_idea(theme=theme, event=event, title="Ein Bürgerhaushalt für alle")
    moderator = person("moderator")
    summary_path = f"/events/{event.slug}/summary"
    assert all(p.status_code == 404 for p in visitor_pages(b, summary_path))
    assert all(summary_path not in t for t in texts(b, f"/events/{event.slug}"))

    started = moderator.post(a.url, f"{summary_path}/start")
    assert started.status_code in (302, 303), started.text[:500]
    published = moderator.post(
        a.url,
        f"{summary_path}/edit",
        {"intro": "Was die Werkstatt beschlossen hat.", "conclusion": "", "action": "publish"},
    )
    assert published.status_code in (302, 303), published.text[:500]

    assert all(summary_path in t for t in texts(b, f"/events/{event.slug}"))
    assert all("Was die Werkstatt beschlossen hat." in t for t in texts(b, summary_path))
