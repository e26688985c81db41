"""The API test helpers (OpenAPI-validated `api` fixture) for the summary endpoint."""

from tests.api.conftest import api, openapi  # noqa: F401
