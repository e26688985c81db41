"""The OpenAPI 3.0.3 document of the open-data API, written by hand; the tests hold the
API to it."""

from __future__ import annotations

import copy

from ..opendata import LICENSE_URL
from ..routing import MAX_ID
from .params import (
    CSV_MAX_ROWS,
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_Q_LENGTH,
    MAX_SLUG_LENGTH,
)
from .serialize import EVENT_COLUMNS, IDEA_COLUMNS, THEME_COLUMNS

DESCRIPTION = f"""\
Open data of the Ideenwerkstatt: themes, events (never drafts) and published ideas with their
vote counts. Read-only, no authentication, no personal data: an idea names its author only
by the display name the author chose to show (otherwise `null`); no e-mail address and no
account id appears anywhere.

**Licence**: the data is published under Creative Commons Attribution 4.0 International
(CC BY 4.0, {LICENSE_URL}). Every response says so in a `Link: <{LICENSE_URL}>; rel="license"`
header, and every JSON object or list in a `license` field.

**Lists** answer `{{"items": [...], "page": 1, "per_page": {DEFAULT_PER_PAGE}, "total": 123,
"license": {{...}}}}`. `page` starts at 1; a JSON page holds 1 to {MAX_PER_PAGE} rows
(default {DEFAULT_PER_PAGE}; a larger `per_page`, up to {CSV_MAX_ROWS}, gives pages of
{MAX_PER_PAGE}, and the answer's `per_page` says so). A page past the last one answers 404;
an empty list still has page 1. A filter that matches nothing (also an unknown theme or
event) gives an empty list.
The `Link` header also carries `rel="prev"` and `rel="next"` links, and `X-Total-Count` the
total. A parameter given with an empty value (`theme=`) counts as absent; unknown
parameters are ignored; a malformed one, or one given twice, answers 400 with a message.

**CSV**: `?format=csv` on a list gives the same rows, filters and order as `text/csv;
charset=utf-8` (RFC 4180: comma, double quotes, CRLF, a header row) after a UTF-8 byte
order mark (U+FEFF), so that spreadsheet programs read umlauts as UTF-8 (read it with the
`utf-8-sig` codec; German Excel splits at `;`: open it with Data, From Text/CSV).
A CSV page holds up to {CSV_MAX_ROWS} rows, and `per_page` defaults to {CSV_MAX_ROWS}
there, so one download usually holds the whole data set; larger sets come in pages
(`page=2` …). Nested values are flattened: a theme's names and descriptions become
`name_de`, `name_en`, `description_de`, `description_en`; an event's themes are its theme
slugs separated by spaces. A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading `'`, so that no spreadsheet runs it as a formula. Columns: themes
{", ".join(THEME_COLUMNS)}; events {", ".join(EVENT_COLUMNS)}; ideas {", ".join(IDEA_COLUMNS)}.

**Catalogue**: open-data portals find these data sets in the DCAT-AP.de 2.0 catalogue at
`/catalog` (Turtle; RDF/XML and JSON-LD by content negotiation, or `/catalog.ttl`,
`/catalog.rdf`, `/catalog.jsonld`): all published ideas, each theme's ideas and each published
event result, with this API as their data service.

**Times** are ISO 8601 in UTC with a `Z`, to the second (`2025-05-01T18:00:00Z`).

**Caching and CORS**: responses carry `Cache-Control: public, max-age=60` (server errors:
`no-store`) and `Access-Control-Allow-Origin: *`.

**Errors** are JSON: `{{"error": "Bad Request", "status": 400, "message": "..."}}`; 400 for
a malformed parameter, 404 for a page past the last one or an idea that is not published,
405 for any method but GET (with an `Allow` header), 500 when the server fails. A request
line longer than the server takes (a very long query) may be answered 414 by the server
before it reaches the API, without a JSON body.
"""

LICENSE = {
    "type": "object",
    "description": "The licence of the data: CC BY 4.0.",
    "required": ["name", "url"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": ["CC-BY-4.0"]},
        "url": {"type": "string", "enum": [LICENSE_URL]},
    },
}

LOCALIZED_TEXT = {
    "type": "object",
    "description": "A text in German (`de`, always set) and English (`en`, may be empty).",
    "required": ["de", "en"],
    "additionalProperties": False,
    "properties": {"de": {"type": "string"}, "en": {"type": "string"}},
}

DATE_TIME = {"type": "string", "format": "date-time", "example": "2025-05-01T18:00:00Z"}
URL = {"type": "string", "format": "uri", "description": "The page on the platform."}

THEME = {
    "type": "object",
    "required": ["slug", "name", "description", "active", "url"],
    "additionalProperties": False,
    "properties": {
        "slug": {"type": "string", "example": "mobilitaet"},
        "name": {"$ref": "#/components/schemas/LocalizedText"},
        "description": {"$ref": "#/components/schemas/LocalizedText"},
        "active": {
            "type": "boolean",
            "description": "False for a retired theme: it keeps its ideas but takes no new ones.",
        },
        "url": URL,
    },
}

EVENT = {
    "type": "object",
    "required": [
        "slug",
        "title",
        "description",
        "place",
        "starts_at",
        "ends_at",
        "phase",
        "voting_rule",
        "dot_budget",
        "capacity",
        "themes",
        "url",
    ],
    "additionalProperties": False,
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "place": {"type": "string"},
        "starts_at": DATE_TIME,
        "ends_at": DATE_TIME,
        "phase": {
            "type": "string",
            "enum": ["collecting", "voting", "closed"],
            "description": "collecting: ideas may be submitted; voting: votes count; closed: over.",
        },
        "voting_rule": {
            "type": "string",
            "enum": ["support", "dots"],
            "description": "support: one vote per person and idea; dots: a budget per person.",
        },
        "dot_budget": {
            "type": "integer",
            "minimum": 1,
            "nullable": True,
            "description": "Dots per person (voting_rule dots), else null.",
        },
        "capacity": {
            "type": "integer",
            "minimum": 1,
            "nullable": True,
            "description": "Places at the event; null: unlimited.",
        },
        "themes": {"type": "array", "items": {"type": "string"}, "description": "Theme slugs."},
        "url": URL,
    },
}

IDEA_PROPERTIES = {
    "id": {"type": "integer", "minimum": 1},
    "title": {"type": "string", "maxLength": 120},
    "body_html": {
        "type": "string",
        "description": "The text as sanitized HTML (paragraphs, emphasis, lists, links).",
    },
    "theme": {"type": "string", "description": "The theme's slug."},
    "event": {"type": "string", "nullable": True, "description": "The event's slug, or null."},
    "vote_count": {
        "type": "integer",
        "minimum": 0,
        "description": "Support votes, or dots given (events with voting_rule dots).",
    },
    "created_at": DATE_TIME,
    "published_at": {**DATE_TIME, "nullable": True},
    "author": {
        "type": "string",
        "nullable": True,
        "description": "The display name the author chose to show, else null.",
    },
    "from_paper_card": {
        "type": "boolean",
        "description": "Written on a paper card at a workshop and typed in by a moderator.",
    },
    "url": URL,
}

IDEA = {
    "type": "object",
    "required": list(IDEA_PROPERTIES),
    "additionalProperties": False,
    "properties": IDEA_PROPERTIES,
}

IDEA_DETAIL = {
    "type": "object",
    "required": [*IDEA_PROPERTIES, "license"],
    "additionalProperties": False,
    "properties": {**IDEA_PROPERTIES, "license": {"$ref": "#/components/schemas/License"}},
}

SUMMARY_ITEM = {
    "type": "object",
    "required": ["position", "id", "title", "theme", "vote_count", "note", "url"],
    "additionalProperties": False,
    "properties": {
        "position": {"type": "integer", "minimum": 1, "description": "1, 2, … in order."},
        "id": {"type": "integer", "minimum": 1, "description": "The idea's id."},
        "title": {"type": "string", "description": "The idea's title when published."},
        "theme": {"type": "string", "description": "The theme's slug."},
        "vote_count": {"type": "integer", "minimum": 0},
        "note": {"type": "string", "description": "The moderators' note (plain text)."},
        "url": URL,
    },
}

THEME_FIGURES = {
    "type": "object",
    "required": ["theme", "name", "ideas", "votes", "participants"],
    "additionalProperties": False,
    "properties": {
        "theme": {"type": "string", "description": "The theme's slug."},
        "name": {"$ref": "#/components/schemas/LocalizedText"},
        "ideas": {"type": "integer", "minimum": 0},
        "votes": {"type": "integer", "minimum": 0},
        "participants": {"type": "integer", "minimum": 0},
    },
}

SUMMARY_FIGURES = {
    "type": "object",
    "description": "Participation: published ideas, votes (their counts' sum) and "
    "participants (distinct people who submitted or voted), in all and per theme.",
    "required": ["participants", "ideas", "votes", "themes"],
    "additionalProperties": False,
    "properties": {
        "participants": {"type": "integer", "minimum": 0},
        "ideas": {"type": "integer", "minimum": 0},
        "votes": {"type": "integer", "minimum": 0},
        "themes": {"type": "array", "items": {"$ref": "#/components/schemas/ThemeFigures"}},
    },
}

SUMMARY = {
    "type": "object",
    "required": [
        "event",
        "title",
        "version",
        "published_at",
        "updated_at",
        "intro_html",
        "conclusion_html",
        "figures",
        "items",
        "url",
        "license",
    ],
    "additionalProperties": False,
    "properties": {
        "event": {"type": "string", "description": "The event's slug."},
        "title": {"type": "string", "description": "The event's title."},
        "version": {"type": "integer", "minimum": 1, "description": "Publishes so far."},
        "published_at": {**DATE_TIME, "description": "The first publish."},
        "updated_at": {**DATE_TIME, "description": "The latest publish."},
        "intro_html": {"type": "string", "description": "Sanitized HTML."},
        "conclusion_html": {"type": "string", "description": "Sanitized HTML."},
        "figures": {"$ref": "#/components/schemas/SummaryFigures"},
        "items": {
            "type": "array",
            "description": "The selected ideas in order (hidden ideas drop out).",
            "items": {"$ref": "#/components/schemas/SummaryItem"},
        },
        "url": URL,
        "license": {"$ref": "#/components/schemas/License"},
    },
}

ERROR = {
    "type": "object",
    "required": ["error", "status"],
    "additionalProperties": False,
    "properties": {
        "error": {"type": "string", "example": "Bad Request"},
        "status": {"type": "integer", "example": 400},
        "message": {"type": "string", "example": "per_page must be from 1 to 100."},
    },
}


# A NUL character in any parameter is refused (400): no text here holds one.
NO_NUL = "^[^\\x00]*$"


def list_schema(item: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "license"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
            "license": {"$ref": "#/components/schemas/License"},
        },
    }


def header(description: str, *, required: bool = True) -> dict:
    return {"description": description, "required": required, "schema": {"type": "string"}}


COMMON_HEADERS = {
    "Cache-Control": header("`public, max-age=60`."),
    "Access-Control-Allow-Origin": header("`*`: any site may read the data."),
    "Link": header(
        f'`<{LICENSE_URL}>; rel="license"`; on lists also `rel="prev"` and `rel="next"`.'
    ),
}
LIST_HEADERS = {**COMMON_HEADERS, "X-Total-Count": header("The number of rows in all pages.")}
CSV_HEADERS = {
    **LIST_HEADERS,
    "Content-Disposition": header('`attachment; filename="<list>.csv"`.'),
}


def error_response(description: str, headers: dict = COMMON_HEADERS) -> dict:
    return {
        "description": description,
        "headers": headers,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def list_operation(operation_id: str, tag: str, summary: str, item: str, extra: list) -> dict:
    return {
        "operationId": operation_id,
        "tags": [tag],
        "summary": summary,
        "parameters": [
            *extra,
            {"$ref": "#/components/parameters/format"},
            {"$ref": "#/components/parameters/page"},
            {"$ref": "#/components/parameters/per_page"},
        ],
        "responses": {
            "200": {
                "description": "One page of the list (JSON), or the rows as CSV (`format=csv`).",
                "headers": LIST_HEADERS,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{item}List"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "400": {"$ref": "#/components/responses/BadRequest"},
            "404": {"$ref": "#/components/responses/PastLastPage"},
            "414": {"$ref": "#/components/responses/URITooLong"},
            "500": {"$ref": "#/components/responses/ServerError"},
        },
    }


PARAMETERS = {
    "format": {
        "name": "format",
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": "`json` (default) or `csv`.",
        "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
    },
    "page": {
        "name": "page",
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": "The page, from 1. Past the last page: 404.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    "per_page": {
        "name": "per_page",
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": (
            f"Rows per page, 1 to {CSV_MAX_ROWS}: a JSON page holds at most {MAX_PER_PAGE} "
            f"(default {DEFAULT_PER_PAGE}; a larger value gives pages of {MAX_PER_PAGE}), a CSV "
            f"page all of them (default {CSV_MAX_ROWS}). Outside: 400."
        ),
        "schema": {"type": "integer", "minimum": 1, "maximum": CSV_MAX_ROWS},
    },
    "theme": {
        "name": "theme",
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": "Only ideas of the theme with this slug (retired themes too). "
        "No such theme: an empty list.",
        "schema": {"type": "string", "maxLength": MAX_SLUG_LENGTH, "pattern": NO_NUL},
    },
    "event": {
        "name": "event",
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": "Only ideas of the event with this slug. No such (public) event: "
        "an empty list.",
        "schema": {"type": "string", "maxLength": MAX_SLUG_LENGTH, "pattern": NO_NUL},
    },
    "q": {
        "name": "q",
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": "Full-text search in German: every word must appear in the title or "
        "the text, as a word or the start of one, in any inflected form (`Fahrrad` finds "
        "`Fahrräder`, `Strasse` finds `Straße`; case and accents do not matter; stop words "
        "such as `der` or `und` are left out; the first 8 words count). Sorted by relevance "
        "unless `sort` says otherwise.",
        "schema": {"type": "string", "maxLength": MAX_Q_LENGTH, "pattern": NO_NUL},
    },
    "sort": {
        "name": "sort",
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": "`newest` (newest first), `votes` (most votes first), `trending` "
        "(recent votes first: each vote counts half as much every 3 days, see the README's "
        "Trending section) or `relevance` (best match of `q` first). Default: `relevance` "
        "with `q`, `newest` without; `relevance` without `q` is `newest`. Ties go to the "
        "higher id.",
        "schema": {"type": "string", "enum": ["newest", "votes", "trending", "relevance"]},
    },
    "slug": {
        "name": "slug",
        "in": "path",
        "required": True,
        "description": "The event's slug.",
        "schema": {"type": "string"},
    },
    "idea_id": {
        "name": "idea_id",
        "in": "path",
        "required": True,
        "description": "The idea's id.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
}

SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "Ideenwerkstatt open data",
        "version": "1.0.0",
        "description": DESCRIPTION,
        "license": {"name": "Data: CC BY 4.0", "url": LICENSE_URL},
    },
    "servers": [{"url": "/api/v1"}],
    "externalDocs": {
        "description": "The DCAT-AP.de catalogue of these data sets (Turtle, RDF/XML, JSON-LD).",
        "url": "/catalog",
    },
    "tags": [
        {"name": "themes", "description": "The themes ideas are grouped by."},
        {"name": "events", "description": "Ideenwerkstätten: dialogue events."},
        {"name": "ideas", "description": "Published ideas and their vote counts."},
        {"name": "meta", "description": "This document."},
    ],
    "paths": {
        "/themes": {
            "get": list_operation(
                "listThemes",
                "themes",
                "All themes, retired ones included, in the organizers' order.",
                "Theme",
                [],
            )
        },
        "/events": {
            "get": list_operation(
                "listEvents",
                "events",
                "Events (never drafts): upcoming and running ones soonest first, "
                "then past ones most recent first.",
                "Event",
                [],
            )
        },
        "/ideas": {
            "get": list_operation(
                "listIdeas",
                "ideas",
                "Published ideas, filtered and sorted like the list page.",
                "Idea",
                [
                    {"$ref": "#/components/parameters/theme"},
                    {"$ref": "#/components/parameters/event"},
                    {"$ref": "#/components/parameters/q"},
                    {"$ref": "#/components/parameters/sort"},
                ],
            )
        },
        "/ideas/{idea_id}": {
            "get": {
                "operationId": "getIdea",
                "tags": ["ideas"],
                "summary": "One published idea.",
                "parameters": [{"$ref": "#/components/parameters/idea_id"}],
                "responses": {
                    "200": {
                        "description": "The idea.",
                        "headers": COMMON_HEADERS,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/IdeaDetail"}
                            }
                        },
                    },
                    "404": error_response(
                        "No published idea with this id (pending, rejected and hidden "
                        "ideas answer like missing ones)."
                    ),
                    "414": {"$ref": "#/components/responses/URITooLong"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                },
            }
        },
        "/events/{slug}/summary": {
            "get": {
                "operationId": "getEventSummary",
                "tags": ["events"],
                "summary": "The published result of a closed event, as on its summary page.",
                "parameters": [{"$ref": "#/components/parameters/slug"}],
                "responses": {
                    "200": {
                        "description": "The summary's latest published version.",
                        "headers": COMMON_HEADERS,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Summary"}}
                        },
                    },
                    "404": error_response(
                        "No such (public) event, or its summary is not published."
                    ),
                    "414": {"$ref": "#/components/responses/URITooLong"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenAPI",
                "tags": ["meta"],
                "summary": "This OpenAPI 3.0.3 document.",
                "responses": {
                    "200": {
                        "description": "The document.",
                        "headers": COMMON_HEADERS,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "414": {"$ref": "#/components/responses/URITooLong"},
                },
            }
        },
    },
    "components": {
        "schemas": {
            "License": LICENSE,
            "LocalizedText": LOCALIZED_TEXT,
            "Theme": THEME,
            "Event": EVENT,
            "Idea": IDEA,
            "IdeaDetail": IDEA_DETAIL,
            "ThemeList": list_schema("Theme"),
            "EventList": list_schema("Event"),
            "IdeaList": list_schema("Idea"),
            "Summary": SUMMARY,
            "SummaryItem": SUMMARY_ITEM,
            "SummaryFigures": SUMMARY_FIGURES,
            "ThemeFigures": THEME_FIGURES,
            "Error": ERROR,
        },
        "parameters": PARAMETERS,
        "responses": {
            "BadRequest": error_response(
                "A malformed parameter (a page or per_page that is no whole number or out of "
                "range, an unknown format or sort, a too long theme, event or q, a NUL "
                "character, a parameter given twice); `message` says which and why."
            ),
            "PastLastPage": error_response("The page is past the last one."),
            # Written by the HTTP server, not the API: no JSON body and no headers promised.
            "URITooLong": {
                "description": "The request line is longer than the server takes (a very "
                "long query); answered by the server before the API sees it."
            },
            "ServerError": error_response(
                "Something went wrong on the server; try again later.",
                {**COMMON_HEADERS, "Cache-Control": header("`no-store`: no cache keeps it.")},
            ),
        },
    },
}


def build_spec() -> dict:
    """The document (a fresh copy: callers may change theirs)."""
    return copy.deepcopy(SPEC)
