"""robots.txt and the sitemap (one file, or an index of files past 50,000 URLs)."""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app

from . import sitemap
from .meta import TEMPLATE_GLOBALS, meta_text

bp = Blueprint("seo", __name__)

# Public and the same for everyone: a crawler may keep it a while.
CACHE_CONTROL = "public, max-age=600"
PRIVATE_AREAS = ("/account", "/moderation", "/organize", "/language/")


@bp.record_once
def _template_globals(state):
    state.app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    state.app.jinja_env.filters["meta_text"] = meta_text


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def _max_urls() -> int:
    return int(current_app.config.get("SITEMAP_MAX_URLS", sitemap.MAX_URLS))


def _answer(body: str, mimetype: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _xml(body: str):
    return _answer(body, "application/xml")


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in PRIVATE_AREAS]
    lines += ["", f"Sitemap: {_base_url()}/sitemap.xml", ""]
    return _answer("\n".join(lines), "text/plain")


@bp.get("/sitemap.xml")
def sitemap_xml():
    """All public pages in one sitemap; when they exceed the protocol's limit, an index of
    /sitemap-pages.xml and /sitemap-ideas-<n>.xml instead."""
    limit = _max_urls()
    pages = sitemap.page_entries()
    room = limit - len(pages)
    ideas = sitemap.idea_entries(0, room + 1) if room > 0 else [None]
    if len(ideas) <= room:
        return _xml(sitemap.urlset(_base_url(), pages + ideas))
    files = math.ceil(sitemap.published_idea_count() / limit)
    paths = ["/sitemap-pages.xml"] + [f"/sitemap-ideas-{n}.xml" for n in range(1, files + 1)]
    return _xml(sitemap.sitemap_index(_base_url(), paths))


@bp.get("/sitemap-pages.xml")
def sitemap_pages():
    return _xml(sitemap.urlset(_base_url(), sitemap.page_entries()))


@bp.get("/sitemap-ideas-<int:number>.xml")
def sitemap_ideas(number: int):
    limit = _max_urls()
    entries = sitemap.idea_entries((number - 1) * limit, limit) if number >= 1 else []
    if not entries:
        abort(404)
    return _xml(sitemap.urlset(_base_url(), entries))
