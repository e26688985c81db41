"""`?format=csv` on the lists: the same rows as JSON, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from ideenwerkstatt.api.serialize import EVENT_COLUMNS, IDEA_COLUMNS, THEME_COLUMNS
from tests.factories import make_event, make_idea, make_theme
from tests.spreadsheets import open_like_a_german_spreadsheet


def rows(response) -> list[dict]:
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.data.decode("utf-8-sig")  # as scripts read it (the OpenAPI text says so)
    return list(csv.DictReader(io.StringIO(text, newline="")))


def header(response) -> list[str]:
    return response.data.decode("utf-8-sig").splitlines()[0].split(",")


def test_csv_opens_in_a_german_spreadsheet_with_the_documented_comma(api):
    """A BOM first, the comma of RFC 4180 (as the README and the OpenAPI document say), and
    the umlauts intact."""
    theme = make_theme(slug="t", name_de="Mobilität", name_en="Mobility")
    make_idea(theme=theme, title="Größere Bänke für Ältere, bitte")
    data = api.get("/api/v1/ideas?format=csv").data
    assert data.startswith(b"\xef\xbb\xbfid,")
    header_row, row = open_like_a_german_spreadsheet(data, delimiter=",")
    assert header_row == list(IDEA_COLUMNS)
    cells = dict(zip(header_row, row, strict=True))
    assert cells["title"] == "Größere Bänke für Ältere, bitte"
    assert cells["theme"] == "t"


def test_formula_injection_is_defused(api):
    theme = make_theme(slug="t", name_de="+Plus", name_en="@at", description_de="-minus")
    make_event(slug="e", title="=1+1", place="\t=cmd", themes=[theme])
    idea = make_idea(theme=theme, title='=HYPERLINK("http://x")')

    response = api.get("/api/v1/ideas?format=csv")
    assert '"\'=HYPERLINK(""http://x"")"' in response.get_data(as_text=True)
    [row] = rows(response)
    assert row["title"] == '\'=HYPERLINK("http://x")'
    assert row["id"] == str(idea.id)
    # JSON is data, not a spreadsheet: the title comes as written.
    assert api.json(f"/api/v1/ideas/{idea.id}")["title"] == '=HYPERLINK("http://x")'

    [theme_row] = rows(api.get("/api/v1/themes?format=csv"))
    assert (theme_row["name_de"], theme_row["name_en"], theme_row["description_de"]) == (
        "'+Plus",
        "'@at",
        "'-minus",
    )
    [event_row] = rows(api.get("/api/v1/events?format=csv"))
    assert (event_row["title"], event_row["place"]) == ("'=1+1", "'\t=cmd")


def test_csv_columns_and_values(api):
    mobility = make_theme(slug="mobilitaet", name_de="Mobilität", name_en="Mobility")
    education = make_theme(slug="bildung", active=False)
    make_event(slug="e", themes=[mobility, education], voting_rule="dots", dot_budget=3)
    idea = make_idea(theme=mobility, from_paper_card=True, vote_count=4)

    themes = api.get("/api/v1/themes?format=csv")
    assert header(themes) == list(THEME_COLUMNS)
    assert themes.headers["Content-Disposition"] == 'attachment; filename="themes.csv"'
    assert [
        (row["slug"], row["name_de"], row["name_en"], row["active"]) for row in rows(themes)
    ] == [
        ("mobilitaet", "Mobilität", "Mobility", "true"),
        ("bildung", education.name_de, "", "false"),
    ]

    events = api.get("/api/v1/events?format=csv")
    assert header(events) == list(EVENT_COLUMNS)
    [event] = rows(events)
    assert event["themes"] == "mobilitaet bildung"
    assert (event["voting_rule"], event["dot_budget"], event["capacity"]) == ("dots", "3", "")
    assert event["starts_at"].endswith("Z")

    ideas = api.get("/api/v1/ideas?format=csv")
    assert header(ideas) == list(IDEA_COLUMNS)
    [row] = rows(ideas)
    expected = api.json(f"/api/v1/ideas/{idea.id}")
    assert row == {
        key: "" if expected[key] is None else str(expected[key]).replace("True", "true")
        for key in IDEA_COLUMNS
    }


def test_csv_filters_sort_and_pages_like_json(api):
    theme = make_theme(slug="t")
    other = make_theme(slug="o")
    for votes in (3, 9, 1, 9, 5, 0, 7):
        make_idea(theme=theme, vote_count=votes)
    make_idea(theme=other, vote_count=100)

    def json_ids(query):
        return [item["id"] for item in api.json(f"/api/v1/ideas?{query}")["items"]]

    def csv_ids(query):
        return [int(row["id"]) for row in rows(api.get(f"/api/v1/ideas?format=csv&{query}"))]

    for query in ("theme=t&sort=votes", "theme=t", "q=nummer&sort=votes"):
        # One CSV file holds the whole list (up to 10000 rows), JSON pages hold 20.
        assert csv_ids(query) == json_ids(query + "&per_page=100")
    assert csv_ids("theme=t&sort=votes&per_page=3&page=2") == json_ids(
        "theme=t&sort=votes&per_page=3&page=2"
    )
    response = api.get("/api/v1/ideas?format=csv&theme=t&per_page=3")
    assert response.headers["X-Total-Count"] == "7"
    assert 'rel="next"' in ", ".join(response.headers.getlist("Link"))
    assert api.json("/api/v1/ideas?format=csv&theme=t&per_page=3&page=4", status=404)["message"]


def test_csv_of_more_than_a_json_page(api):
    theme = make_theme(slug="t")
    for _ in range(105):
        make_idea(theme=theme, author=None, from_paper_card=True)
    assert len(rows(api.get("/api/v1/ideas?format=csv"))) == 105
    assert len(rows(api.get("/api/v1/ideas?format=csv&per_page=101&page=2"))) == 4
