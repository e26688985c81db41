"""The open-data API: themes, events and published ideas as JSON or CSV, under CC BY 4.0."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

from ..csvsafe import write_csv
from ..errors import protocol_headers
from ..events.services import event_by_slug
from ..extensions import db
from ..ideas.queries import Page, idea_for_viewer
from ..opendata import LICENSE, LICENSE_URL
from ..summaries.document import json_record, published_document
from ..themes.services import theme_by_slug
from . import params, queries, serialize
from .openapi import build_spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")

CACHE_CONTROL = "public, max-age=60"
LICENSE_LINK = f'<{LICENSE_URL}>; rel="license"'


@bp.after_app_request
def _open_data_headers(response):
    # Read-only public data: any site may fetch it, any cache may keep it for a minute;
    # but a server error is passing, and no cache should hand it on. Every answer under
    # the API's prefix, also one for a URL no route matches (a 404 or 405 of the router).
    if not request.path.startswith(bp.url_prefix + "/") and request.path != bp.url_prefix:
        return response
    response.headers["Cache-Control"] = "no-store" if response.status_code >= 500 else CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.add("Link", LICENSE_LINK)
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    # Keep what the status requires (Allow on a 405), as Werkzeug's own answer would.
    return (
        jsonify(error=error.name, status=error.code, message=error.description),
        error.code,
        protocol_headers(error),
    )


@bp.errorhandler(InternalServerError)
def _server_error(_error):
    # Never the exception's text: it may quote SQL or data.
    db.session.rollback()
    return jsonify(
        error="Internal Server Error", status=500, message="Something went wrong on our side."
    ), 500


def _page_link(page: int, rel: str) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    url = current_app.config["BASE_URL"] + request.path + "?" + urlencode(args)
    return f'<{url}>; rel="{rel}"'


def _list_response(result: Page, list_params, record, row, columns, name: str):
    if list_params.format == "csv":
        response = current_app.response_class(
            write_csv((row(item) for item in result.items), columns), mimetype="text/csv"
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = jsonify(
            items=[record(item) for item in result.items],
            page=result.page,
            per_page=result.per_page,
            total=result.total,
            license=LICENSE,
        )
    response.headers["X-Total-Count"] = str(result.total)
    if result.has_prev:
        response.headers.add("Link", _page_link(result.page - 1, "prev"))
    if result.has_next:
        response.headers.add("Link", _page_link(result.page + 1, "next"))
    return response


@bp.get("/themes")
def themes():
    list_params = params.list_params(request.args)
    result = queries.themes_page(list_params.page, list_params.per_page)
    return _list_response(
        result,
        list_params,
        serialize.theme_record,
        serialize.theme_row,
        serialize.THEME_COLUMNS,
        "themes",
    )


@bp.get("/events")
def events():
    list_params = params.list_params(request.args)
    result = queries.events_page(list_params.page, list_params.per_page)
    return _list_response(
        result,
        list_params,
        serialize.event_record,
        serialize.event_row,
        serialize.EVENT_COLUMNS,
        "events",
    )


@bp.get("/ideas")
def ideas():
    list_params = params.list_params(request.args)
    # No sort: by relevance with `q`, else newest first (ideas.queries.effective_sort).
    sort = params.choice(request.args, "sort", params.SORTS, None)
    q = params.text(request.args, "q", max_length=params.MAX_Q_LENGTH)
    theme = event = None
    theme_slug = params.text(request.args, "theme", max_length=params.MAX_SLUG_LENGTH)
    if theme_slug is not None:
        theme = theme_by_slug(theme_slug)
    event_slug = params.text(request.args, "event", max_length=params.MAX_SLUG_LENGTH)
    if event_slug is not None:
        # A draft event answers like a missing one: its existence is not public.
        event = event_by_slug(event_slug, None)
    if (theme_slug is not None and theme is None) or (event_slug is not None and event is None):
        # No such theme or event: no idea matches (an empty list, as for any filter).
        result = queries.empty_page(list_params.page, list_params.per_page)
    else:
        result = queries.ideas_page(
            theme=theme,
            event=event,
            q=q,
            sort=sort,
            page=list_params.page,
            per_page=list_params.per_page,
        )
    return _list_response(
        result,
        list_params,
        serialize.idea_record,
        serialize.idea_record,
        serialize.IDEA_COLUMNS,
        "ideas",
    )


@bp.get("/ideas/<int:idea_id>")
def idea(idea_id: int):
    try:
        found = idea_for_viewer(None, idea_id)
    except NotFound:
        raise NotFound(description=f"There is no published idea {idea_id}.") from None
    return jsonify({**serialize.idea_record(found), "license": LICENSE})


@bp.get("/events/<slug>/summary")
def event_summary(slug: str):
    """The published summary (result) of an event: the same document as its page."""
    event = event_by_slug(slug, None)
    document = published_document(event) if event is not None else None
    if document is None:
        raise NotFound(description="There is no published summary for this event.")
    return jsonify(json_record(document))


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
