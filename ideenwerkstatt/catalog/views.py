"""GET /catalog (content negotiation) and /catalog.ttl, /catalog.rdf, /catalog.jsonld."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from sqlalchemy import event

from ..clusterstate import PAGES, generation
from ..extensions import db
from ..opendata import LICENSE_URL
from ..pagecache import PageCache
from . import services

bp = Blueprint("catalog", __name__)

CACHE_CONTROL = "public, max-age=300"


@bp.record_once
def _remember_catalogue(state):
    """The serialized catalogue is kept per syntax for CATALOG_CACHE_SECONDS in each
    process, and forgotten at any write this process sends; with REDIS_URL the key holds the
    cluster's page generation, so any server's write shows at the next request (the page
    cache's rule)."""
    seconds = float(state.app.config.get("CATALOG_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return
    cache = PageCache(seconds)
    state.app.extensions["catalog_cache"] = cache
    with state.app.app_context():
        event.listen(db.engine, "after_cursor_execute", cache.on_statement)


def _answer(syntax: services.Syntax, *, negotiated: bool):
    cache = current_app.extensions.get("catalog_cache")
    cluster = generation(PAGES) if cache is not None else None
    if cluster is None:
        cache = None  # off, or Redis unreachable: another server's write could not be seen
    key = (cluster, syntax.extension)
    hit = cache.get(key) if cache is not None else None
    if hit is not None:
        _deadline, _status, headers, body = hit
        response = current_app.response_class(body, headers=headers, mimetype=syntax.media_type)
    else:
        data = services.catalog_data()
        body = services.serialize(data, syntax)
        response = current_app.response_class(body, mimetype=syntax.media_type)
        if data.modified is not None:
            response.last_modified = data.modified
        response.add_etag()
        if cache is not None:
            kept = [(k, v) for k, v in response.headers.items() if k in ("ETag", "Last-Modified")]
            cache.put(key, 200, kept, body)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Link"] = f'<{LICENSE_URL}>; rel="license"'
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/catalog.{syntax.extension}"
    return response.make_conditional(request)


@bp.get("/catalog")
def negotiated():
    """Turtle unless the Accept header prefers RDF/XML or JSON-LD; 406 when it accepts none
    of the three (nor any type)."""
    syntax = services.negotiate(request.accept_mimetypes)
    if syntax is None:
        body = "Not Acceptable. Available: " + ", ".join(services.MEDIA_TYPES) + "\n"
        response = current_app.response_class(body, status=406, mimetype="text/plain")
        response.headers["Vary"] = "Accept"
        return response
    return _answer(syntax, negotiated=True)


@bp.get("/catalog.ttl")
def turtle():
    return _answer(services.TURTLE, negotiated=False)


@bp.get("/catalog.rdf")
def rdf_xml():
    return _answer(services.RDF_XML, negotiated=False)


@bp.get("/catalog.jsonld")
def json_ld():
    return _answer(services.JSON_LD, negotiated=False)
