"""GET /catalog (content negotiation) and /catalog.ttl, /catalog.rdf, /catalog.jsonld."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from ..opendata import LICENSE_URL
from . import services

bp = Blueprint("catalog", __name__)

CACHE_CONTROL = "public, max-age=300"


def _answer(syntax: services.Syntax, *, negotiated: bool):
    data = services.catalog_data()
    body = services.serialize(data, syntax)
    response = current_app.response_class(body, mimetype=syntax.media_type)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Link"] = f'<{LICENSE_URL}>; rel="license"'
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/catalog.{syntax.extension}"
    if data.modified is not None:
        response.last_modified = data.modified
    response.add_etag()
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
