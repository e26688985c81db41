"""API test helpers: every response fetched through `api` is validated against the OpenAPI
document, so each test also checks that the document describes the API exactly."""

from __future__ import annotations

import json

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.deserializing.media_types.util import plain_loads
from sqlalchemy import event

from ideenwerkstatt.api.openapi import build_spec
from ideenwerkstatt.extensions import db


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    # Building checks the document against the OpenAPI 3.0 schema (openapi-spec-validator).
    # CSV is text: read it as such (openapi-core hands unknown media types over as bytes).
    config = Config(extra_media_type_deserializers={"text/csv": plain_loads})
    return OpenAPI.from_dict(build_spec(), config=config)


class Api:
    def __init__(self, client, openapi: OpenAPI):
        self.client = client
        self.openapi = openapi

    def get(self, url: str, status: int = 200):
        """GET `url`, check the status, validate the response against the document."""
        response = self.client.get(url)
        assert response.status_code == status, response.get_data(as_text=True)
        self.openapi.validate_response(
            WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response)
        )
        return response

    def json(self, url: str, status: int = 200):
        response = self.get(url, status)
        assert response.mimetype == "application/json"
        return json.loads(response.get_data(as_text=True))


@pytest.fixture
def api(client, openapi) -> Api:
    return Api(client, openapi)


@pytest.fixture
def count_queries(app):
    """count_queries(fn) -> how many SQL queries fn() sent to the database."""

    def run(fn) -> int:
        statements = []

        def record(_conn, _cursor, statement, *_args):
            # SQLite's BEGIN (sent by database.harden_sqlite) is no query.
            if not statement.startswith("BEGIN"):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            fn()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    return run
