"""What a page says about itself in <head>: which pages are public (indexed, with a
canonical link and Open Graph tags), their canonical address and a short plain-text summary."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, request, url_for
from flask_babel import gettext
from markupsafe import Markup

# The pages search engines and link previews may show. Everything else (accounts,
# moderation, organizing, forms, error pages) says `noindex`.
PUBLIC_ENDPOINTS = frozenset(
    {
        "pages.index",
        "pages.privacy",
        "pages.accessibility",
        "pages.imprint",
        "pages.easy_language",
        "ideas.index",
        "ideas.detail",
        "themes.detail",
        "events.index",
        "events.detail",
        "summaries.show",
    }
)
# Query parameters that change what a public page shows (the rest only sort or search).
CANONICAL_PARAMS = ("theme", "event", "page")
DESCRIPTION_LENGTH = 160
SHARE_IMAGE = "img/share.png"  # 1200 x 630, made by scripts/share_image.py
SHARE_IMAGE_SIZE = (1200, 630)
OG_LOCALES = {"de": "de_DE", "en": "en_GB"}


def is_public_page() -> bool:
    """Whether this request's page is one of the public pages (the template may still say
    `noindex` for a state only some people see, e.g. a pending idea)."""
    return request.endpoint in PUBLIC_ENDPOINTS


def absolute_url(path: str) -> str:
    """A path on this site as an absolute URL under BASE_URL."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def canonical_url() -> str:
    """The page's own absolute address: BASE_URL, the path, and only the query parameters
    that change the content (theme, event, page past the first)."""
    params = []
    for name in CANONICAL_PARAMS:
        value = request.args.get(name, "")
        if not value or (name == "page" and (not value.isdigit() or int(value) <= 1)):
            continue
        params.append((name, value))
    path = request.path
    if params:
        path += "?" + urlencode(params)
    return absolute_url(path)


def share_image_url() -> str:
    return absolute_url(url_for("static", filename=SHARE_IMAGE))


def og_locale(locale: str) -> str:
    return OG_LOCALES.get(locale, "de_DE")


def default_description() -> str:
    return gettext(
        "Bürger*innen sammeln Ideen für ihre Stadt, stimmen gemeinsam darüber ab und sehen, "
        "was aus ihren Vorschlägen wird."
    )


def meta_text(value, length: int = DESCRIPTION_LENGTH) -> str:
    """Plain text of HTML (Markup, e.g. `idea.body_html|stored_html`) or of text, whitespace
    collapsed, cut at a word before `length` characters with an ellipsis: for a meta
    description."""
    if not value:
        return ""
    text = value.striptags() if isinstance(value, Markup) else " ".join(str(value).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–-") + "…"


TEMPLATE_GLOBALS = {
    "is_public_page": is_public_page,
    "canonical_url": canonical_url,
    "share_image_url": share_image_url,
    "share_image_size": SHARE_IMAGE_SIZE,
    "og_locale": og_locale,
    "default_description": default_description,
}
