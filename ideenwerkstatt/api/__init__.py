"""Open-data API slice: /api/v1 (JSON and CSV, OpenAPI document at /api/v1/openapi.json)."""
