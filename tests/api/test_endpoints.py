"""Open-data API: the shape of every endpoint, filters, sort, pagination and errors."""

from __future__ import annotations

import datetime as dt

import pytest

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.opendata import LICENSE
from tests.factories import make_event, make_idea, make_theme, make_user

LICENSE_LINK = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
IDEA_KEYS = {
    "id",
    "title",
    "body_html",
    "theme",
    "event",
    "vote_count",
    "created_at",
    "published_at",
    "author",
    "from_paper_card",
    "url",
}


def ago(minutes: int) -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=minutes)


def links(response) -> list[str]:
    return [value.strip() for value in ", ".join(response.headers.getlist("Link")).split(", ")]


# Themes ---------------------------------------------------------------------------------


def test_themes_all_with_active_flag_in_order(api):
    make_theme(
        name_de="Mobilität",
        name_en="Mobility",
        slug="mobilitaet",
        position=2,
        description_de="Wege in der Stadt",
    )
    make_theme(name_de="Bildung", slug="bildung", position=1, active=False)

    body = api.json("/api/v1/themes")

    assert body["page"] == 1 and body["per_page"] == 20 and body["total"] == 2
    assert body["license"] == LICENSE
    assert body["items"] == [
        {
            "slug": "bildung",
            "name": {"de": "Bildung", "en": ""},
            "description": {"de": "", "en": ""},
            "active": False,
            "url": "http://localhost/themes/bildung",
        },
        {
            "slug": "mobilitaet",
            "name": {"de": "Mobilität", "en": "Mobility"},
            "description": {"de": "Wege in der Stadt", "en": ""},
            "active": True,
            "url": "http://localhost/themes/mobilitaet",
        },
    ]


def test_themes_paginate(api):
    for position in range(5):
        make_theme(slug=f"t{position}", position=position)
    body = api.json("/api/v1/themes?per_page=2&page=3")
    assert [item["slug"] for item in body["items"]] == ["t4"]
    assert body["total"] == 5
    api.json("/api/v1/themes?per_page=2&page=4", status=404)


def test_empty_lists_have_one_empty_page(api):
    for name in ("themes", "events", "ideas"):
        body = api.json(f"/api/v1/{name}")
        assert body == {"items": [], "page": 1, "per_page": 20, "total": 0, "license": LICENSE}
        api.json(f"/api/v1/{name}?page=2", status=404)


# Events ---------------------------------------------------------------------------------


def test_events_shape_and_no_drafts(api):
    mobility = make_theme(slug="mobilitaet", position=1)
    education = make_theme(slug="bildung", position=2)
    starts = dt.datetime(2030, 3, 14, 17, 0, tzinfo=dt.UTC)
    make_event(
        title="Hamm von Morgen: Mobilität",
        slug="hamm-mobilitaet",
        phase="voting",
        voting_rule="dots",
        dot_budget=5,
        capacity=40,
        themes=[education, mobility],
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        description="Wir sammeln Ideen.",
    )
    make_event(slug="geheim", phase="draft")

    body = api.json("/api/v1/events")

    assert body["total"] == 1
    assert body["items"] == [
        {
            "slug": "hamm-mobilitaet",
            "title": "Hamm von Morgen: Mobilität",
            "description": "Wir sammeln Ideen.",
            "place": "Rathaus, Marktplatz 1",
            "starts_at": "2030-03-14T17:00:00Z",
            "ends_at": "2030-03-14T20:00:00Z",
            "phase": "voting",
            "voting_rule": "dots",
            "dot_budget": 5,
            "capacity": 40,
            "themes": ["mobilitaet", "bildung"],
            "url": "http://localhost/events/hamm-mobilitaet",
        }
    ]


def test_events_upcoming_first_then_past(api):
    make_event(slug="past-old", phase="closed", starts_in_days=-60)
    make_event(slug="later", starts_in_days=30)
    make_event(slug="past-recent", phase="closed", starts_in_days=-5)
    make_event(slug="soon", starts_in_days=2)
    body = api.json("/api/v1/events")
    assert [item["slug"] for item in body["items"]] == [
        "soon",
        "later",
        "past-recent",
        "past-old",
    ]


# Ideas ----------------------------------------------------------------------------------


def test_idea_shape(api):
    theme = make_theme(slug="digital")
    event = make_event(slug="werkstatt", themes=[theme])
    idea = make_idea(
        theme=theme,
        event=event,
        title="Freies WLAN am Bahnhof",
        body="Mit *Hotspots*.",
        author=make_user(display_name="Kiezgärtnerin"),
        vote_count=7,
        created_at=dt.datetime(2025, 5, 1, 18, 0, 0, 123456, tzinfo=dt.UTC),
        published_at=dt.datetime(2025, 5, 2, 9, 30, tzinfo=dt.UTC),
    )

    body = api.json("/api/v1/ideas")

    assert body["total"] == 1
    assert body["items"] == [
        {
            "id": idea.id,
            "title": "Freies WLAN am Bahnhof",
            "body_html": "<p>Mit <em>Hotspots</em>.</p>",
            "theme": "digital",
            "event": "werkstatt",
            "vote_count": 7,
            "created_at": "2025-05-01T18:00:00Z",
            "published_at": "2025-05-02T09:30:00Z",
            "author": "Kiezgärtnerin",
            "from_paper_card": False,
            "url": f"http://localhost/ideas/{idea.id}",
        }
    ]
    detail = api.json(f"/api/v1/ideas/{idea.id}")
    assert detail == {**body["items"][0], "license": LICENSE}


def test_idea_without_event_from_paper_card(api):
    idea = make_idea(from_paper_card=True)
    detail = api.json(f"/api/v1/ideas/{idea.id}")
    assert detail["event"] is None
    assert detail["author"] is None
    assert detail["from_paper_card"] is True
    assert set(detail) == IDEA_KEYS | {"license"}


def test_ideas_filter_by_theme_event_and_search(api):
    mobility = make_theme(slug="mobilitaet")
    education = make_theme(slug="bildung")
    event = make_event(slug="werkstatt")
    bus = make_idea(theme=mobility, title="Nachtbus für alle", event=event)
    bike = make_idea(theme=mobility, title="Fahrradstraßen", body="Mehr Platz fürs Rad")
    school = make_idea(theme=education, title="Schulgarten", event=event)

    def ids(query):
        return [item["id"] for item in api.json(f"/api/v1/ideas?{query}")["items"]]

    assert ids("theme=mobilitaet") == [bike.id, bus.id]
    assert ids("event=werkstatt") == [school.id, bus.id]
    assert ids("theme=mobilitaet&event=werkstatt") == [bus.id]
    assert ids("q=nachtbus") == [bus.id]
    assert ids("q=platz+rad") == [bike.id]  # every word, title or body
    assert ids("q=zeppelin") == []
    # Empty values count as absent, as an HTML filter form sends them.
    assert ids("theme=&event=&q=&sort=&page=&per_page=&format=") == [school.id, bike.id, bus.id]


def test_ideas_sort_newest_and_votes(api):
    old_popular = make_idea(vote_count=9, created_at=ago(30))
    new_quiet = make_idea(vote_count=1, created_at=ago(1))
    middle = make_idea(vote_count=4, created_at=ago(10))
    tie = make_idea(vote_count=4, created_at=ago(20))

    def ids(query):
        return [item["id"] for item in api.json(f"/api/v1/ideas?{query}")["items"]]

    assert ids("") == [new_quiet.id, middle.id, tie.id, old_popular.id]
    assert ids("sort=newest") == ids("")
    # Ties go to the higher id.
    assert ids("sort=votes") == [old_popular.id, tie.id, middle.id, new_quiet.id]


def test_ideas_pagination_and_links(api):
    theme = make_theme(slug="t")
    ideas = [make_idea(theme=theme, created_at=ago(minutes)) for minutes in range(25)]

    first = api.get("/api/v1/ideas?theme=t&per_page=10")
    body = first.get_json()
    assert [item["id"] for item in body["items"]] == [idea.id for idea in ideas[:10]]
    assert (body["page"], body["per_page"], body["total"]) == (1, 10, 25)
    assert first.headers["X-Total-Count"] == "25"
    assert set(links(first)) == {
        LICENSE_LINK,
        '<http://localhost/api/v1/ideas?theme=t&per_page=10&page=2>; rel="next"',
    }

    last = api.get("/api/v1/ideas?theme=t&per_page=10&page=3")
    assert [item["id"] for item in last.get_json()["items"]] == [i.id for i in ideas[20:]]
    assert set(links(last)) == {
        LICENSE_LINK,
        '<http://localhost/api/v1/ideas?theme=t&per_page=10&page=2>; rel="prev"',
    }

    assert len(api.json("/api/v1/ideas")["items"]) == 20
    assert len(api.json("/api/v1/ideas?per_page=100")["items"]) == 25

    error = api.json("/api/v1/ideas?theme=t&per_page=10&page=4", status=404)
    assert error == {
        "error": "Not Found",
        "status": 404,
        "message": "Page 4 is past the last page.",
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("per_page=0", "per_page must be from 1 to 10000."),
        ("per_page=10001", "per_page must be from 1 to 10000."),
        ("per_page=" + "9" * 5000, "per_page must be from 1 to 10000."),
        ("per_page=abc", "per_page must be a whole number."),
        ("per_page=1.5", "per_page must be a whole number."),
        ("page=0", "page must be from 1 to 2147483647."),
        ("page=1&page=2", "page may be given only once."),
        ("per_page=&per_page=", "per_page may be given only once."),
        ("page=99999999999999999999", "page must be from 1 to 2147483647."),
        ("page=abc", "page must be a whole number."),
        ("page=-1", "page must be a whole number."),
        ("page=+2", "page must be a whole number."),
        ("sort=x", "sort must be one of: newest, votes, trending, relevance."),
        ("format=xml", "format must be one of: json, csv."),
        ("format=csv&per_page=10001", "per_page must be from 1 to 10000."),
        ("q=" + "a" * 201, "q may have at most 200 characters."),
    ],
)
def test_ideas_bad_parameters(api, query, message):
    error = api.json(f"/api/v1/ideas?{query}", status=400)
    assert error == {"error": "Bad Request", "status": 400, "message": message}


@pytest.mark.parametrize("query", ["theme=nirgendwo", "event=nirgendwo", "theme=t&event=nirgendwo"])
def test_an_unknown_theme_or_event_matches_no_idea(api, query):
    make_idea(theme=make_theme(slug="t"))
    body = api.json(f"/api/v1/ideas?{query}")
    assert (body["items"], body["page"], body["total"]) == ([], 1, 0)
    assert api.json(f"/api/v1/ideas?{query}&page=2", status=404)["status"] == 404


def test_a_json_page_holds_at_most_100(api):
    theme = make_theme(slug="t")
    for _ in range(3):
        make_idea(theme=theme)
    for per_page in (101, 10000):
        body = api.json(f"/api/v1/ideas?per_page={per_page}")
        assert (body["per_page"], body["total"], len(body["items"])) == (100, 3, 3)


@pytest.mark.parametrize("name", ["themes", "events"])
@pytest.mark.parametrize("query", ["per_page=0", "page=abc", "format=pdf"])
def test_lists_bad_parameters(api, name, query):
    error = api.json(f"/api/v1/{name}?{query}", status=400)
    assert error["message"]


def test_idea_detail_not_found(api, client):
    error = api.json("/api/v1/ideas/999", status=404)
    assert error == {
        "error": "Not Found",
        "status": 404,
        "message": "There is no published idea 999.",
    }
    response = client.get("/api/v1/ideas/abc")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/themes",
        "/api/v1/events",
        "/api/v1/ideas",
        "/api/v1/ideas?format=csv",
        "/api/v1/ideas/{id}",
        "/api/v1/openapi.json",
        "/api/v1/ideas/999",
        "/api/v1/ideas?sort=x",
    ],
)
def test_open_data_headers_on_every_response(client, url):
    idea = make_idea()
    response = client.get(url.format(id=idea.id))
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert LICENSE_LINK in links(response)
    assert "Set-Cookie" not in response.headers


def test_get_only(client):
    for url in ("/api/v1/ideas", "/api/v1/themes", "/api/v1/events", "/api/v1/ideas/1"):
        for method in ("POST", "PUT", "DELETE", "PATCH", "TRACE"):
            response = client.open(url, method=method)
            assert response.status_code == 405
            assert response.mimetype == "application/json"
            # RFC 9110: a 405 says which methods the resource has.
            assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
            assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ideas/999",
        "/api/v1/ideas/abc",
        "/api/v1/ideas/99999999999999999999",
        "/api/v1/events/nirgendwo/summary",
        "/api/v1/nothing-here",
        "/api/v1/ideas?page=99",
    ],
)
def test_a_404_carries_the_headers_the_document_requires(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert LICENSE_LINK in links(response)


def test_openapi_document_is_served(api):
    from ideenwerkstatt.api.openapi import build_spec

    assert api.json("/api/v1/openapi.json") == build_spec()


def test_idea_id_beyond_the_database_integer(api):
    api.json(f"/api/v1/ideas/{2**31}", status=404)
    api.json(f"/api/v1/ideas/{10**30}", status=404)


def test_server_error_is_json_and_not_cached(app, api, monkeypatch):
    from ideenwerkstatt.api import queries

    def broken(*_args, **_kwargs):
        raise RuntimeError("SELECT secret FROM somewhere")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(queries, "themes_page", broken)
    response = api.get("/api/v1/themes", status=500)
    assert response.get_json() == {
        "error": "Internal Server Error",
        "status": 500,
        "message": "Something went wrong on our side.",
    }
    assert response.headers["Cache-Control"] == "no-store"
