"""Every page has a meta description; public pages a canonical link, Open Graph and Twitter
tags with our own share image; account, moderation and organize pages say noindex."""

from __future__ import annotations

import re
import struct

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.summaries import services
from tests.factories import make_event, make_idea, make_theme, make_user
from tests.seo.helpers import head_of

BASE = "https://beteiligung.example.org"
OG_PROPERTIES = (
    "og:title",
    "og:description",
    "og:url",
    "og:image",
    "og:type",
    "og:site_name",
    "og:locale",
)


@pytest.fixture
def app_config():
    return {"BASE_URL": BASE}


@pytest.fixture
def data(app):
    theme = make_theme(
        name_de="Stadtgrün", slug="stadtgruen", description_de="Bäume, Parks und Beete."
    )
    event = make_event(
        title="Werkstatt Nord",
        slug="nord",
        phase="closed",
        starts_in_days=-5,
        themes=[theme],
        description="Wir reden über den Nordpark & die Wege dorthin.",
    )
    idea = make_idea(
        theme=theme,
        event=event,
        title="Schattenbäume am Spielplatz",
        body="Am **Spielplatz Lindenweg** fehlt Schatten: drei Bäume pflanzen, bitte.",
    )
    pending = make_idea(theme=theme, title="Noch nicht frei", status="pending")
    summary = services.start_summary(event, make_user(role="moderator"))
    services.save_texts(summary, None, "Viele kamen in den Nordpark.", "", {})
    services.publish_summary(summary, None)
    db.session.commit()
    return {"theme": theme, "event": event, "idea": idea, "pending": pending}


def _public_urls(data) -> list[str]:
    return [
        "/",
        "/ideas",
        f"/ideas/{data['idea'].id}",
        "/themes/stadtgruen",
        "/events",
        "/events/nord",
        "/events/nord/summary",
        "/privacy",
        "/accessibility",
        "/imprint",
        "/easy-language",
    ]


def test_public_pages_have_description_canonical_and_share_tags(client, data):
    descriptions = {}
    for url in _public_urls(data):
        response = client.get(url)
        assert response.status_code == 200, url
        head = head_of(response.get_data(as_text=True))
        assert len(head.meta["description"]) == 1, url
        description = head.meta["description"][0]
        assert len(description) >= 40, (url, description)
        assert len(description) <= 160, (url, description)
        descriptions[url] = description
        assert head.links["canonical"] == [BASE + url.rstrip("/") if url != "/" else BASE + "/"]
        for name in OG_PROPERTIES:
            assert len(head.meta.get(name, [])) == 1 and head.meta[name][0], (url, name)
        assert head.meta["og:url"] == head.links["canonical"]
        assert head.meta["og:description"] == [description]
        # With the file's digest (assets.py), so that a new picture is fetched again.
        assert re.fullmatch(
            rf"{BASE}/static/img/share\.png\?v=[0-9a-f]{{10}}", head.meta["og:image"][0]
        )
        assert head.meta["og:site_name"] == ["Ideenwerkstatt"]
        assert head.meta["og:locale"] == ["de_DE"]
        assert head.meta["twitter:card"] == ["summary_large_image"]
        assert "robots" not in head.meta
    # Each page says what it is about, not the same sentence everywhere.
    assert len(set(descriptions.values())) == len(descriptions)


def test_an_idea_is_shared_with_its_title_and_its_own_words(client, data):
    head = head_of(client.get(f"/ideas/{data['idea'].id}").get_data(as_text=True))
    assert head.meta["og:title"] == ["Schattenbäume am Spielplatz"]
    assert head.meta["og:type"] == ["article"]
    # The Markdown's text without its markup.
    assert head.meta["description"] == [
        "Am Spielplatz Lindenweg fehlt Schatten: drei Bäume pflanzen, bitte."
    ]


def test_an_event_and_its_result_are_shared_with_their_own_words(client, data):
    event = head_of(client.get("/events/nord").get_data(as_text=True))
    assert event.meta["og:title"] == ["Werkstatt Nord"]
    (description,) = event.meta["description"]
    assert "Wir reden über den Nordpark & die Wege dorthin." in description
    assert "Rathaus" in description  # the place
    result = head_of(client.get("/events/nord/summary").get_data(as_text=True))
    assert result.meta["og:title"] == ["Ergebnis: Werkstatt Nord"]
    (description,) = result.meta["description"]
    assert description.startswith("Ergebnis der Veranstaltung „Werkstatt Nord“: 1 Idee")
    assert "Viele kamen in den Nordpark." in description
    theme = head_of(client.get("/themes/stadtgruen").get_data(as_text=True))
    assert theme.meta["description"] == [
        "Ideen zum Thema Stadtgrün: lesen, unterstützen, eigene einreichen. Bäume, Parks und Beete."
    ]


def test_a_long_text_is_cut_at_a_word(client, data):
    data["idea"].body_html = "<p>" + "Baum " * 100 + "</p>"
    db.session.commit()
    (description,) = head_of(client.get(f"/ideas/{data['idea'].id}").get_data(as_text=True)).meta[
        "description"
    ]
    assert len(description) <= 160 and description.endswith("Baum…")


def test_english_pages_say_so(client, data):
    head = head_of(client.get("/ideas", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert head.meta["og:locale"] == ["en_GB"]
    assert head.meta["description"][0].startswith("All published ideas")


def test_canonical_keeps_what_changes_the_content_only(client, data):
    head = head_of(
        client.get("/ideas?sort=votes&q=Baum&theme=stadtgruen&page=1").get_data(as_text=True)
    )
    assert head.links["canonical"] == [f"{BASE}/ideas?theme=stadtgruen"]
    head = head_of(client.get("/events/nord?page=1").get_data(as_text=True))
    assert head.links["canonical"] == [f"{BASE}/events/nord"]


def test_the_share_image_is_ours_and_a_png(client):
    with client.get("/static/img/share.png") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        body = response.get_data()
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", body[16:24])  # the IHDR chunk
    assert (width, height) == (1200, 630)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (None, "/account/login"),
        (None, "/account/register"),
        (None, "/account/reset"),
        ("citizen", "/account"),
        ("citizen", "/ideas/new"),
        ("moderator", "/moderation"),
        ("moderator", "/events/nord/summary/edit"),
        ("organizer", "/organize"),
    ],
)
def test_private_pages_say_noindex_and_have_no_share_tags(client, auth, data, role, url):
    if role:
        auth.login_as(role)
    response = client.get(url)
    assert response.status_code == 200, url
    head = head_of(response.get_data(as_text=True))
    assert head.meta["robots"] == ["noindex"]
    assert head.meta["description"][0]
    assert "canonical" not in head.links
    assert not [name for name in head.meta if name.startswith(("og:", "twitter:"))]


def test_states_only_some_see_are_not_indexed(client, auth, data):
    author = data["pending"].author
    auth.login_user(author)
    head = head_of(client.get(f"/ideas/{data['pending'].id}").get_data(as_text=True))
    assert head.meta["robots"] == ["noindex"] and "og:title" not in head.meta
    auth.logout()
    missing = client.get("/ideas/999999")
    assert missing.status_code == 404
    assert head_of(missing.get_data(as_text=True)).meta["robots"] == ["noindex"]
    make_event(title="Entwurf", slug="entwurf", phase="draft")
    auth.login_as("organizer")
    head = head_of(client.get("/events/entwurf").get_data(as_text=True))
    assert head.meta["robots"] == ["noindex"]
