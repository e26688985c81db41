"""sanitize.clean_html: Markdown to a small safe subset; no XSS payload survives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from ideenwerkstatt.sanitize import LINK_REL, clean_html

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    '![x](x" onerror="alert(1))',
    '<a href="https://example.org" onclick="alert(1)">klick</a>',
    "<b onmouseover=alert(1)>fett</b>",
    "<div onpointerenter=alert(1)>x</div>",
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](  javascript:alert(1))",
    "[klick](java\tscript:alert(1))",
    "[klick](&#106;avascript:alert(1))",
    "[klick](&#x6A;&#x61;vascript:alert(1))",
    "[klick](&#0000106&#0000097vascript:alert(1))",
    "[klick](vbscript:msgbox(1))",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![bild](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<span style="position:fixed;top:0">overlay</span>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name=x></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<base href=//evil.example/>",
    "<!--<script>alert(1)</script>-->",
    "<<script>script>alert(1)<</script>/script>",
    "<a href='javascript:alert(1)'>x</a>",
    '[x](https://example.org"onmouseover="alert(1))',
    "<details open ontoggle=alert(1)>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
]

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre"}


class _Collector(HTMLParser):
    """What a browser would see as markup: every tag with its (decoded) attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _markup(html: str) -> list[tuple[str, dict]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.tags


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_xss_payload_survives(payload):
    html = str(clean_html(payload))
    for tag, attrs in _markup(html):
        assert tag in ALLOWED_TAGS, (payload, html)
        if tag == "a":
            assert set(attrs) <= {"href", "rel"}, (payload, html)
            if "href" in attrs:
                scheme = attrs["href"].split(":", 1)[0].strip().lower()
                assert scheme in {"http", "https", "mailto"}, (payload, html)
        else:
            assert attrs == {}, (payload, html)
    # Escaped text may mention "onerror", but never as an attribute of real markup.
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html, re.I), (payload, html)
    assert not re.search(r"<[^>]*style\s*=", html, re.I), (payload, html)


def test_links_without_a_safe_scheme_lose_their_href():
    for text in ("[a](/ideas/1)", "[a](x)", "[a](//evil.example)", "[a](#top)"):
        assert "href" not in str(clean_html(text)), text


def test_markdown_subset_is_kept():
    html = str(
        clean_html(
            "Hallo **Welt** und *du*\nneue Zeile\n\n> Zitat\n\n- eins\n- zwei\n\n1. erstens\n\n"
            "`code`\n\n```\nblock\n```"
        )
    )
    for tag in (
        "<strong>Welt</strong>",
        "<em>du</em>",
        "<br>",
        "<blockquote>",
        "<ul>",
        "<li>eins</li>",
        "<ol>",
        "<code>code</code>",
        "<pre><code>block",
    ):
        assert tag in html


def test_result_is_markup():
    assert isinstance(clean_html("x"), Markup)
    assert clean_html("") == ""


def test_links_get_rel_and_bare_urls_are_linked():
    html = str(clean_html("Siehe [hier](https://example.org/a) und https://hamm.de/x?y=1"))
    assert f'<a href="https://example.org/a" rel="{LINK_REL}">hier</a>' in html
    assert f'<a href="https://hamm.de/x?y=1" rel="{LINK_REL}">https://hamm.de/x?y=1</a>' in html
    assert html.count(f'rel="{LINK_REL}"') == 2


def test_mailto_is_allowed_and_urls_in_code_are_not_linked():
    html = str(clean_html("[Mail](mailto:rat@example.org)\n\n`https://example.org`"))
    assert 'href="mailto:rat@example.org"' in html
    assert "<code>https://example.org</code>" in html


def test_headings_and_images_are_flattened():
    html = str(clean_html("# Große Überschrift\n\n![Plan](https://example.org/plan.png)"))
    assert "<h1" not in html and "<img" not in html
    assert "<p>Große Überschrift</p>" in html
    assert f'<a href="https://example.org/plan.png" rel="{LINK_REL}">Plan</a>' in html


def test_typed_html_is_shown_as_text():
    html = str(clean_html("Ich finde <b>das</b> gut & richtig"))
    assert "&lt;b&gt;das&lt;/b&gt;" in html
    assert "&amp; richtig" in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meine Vorschläge:\n- eins\n- zwei", "<p>Meine Vorschläge:</p>\n<ul>\n<li>eins</li>"),
        ("Meine Vorschläge:\n\n- eins\n- zwei", "<p>Meine Vorschläge:</p>\n<ul>\n<li>eins</li>"),
        ("Schritte:\n1. eins\n2. zwei", "<p>Schritte:</p>\n<ol>\n<li>eins</li>"),
        ("Text\n* Stern\n+ Plus", "<p>Text</p>\n<ul>\n<li>Stern</li>\n<li>Plus</li>"),
    ],
)
def test_a_list_right_after_a_line_of_text_is_a_list(text, expected):
    """What the hint under the idea form promises: lists with "- " at the start of a line,
    also right under a line of text (no blank line needed)."""
    assert str(clean_html(text)).startswith(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A year at the start of a line is not a list (only "1." starts one after text).
        (
            "Gegründet im Jahr\n2026. Seitdem gut.",
            "<p>Gegründet im Jahr<br>\n2026. Seitdem gut.</p>",
        ),
        # Emphasis at the start of a line is not a list item.
        ("Das ist\n*wichtig* für alle", "<p>Das ist<br>\n<em>wichtig</em> für alle</p>"),
        # Code keeps its lines.
        ("Code:\n```\nx\n- y\n```", "<p>Code:</p>\n<pre><code>x\n- y\n</code></pre>"),
        # A lazy continuation line stays in its item; the list goes on.
        ("- eins\nweiter\n- zwei", "<ul>\n<li>eins<br>\nweiter</li>\n<li>zwei</li>\n</ul>"),
    ],
)
def test_what_is_not_a_list_after_text_stays_as_it_was(text, expected):
    assert str(clean_html(text)) == expected


def test_the_idea_form_hint_says_what_the_renderer_does(client, auth):
    """The hint under the body field names the list syntax; an idea written that way shows a
    list on its page."""
    from sqlalchemy import select

    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.ideas.models import Idea

    from .factories import make_theme

    make_theme(slug="bildung")
    auth.login_as("citizen")
    form = client.get("/ideas/new").get_data(as_text=True)
    assert "Listen mit „- “ am Zeilenanfang, auch direkt unter einer Textzeile" in form
    body = "Was fehlt an der Schule:\n- ein Schulgarten\n- längere Öffnungszeiten"
    response = client.post(
        "/ideas/new", data={"theme": "bildung", "title": "Schulhof", "body": body}
    )
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea))
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "<li>ein Schulgarten</li>" in page and "<li>längere Öffnungszeiten</li>" in page
