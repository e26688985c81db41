"""Summary pages: who may curate, the curation form, the public page, downloads and the API."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from pypdf import PdfReader

from ideenwerkstatt.extensions import db
from ideenwerkstatt.summaries import services
from ideenwerkstatt.summaries.document import CSV_COLUMNS
from ideenwerkstatt.summaries.models import Summary
from tests.factories import make_user
from tests.spreadsheets import open_like_a_german_spreadsheet
from tests.summaries.helpers import closed_event_with_ideas

CURATION = [
    ("get", "/events/sued/summary/edit"),
    ("post", "/events/sued/summary/start"),
    ("post", "/events/sued/summary/edit"),
    ("post", "/events/sued/summary/order"),
]


@pytest.fixture
def data(app):
    return closed_event_with_ideas()


def published(data):
    summary = services.start_summary(data["event"], make_user(role="moderator"))
    services.save_texts(
        summary,
        None,
        "Wir danken allen – „herzlich“!",
        "**Weiter** geht’s.",
        {summary.items[0].id: '=HYPERLINK("x")'},
    )
    services.publish_summary(summary, None)
    db.session.commit()
    return summary


@pytest.mark.parametrize(("method", "url"), CURATION)
def test_visitors_are_sent_to_login(client, data, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url"), CURATION)
@pytest.mark.parametrize("role", ["citizen"])
def test_citizens_are_refused(client, auth, data, method, url, role):
    auth.login_as(role)
    assert getattr(client, method)(url).status_code == 403


def test_no_summary_page_before_publishing(client, auth, data):
    for url in (
        "/events/sued/summary",
        "/events/sued/summary.pdf",
        "/events/sued/summary.csv",
        "/events/sued/summary.json",
    ):
        assert client.get(url).status_code == 404
    published_ = services.start_summary(data["event"], make_user(role="moderator"))
    db.session.commit()
    assert published_.id
    assert client.get("/events/sued/summary").status_code == 404
    auth.login_as("moderator")
    page = client.get("/events/sued/summary")
    assert page.status_code == 200
    assert "Vorschau:" in page.get_data(as_text=True)


def test_moderator_curates_and_publishes(client, auth, data):
    auth.login_as("moderator")
    page = client.get("/events/sued/summary/edit")
    assert "Entwurf anlegen" in page.get_data(as_text=True)
    assert client.post("/events/sued/summary/start").status_code == 302
    summary = db.session.query(Summary).one()
    ideas = data["ideas"]
    notes = {f"note-{item.id}": f"Notiz {item.idea.title}" for item in summary.items}
    form = {"intro": "Einleitung", "conclusion": "Fazit", **notes}
    response = client.post(
        "/events/sued/summary/edit", data={**form, "action": f"up:{ideas['b'].id}"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#idea-{ideas['b'].id}")
    response = client.post(
        "/events/sued/summary/edit", data={**form, "action": f"remove:{ideas['c'].id}"}
    )
    response = client.post("/events/sued/summary/edit", data={**form, "action": "publish"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/summary")
    auth.logout()
    body = client.get("/events/sued/summary").get_data(as_text=True)
    assert body.index("Idee B") < body.index("Idee A") < body.index("Idee D")
    assert "Idee C" not in body and "Notiz Idee B" in body and "Vorschau" not in body
    assert f'href="/ideas/{ideas["b"].id}"' in body


def test_too_long_texts_answer_422_and_keep_what_was_typed(client, auth, data):
    summary = services.start_summary(data["event"], make_user(role="moderator"))
    db.session.commit()
    auth.login_as("moderator")
    item = summary.items[0]
    response = client.post(
        "/events/sued/summary/edit",
        data={"intro": "x" * 20_001, "conclusion": "Mein Fazit", f"note-{item.id}": "n" * 2001},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Mein Fazit" in body and 'aria-invalid="true"' in body
    assert "Eine Notiz ist zu lang" in body


def test_unknown_action_is_a_400(client, auth, data):
    services.start_summary(data["event"], make_user(role="moderator"))
    db.session.commit()
    auth.login_as("moderator")
    assert client.post("/events/sued/summary/edit", data={"action": "up:x"}).status_code == 400
    assert client.post("/events/sued/summary/edit", data={"action": "nope"}).status_code == 400


def test_drag_and_drop_order(client, auth, data):
    summary = services.start_summary(data["event"], make_user(role="moderator"))
    db.session.commit()
    auth.login_as("moderator")
    ideas = data["ideas"]
    order = f"{ideas['c'].id},{ideas['a'].id},{ideas['b'].id}"
    assert client.post("/events/sued/summary/order", data={"order": order}).status_code == 204
    db.session.expire_all()
    assert [item.idea.title for item in summary.items][:3] == ["Idee C", "Idee A", "Idee B"]
    assert client.post("/events/sued/summary/order", data={"order": "x"}).status_code == 400


def test_page_has_chart_and_table_with_the_same_figures(client, data):
    published(data)
    body = client.get("/events/sued/summary").get_data(as_text=True)
    assert '<svg class="summary-chart" role="img" aria-labelledby="chart-title chart-desc"' in body
    assert '<title id="chart-title">' in body and '<desc id="chart-desc">' in body
    assert "style=" not in body
    assert 'data-theme="mobilitaet"' in body and "<table" in body
    assert "Bildung – „Schule“" in body
    assert "Wir danken allen" in body and "<strong>Weiter</strong>" in body


def test_csv_is_formula_safe_and_in_order(client, data):
    published(data)
    response = client.get("/events/sued/summary.csv")
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert [row["title"] for row in rows] == ["Idee A", "Idee B", "Idee C", "Idee D"]
    assert rows[0]["note"] == '\'=HYPERLINK("x")'
    assert rows[0]["vote_count"] == "3"


def test_csv_opens_in_a_german_spreadsheet_by_double_click(client, data):
    """BOM first, `;` as German Excel's list separator (README), umlauts and the en dash
    intact, one cell per column (a comma inside a cell stays in it)."""
    data["ideas"]["a"].title = "Idee A, mit Bänken"
    data["ideas"]["b"].title = "Idee B – „größer“; ÄÖÜß"
    db.session.commit()
    published(data)
    body = client.get("/events/sued/summary.csv").data
    assert body.startswith(b"\xef\xbb\xbfposition;id;title;")
    table = open_like_a_german_spreadsheet(body, delimiter=";")
    assert table[0] == list(CSV_COLUMNS)
    assert {len(row) for row in table} == {len(CSV_COLUMNS)}
    cells = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    assert cells[0]["title"] == "Idee A, mit Bänken"
    assert cells[1]["title"] == "Idee B – „größer“; ÄÖÜß"
    assert {row["theme"] for row in cells} == {"mobilitaet", "bildung"}


def test_json_download(client, data):
    published(data)
    response = client.get("/events/sued/summary.json")
    record = json.loads(response.get_data(as_text=True))
    assert record["event"] == "sued" and record["version"] == 1
    assert [item["title"] for item in record["items"]] == ["Idee A", "Idee B", "Idee C", "Idee D"]
    assert record["figures"]["participants"] == 7
    assert "email" not in response.get_data(as_text=True)


def test_pdf_has_the_ideas_in_order_page_numbers_and_date(client, data):
    published(data)
    response = client.get("/events/sued/summary.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    page = reader.pages[0]
    assert page.mediabox.width == pytest.approx(595.28, abs=1)  # A4
    text = "\n".join(p.extract_text() for p in reader.pages)
    positions = [text.index(title) for title in ("Idee A", "Idee B", "Idee C", "Idee D")]
    assert positions == sorted(positions)
    assert "Wir danken allen – „herzlich“!" in text
    assert "Bildung – „Schule“" in text
    assert f"Seite 1 von {len(reader.pages)}" in text
    assert "Stand " in text


# A text-showing array with a number between strings: fpdf2 widening the gaps of a
# justified line (left-aligned lines are shown with plain Tj).
STRETCHED_GAPS = re.compile(rb"\)\s*-?\d+(?:\.\d+)?\s*\(")


def test_pdf_is_not_justified_and_its_links_use_base_url(app, client, data):
    app.config["BASE_URL"] = "http://127.0.0.1:5101"
    data["event"].title = "Ideenwerkstatt Süd: Wie wollen wir in zehn Jahren in unserer Stadt leben"
    data["ideas"][
        "a"
    ].title = "Ein sehr langer Titel einer Idee, der in der PDF über zwei Zeilen geht"
    db.session.commit()
    summary = published(data)
    services.save_texts(summary, None, "Ein Absatz " * 40, "Noch ein Absatz " * 30, {})
    services.publish_summary(summary, None)
    db.session.commit()
    reader = PdfReader(io.BytesIO(client.get("/events/sued/summary.pdf").data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Wie wollen wir in zehn Jahren" in text
    for page in reader.pages:
        content = page.get_contents().get_data()
        assert b" Tj" in content
        assert not STRETCHED_GAPS.search(content), STRETCHED_GAPS.search(content).group()
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    ideas = data["ideas"]
    assert "http://127.0.0.1:5101/events/sued/summary" in links
    assert {f"http://127.0.0.1:5101/ideas/{ideas[k].id}" for k in "abcd"} <= set(links)
    assert all(link.startswith("http://127.0.0.1:5101/") for link in links), links
    assert "http://127.0.0.1:5101/events/sued/summary" in text
    assert "5000" not in text


def test_start_page_and_events_show_the_newest_summaries(client, data):
    assert "Neueste Ergebnisse" not in client.get("/").get_data(as_text=True)
    published(data)
    for url in ("/", "/events"):
        body = client.get(url).get_data(as_text=True)
        assert "Neueste Ergebnisse" in body and 'href="/events/sued/summary"' in body


def test_idea_page_shows_the_trail(client, data):
    published(data)
    body = client.get(f"/ideas/{data['ideas']['a'].id}").get_data(as_text=True)
    assert "Aufgenommen in das Ergebnis der Veranstaltung" in body


def test_api_summary(api, data):
    api.json("/api/v1/events/sued/summary", status=404)
    published(data)
    record = api.json("/api/v1/events/sued/summary")
    assert [item["position"] for item in record["items"]] == [1, 2, 3, 4]
    assert record["items"][0]["url"].endswith(f"/ideas/{data['ideas']['a'].id}")
    assert record["figures"]["themes"][0]["theme"] == "mobilitaet"
    api.json("/api/v1/events/nope/summary", status=404)


def test_pdf_renders_every_markdown_the_sanitizer_allows(client, data):
    summary = services.start_summary(data["event"], make_user(role="moderator"))
    markdown = (
        "Absatz mit *kursiv*, **fett** und `code`.\n\n- eins\n- zwei\n\n1. erstens\n\n"
        "> Zitat – „so“\n\n    vorformatiert\n\nhttps://example.org und [Link](https://example.org)"
    )
    services.save_texts(summary, None, markdown, markdown, {})
    services.publish_summary(summary, None)
    db.session.commit()
    response = client.get("/events/sued/summary.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Zitat – „so“" in text and "zwei" in text
