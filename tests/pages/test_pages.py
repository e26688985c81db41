"""The public pages: start, privacy notice, accessibility statement, imprint, easy language."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ideenwerkstatt.config import resource_dir

# path -> the page's main heading in German and in English
PAGES = {
    "/": ("Willkommen in der Ideenwerkstatt", None),  # English comes from the catalogue
    "/privacy": ("Datenschutzerklärung", "Privacy notice"),
    "/accessibility": ("Erklärung zur Barrierefreiheit", "Accessibility statement"),
    "/imprint": ("Impressum", "Legal notice (Impressum)"),
    "/easy-language": (
        "Die Ideen-Werkstatt in Leichter Sprache",
        "The Ideenwerkstatt in plain English",
    ),
}

# Outbound links a person may choose to follow (navigations, not requests the page makes):
# authorities a legal text must name.
ALLOWED_LINK_HOSTS = {"www.schlichtungsstelle-bgg.de"}


def get(client, path: str, locale: str = "de"):
    """GET as a browser that prefers `locale`."""
    return client.get(path, headers={"Accept-Language": locale})


def h1_of(page_html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page_html, re.S)
    assert match, "the page has no <h1>"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("locale", ["de", "en"])
def test_public_page_in_both_languages(client, path, locale):
    response = get(client, path, locale)
    assert response.status_code == 200
    assert f'<html lang="{locale}">' in response.text
    german, english = PAGES[path]
    expected = german if locale == "de" else english
    if expected:
        assert h1_of(response.text) == expected
    assert response.text.count("<h1") == 1
    assert 'class="skip-link" href="#main"' in response.text
    assert '<main id="main"' in response.text


@pytest.mark.parametrize("path", [p for p in PAGES if p != "/"])
def test_language_switch_shows_the_english_text_of_the_same_page(client, path):
    response = client.get(f"/language/en?next={path}")
    assert response.headers["Location"] == path
    page = client.get(path).text
    assert h1_of(page) == PAGES[path][1]
    # The switch back names its language in that language.
    assert 'lang="de" hreflang="de">Deutsch</a>' in page


def test_the_current_page_is_marked_in_the_navigation(client):
    page = get(client, "/accessibility").text
    assert re.search(r'href="/accessibility"\s*aria-current="page"', page)
    assert not re.search(r'href="/privacy"\s*aria-current', page)


def test_flash_messages_have_a_status_region_on_every_page(client):
    assert 'id="flash-messages" role="status"' in get(client, "/imprint").text


def test_start_page_explains_the_three_steps_and_invites_to_register(client):
    page = get(client, "/").text
    for step in ("Ideen sammeln", "Abstimmen", "Ergebnis"):
        assert f"<h3>{step}</h3>" in page
    assert 'href="/account/register"' in page
    for path in ("/privacy", "/accessibility", "/imprint", "/easy-language"):
        assert f'href="{path}"' in page


def test_unknown_page_is_a_helpful_404_in_both_languages(client):
    german = get(client, "/no-such-page")
    assert german.status_code == 404
    assert h1_of(german.text) == "Seite nicht gefunden"
    assert "<title>Seite nicht gefunden · Ideenwerkstatt</title>" in german.text
    english = get(client, "/no-such-page", "en")
    assert english.status_code == 404 and '<html lang="en">' in english.text


# --- privacy notice -------------------------------------------------------------------------


def test_privacy_notice_lists_every_inventory_row(app, client):
    from ideenwerkstatt.privacy.inventory import inventory_rows

    with app.test_request_context(headers={"Accept-Language": "de"}):
        rows = inventory_rows()
    page = get(client, "/privacy", "de").text
    for row in rows:
        for key in ("data", "purpose", "legal_basis", "retention"):
            assert html.escape(row[key], quote=False) in page, (key, row[key])
        for column in row["columns"]:
            assert column.split(".", 1)[0] in page


def test_privacy_notice_renders_inventory_rows_as_a_table(client, monkeypatch):
    rows = [
        {
            "data": "E-Mail-Adresse",
            "purpose": "Anmelden",
            "legal_basis": "Art. 6 Abs. 1 lit. a DSGVO",
            "retention": "Bis Sie Ihr Konto löschen.",
            "columns": ["user.email", "outbox_message.recipient"],
            "tables": ["outbox_message", "user"],
        }
    ]
    monkeypatch.setattr("ideenwerkstatt.privacy.inventory.inventory_rows", lambda: rows)
    page = get(client, "/privacy").text
    assert '<caption id="inventory-caption">' in page
    assert '<th scope="row">E-Mail-Adresse' in page
    assert "<code>user: email</code>" in page
    assert "<code>outbox_message: recipient</code>" in page
    assert "<td>Bis Sie Ihr Konto löschen.</td>" in page


def test_privacy_notice_copes_with_an_empty_inventory(client, monkeypatch):
    monkeypatch.setattr("ideenwerkstatt.privacy.inventory.inventory_rows", lambda: [])
    page = get(client, "/privacy").text
    assert "<table" not in page
    assert "Die Übersicht ist gerade nicht verfügbar." in page


@pytest.mark.parametrize(
    "app_config", [{"UNCONFIRMED_ACCOUNT_DAYS": 5, "SENT_MAIL_RETENTION_DAYS": 21}]
)
def test_privacy_notice_states_the_configured_retention(client):
    page = get(client, "/privacy").text
    assert "<strong>Nicht bestätigte Konten</strong> löschen wir nach 5 Tagen." in page
    assert "im Postausgang löschen wir 21 Tage nach dem Versand." in page
    english = get(client, "/privacy", "en").text
    assert "are deleted after 5 days." in english


def test_privacy_notice_names_controller_cookie_and_rights(client):
    page = get(client, "/privacy").text
    assert "Ideenwerkstatt Musterstadt" in page
    assert 'href="mailto:datenschutz@example.org"' in page
    assert "<code>iw_session</code>" in page
    assert "§ 25 Abs. 2 Nr. 2 TDDDG" in page
    for article in ("Art. 15", "Art. 16", "Art. 17", "Art. 18", "Art. 20", "Art. 21", "Art. 77"):
        assert article in page


# --- imprint and operator overrides -----------------------------------------------------


def test_imprint_marks_sample_values_for_the_operator(client):
    page = get(client, "/imprint").text
    assert "Angaben gemäß § 5 DDG" in page
    assert "[Beispielangabe, bitte ersetzen: OPERATOR_NAME]" in page


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "OPERATOR_NAME": "Stadt Hamm, Amt für Bürgerbeteiligung",
            "OPERATOR_ADDRESS": "Theodor-Heuss-Platz 16, 59065 Hamm",
            "OPERATOR_EMAIL": "beteiligung@hamm.example",
            "OPERATOR_PHONE": "02381 17-0",
        }
    ],
)
def test_imprint_shows_the_configured_operator(client):
    page = get(client, "/imprint").text
    assert "Stadt Hamm, Amt für Bürgerbeteiligung" in page
    assert "Theodor-Heuss-Platz 16, 59065 Hamm" in page
    assert 'href="mailto:beteiligung@hamm.example"' in page
    assert "02381 17-0" in page
    assert "OPERATOR_NAME]" not in page and "OPERATOR_PHONE]" not in page


def test_operator_replaces_the_imprint_with_a_template_in_the_instance_folder(app, client):
    override = Path(app.instance_path) / "templates" / "pages" / "imprint.de.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        '{% extends "pages/_legal.html" %}{% block title %}Impressum{% endblock %}'
        "{% block page %}<p>Verein Zukunft Hamm e. V., vertreten durch den Vorstand</p>"
        "{% endblock %}",
        encoding="utf-8",
    )
    german = get(client, "/imprint").text
    assert "Verein Zukunft Hamm e. V., vertreten durch den Vorstand" in german
    assert "Bitte ergänzen" not in german
    assert 'class="skip-link"' in german  # still inside the site's frame
    # Only the language that was replaced changes.
    english = get(client, "/imprint", "en").text
    assert "Verein Zukunft Hamm" not in english
    assert "Information according to § 5 DDG" in english


# --- no third parties -------------------------------------------------------------------

_URL_ATTRIBUTE = re.compile(
    r"<(?P<tag>[a-zA-Z]+)\b[^>]*?\b(?P<attr>src|href|srcset|action|poster|data)\s*=\s*"
    r"[\"']?(?P<url>[^\"'\s>]+)",
    re.S,
)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])(?P<url>[^\"')\s]+)")
_QUOTED_URL = re.compile(r"[\"'`](?P<url>(?:https?:)?//[^\"'`\s]+)")


def _foreign_host(url: str) -> str | None:
    """The host a literal URL points to, if it is another one than our own."""
    if url.startswith("{{") or url.startswith("{%"):
        return None  # built by url_for()/config at render time
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ftp", "ws", "wss") or url.startswith("//"):
        return parts.netloc or "?"
    return None


def _source_files(folder: str, suffixes: tuple[str, ...]) -> list[Path]:
    root = resource_dir(folder)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)


def test_no_template_loads_or_links_anything_from_another_host():
    offenders = []
    for path in _source_files("templates", (".html", ".txt")):
        text = path.read_text(encoding="utf-8")
        for match in _URL_ATTRIBUTE.finditer(text):
            host = _foreign_host(match["url"])
            if host is None:
                continue
            outbound_link = match["tag"].lower() == "a" and match["attr"] == "href"
            if outbound_link and host in ALLOWED_LINK_HOSTS:
                continue
            offenders.append(f"{path.name}: <{match['tag']} {match['attr']}={match['url']}>")
    assert offenders == []


def test_no_stylesheet_or_script_refers_to_another_host():
    offenders = []
    for path in _source_files("static", (".css", ".js")):
        text = path.read_text(encoding="utf-8")
        urls = [m["url"] for m in _CSS_URL.finditer(text)]
        urls += [m["url"] for m in _QUOTED_URL.finditer(text)]
        offenders += [f"{path.name}: {url}" for url in urls if _foreign_host(url)]
    assert offenders == []
