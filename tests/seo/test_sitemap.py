"""robots.txt and the sitemap: public pages only, absolute URLs, valid XML, a bounded number
of queries, and an index of files past the protocol's 50,000 URLs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.summaries import services
from tests.factories import make_event, make_idea, make_theme, make_user
from tests.ideas.test_query_count import count_statements

BASE = "https://beteiligung.example.org"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def app_config():
    return {"BASE_URL": BASE}


@pytest.fixture
def data(app):
    theme = make_theme(slug="verkehr")
    retired = make_theme(slug="alt", active=False)
    closed = make_event(slug="vorbei", phase="closed", starts_in_days=-9, themes=[theme])
    drafted = make_event(slug="halb-fertig", phase="closed", starts_in_days=-4, themes=[theme])
    voting = make_event(slug="jetzt", phase="voting", starts_in_days=0, themes=[theme])
    draft = make_event(slug="geheim", phase="draft", starts_in_days=20, themes=[theme])
    ideas = {
        "published": make_idea(theme=theme, event=closed),
        "old_theme": make_idea(theme=retired),
        "pending": make_idea(theme=theme, status="pending"),
        "hidden": make_idea(theme=theme, event=voting, status="hidden"),
        "rejected": make_idea(theme=theme, status="rejected"),
    }
    moderator = make_user(role="moderator")
    summary = services.start_summary(closed, moderator)
    services.publish_summary(summary, moderator)
    services.start_summary(drafted, moderator)  # a draft only
    db.session.commit()
    return {"events": (closed, drafted, voting, draft), "ideas": ideas}


def locs(body: bytes, kind: str = "url") -> list[str]:
    """The <loc> values of a sitemap (kind "url") or a sitemap index (kind "sitemap");
    parsing fails on anything that is not well-formed XML."""
    root = ET.fromstring(body)  # noqa: S314 (our own output, in a test)
    assert root.tag == f"{{{NS['sm']}}}{'urlset' if kind == 'url' else 'sitemapindex'}"
    return [element.text for element in root.findall(f"sm:{kind}/sm:loc", NS)]


def test_robots_txt_keeps_crawlers_out_of_private_areas_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    for area in ("/account", "/moderation", "/organize"):
        assert f"Disallow: {area}" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    assert "Disallow: /" not in lines  # the public pages stay open


def test_the_sitemap_lists_the_public_pages_and_nothing_else(client, data):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    urls = locs(response.get_data())
    assert len(urls) == len(set(urls))
    assert all(url.startswith(BASE + "/") for url in urls)
    paths = {urlsplit(url).path for url in urls}
    ideas = data["ideas"]
    expected = {
        "/",
        "/ideas",
        "/events",
        "/privacy",
        "/accessibility",
        "/imprint",
        "/easy-language",
        "/themes/verkehr",
        "/themes/alt",
        "/events/vorbei",
        "/events/halb-fertig",
        "/events/jetzt",
        "/events/vorbei/summary",
        f"/ideas/{ideas['published'].id}",
        f"/ideas/{ideas['old_theme'].id}",
    }
    assert paths == expected
    for name in ("pending", "hidden", "rejected"):
        assert f"/ideas/{ideas[name].id}" not in paths
    assert "/events/geheim" not in paths and "/events/halb-fertig/summary" not in paths
    assert not [p for p in paths if p.startswith(("/account", "/moderation", "/organize"))]


def test_every_url_in_the_sitemap_answers_a_visitor(client, data):
    for url in locs(client.get("/sitemap.xml").get_data()):
        assert client.get(urlsplit(url).path).status_code == 200, url


def test_lastmod_is_a_w3c_datetime(client, data):
    root = ET.fromstring(client.get("/sitemap.xml").get_data())  # noqa: S314
    stamps = [element.text for element in root.findall("sm:url/sm:lastmod", NS)]
    assert stamps  # events, the result and ideas carry one
    for stamp in stamps:
        assert len(stamp) == 20 and stamp[10] == "T" and stamp.endswith("Z"), stamp


def _seed(n: int) -> None:
    theme = make_theme(commit=False)
    for _ in range(n):
        event = make_event(phase="closed", starts_in_days=-3, themes=[theme], commit=False)
        make_idea(theme=theme, event=event, commit=False)
    db.session.commit()


def test_the_sitemap_costs_the_same_queries_for_few_and_many(client, data):
    def statements() -> int:
        with count_statements() as seen:
            assert client.get("/sitemap.xml").status_code == 200
        return len(seen)

    few = statements()
    _seed(40)
    assert statements() == few
    assert few <= 5


@pytest.mark.parametrize("app_config", [{"BASE_URL": BASE, "SITEMAP_MAX_URLS": 20}])
def test_past_the_limit_the_sitemap_becomes_an_index_of_files(client, data):
    theme = make_theme(commit=False)
    for _ in range(43):
        make_idea(theme=theme, commit=False)
    db.session.commit()
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    files = locs(index.get_data(), kind="sitemap")
    assert files == [
        f"{BASE}/sitemap-pages.xml",
        f"{BASE}/sitemap-ideas-1.xml",
        f"{BASE}/sitemap-ideas-2.xml",
        f"{BASE}/sitemap-ideas-3.xml",
    ]
    listed = []
    for url in files:
        part = locs(client.get(urlsplit(url).path).get_data())
        assert 0 < len(part) <= 20
        listed += part
    published = 45  # the fixture's two and these 43
    idea_urls = [url for url in listed if "/ideas/" in url]
    assert len(idea_urls) == len(set(idea_urls)) == published
    assert f"{BASE}/events/vorbei/summary" in listed
    assert client.get("/sitemap-ideas-4.xml").status_code == 404
    assert client.get("/sitemap-ideas-0.xml").status_code == 404
