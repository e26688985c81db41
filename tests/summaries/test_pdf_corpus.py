"""Whatever Markdown the sanitizer lets through, the summary's PDF renders: links that keep
their target, links that lose it (relative, javascript:), images, lists, headings, code,
quotes, tables (which the sanitizer flattens), and the worst mixtures of them."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from ideenwerkstatt.extensions import db
from ideenwerkstatt.summaries import services
from ideenwerkstatt.summaries.models import SummaryStatus
from ideenwerkstatt.summaries.pdf import render_pdf
from tests.factories import make_user
from tests.summaries.helpers import closed_event_with_ideas

CORPUS = {
    "relative-link": "Siehe [Protokoll](/docs/protokoll.pdf) und [hier](protokoll.pdf).",
    "javascript-link": "Ein [Klick](javascript:alert(1)) und [noch einer](JaVaScRiPt:x).",
    "absolute-link": "Mehr unter [der Stadt](https://musterstadt.example/rat?a=1&b=2).",
    "mailto-link": "Fragen an [die Orga](mailto:orga@example.org?subject=Frage).",
    "bare-url": "Alles auf https://musterstadt.example/ergebnis und www.example.org.",
    "empty-link": "Ein [leerer Link]() und [](https://example.org) ohne Text.",
    "data-link": "[Daten](data:text/html;base64,PHNjcmlwdD4=) und [ftp](ftp://example.org).",
    "image-absolute": "![Plan der Innenstadt](https://musterstadt.example/plan.png)",
    "image-relative": "![Plan](/static/plan.png) ![](/static/leer.png)",
    "image-in-link": "[![Logo](/logo.png)](https://example.org)",
    "lists": "- eins\n- zwei\n    - zwei a\n    - zwei b\n- drei\n\n1. erstens\n2. zweitens\n",
    "list-with-links": "- [rel](/a)\n- [abs](https://example.org/b)\n- [mail](mailto:a@b.de)\n",
    "headings": "# Eins\n## Zwei\n### Drei\n#### Vier\n##### Fünf\n###### Sechs\nText",
    "emphasis": "**fett** *kursiv* ***beides*** `code` ~~durch~~ __auch fett__",
    "code-block": "```\ndef f():\n    return '<b>' * 200\n```\n\n    eingerückt " + "x" * 300,
    "quote": "> Zitat mit [Link](/x)\n> und **fett**\n>\n> > verschachtelt",
    "table": "| Thema | Stimmen |\n| --- | --- |\n| Mobilität | 12 |\n| [Bildung](/b) | 3 |",
    "html-typed": "<script>alert(1)</script> <a href='/x'>roh</a> <img src=x onerror=y> <b>b</b>",
    "long-word": "A" * 500 + " " + "https://example.org/" + "b" * 400,
    "unicode": "„Anführung“ – Gedankenstrich … 😀 مرحبا 日本語 \u2028 Zeilentrenner \u00ad",
    "control-chars": "Steuer\x0bzeichen\x0c und \x1b[31m rot",
    "rule-and-breaks": "oben\n\n---\n\nunten  \nmit Umbruch\n***\n",
    "link-with-markup": "[**fett** und *kursiv* und `code`](/relativ) [**abs**](https://e.org)",
    "nested-list-in-quote": "> - [a](/a)\n>   1. b\n>   2. [c](mailto:c@d.e)\n",
    "empty": "",
    "only-spaces": "   \n\n   ",
}


@pytest.fixture
def data(app):
    return closed_event_with_ideas()


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_every_allowed_construct_renders_in_the_pdf(app, data):
    """Each piece of the corpus as introduction and conclusion, rendered as the download
    renders it (one app for the corpus: a PDF takes a while to make)."""
    from ideenwerkstatt.summaries.document import draft_document

    summary = services.start_summary(data["event"], make_user(role="moderator"))
    failures = []
    for name, markdown in CORPUS.items():
        services.save_texts(summary, None, "Einleitung: " + markdown, "Fazit: " + markdown, {})
        try:
            with app.test_request_context():
                text = _pdf_text(render_pdf(draft_document(data["event"]), "de"))
        except Exception as exc:  # collected: the message names every failing piece
            failures.append((name, repr(exc)))
            continue
        if "Einleitung:" not in text or "Fazit:" not in text or "Idee A" not in text:
            failures.append((name, text[:200]))
    assert failures == []


def test_all_of_it_published_is_a_pdf_in_both_languages(client, data):
    summary = services.start_summary(data["event"], make_user(role="moderator"))
    everything = "\n\n".join(CORPUS.values())
    services.save_texts(
        summary, None, "Einleitung:\n\n" + everything, "Fazit:\n\n" + everything, {}
    )
    services.publish_summary(summary, None)
    db.session.commit()
    for language in ("de", "en"):
        response = client.get("/events/sued/summary.pdf", headers={"Accept-Language": language})
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        text = _pdf_text(response.data)
        assert "Einleitung:" in text and "Fazit:" in text and "Idee A" in text
        assert "Plan der Innenstadt" in text and "Mobilität" in text


def test_a_link_without_a_usable_target_is_plain_text(client, data):
    summary = services.start_summary(data["event"], make_user(role="moderator"))
    services.save_texts(summary, None, CORPUS["relative-link"], CORPUS["javascript-link"], {})
    services.publish_summary(summary, None)
    db.session.commit()
    response = client.get("/events/sued/summary.pdf")
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert "Siehe Protokoll und hier." in text
    assert "Ein Klick und noch einer." in text
    assert b"/URI (javascript" not in response.data.replace(b"\n", b" ")


def test_a_summary_whose_pdf_fails_cannot_be_published(client, auth, data, monkeypatch):
    """Publishing renders the PDF first: if that fails, the moderator gets a message and
    the public result stays as it was."""
    auth.login_as("moderator")
    client.post("/events/sued/summary/start")

    def broken(*_args, **_kwargs):
        raise KeyError("href")

    monkeypatch.setattr("ideenwerkstatt.summaries.pdf.render_pdf", broken)
    response = client.post(
        "/events/sued/summary/edit",
        data={"intro": "Siehe [Protokoll](/docs/p.pdf)", "conclusion": "", "action": "publish"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "PDF" in response.get_data(as_text=True)
    summary = services.summary_for_event(data["event"])
    assert summary.status != SummaryStatus.PUBLISHED
    assert summary.version == 0
    assert summary.intro == "Siehe [Protokoll](/docs/p.pdf)"  # what was typed is kept
    assert client.get("/events/sued/summary.pdf").status_code == 200  # the preview still


def test_render_pdf_needs_no_request(app, data):
    """The renderer alone, as publishing calls it: bytes a reader opens."""
    from ideenwerkstatt.summaries.document import draft_document

    summary = services.start_summary(data["event"], make_user(role="moderator"))
    services.save_texts(summary, None, CORPUS["image-relative"], CORPUS["table"], {})
    with app.test_request_context():
        pdf = render_pdf(draft_document(data["event"]), "de")
    assert "Plan" in _pdf_text(pdf)
