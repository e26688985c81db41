"""The OpenAPI document: valid, complete, strict; and the API's bounded number of queries."""

from __future__ import annotations

from openapi_spec_validator import validate

from ideenwerkstatt.api.openapi import build_spec
from tests.factories import make_event, make_idea, make_theme, make_user


def test_document_is_valid_openapi():
    validate(build_spec())


def test_every_route_is_documented_and_every_path_exists(app):
    spec = build_spec()
    prefix = spec["servers"][0]["url"]
    documented = {
        prefix + path.replace("{idea_id}", "<int:idea_id>").replace("{slug}", "<slug>")
        for path in spec["paths"]
    }
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith(prefix + "/")}
    assert documented == routes
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix + "/"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}


def _walk(schema, spec, seen):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _walk(spec["components"]["schemas"][name], spec, seen)
        return
    if schema.get("type") == "object" and "properties" in schema:
        assert schema["additionalProperties"] is False, schema
        assert set(schema["required"]) <= set(schema["properties"])
        for value in schema["properties"].values():
            _walk(value, spec, seen)
    if schema.get("type") == "array":
        _walk(schema["items"], spec, seen)


def test_object_schemas_are_closed():
    spec = build_spec()
    seen: set[str] = set()
    for schema in spec["components"]["schemas"].values():
        _walk(schema, spec, seen)
    # Records always carry every field (null where there is no value).
    for name in ("Theme", "Event", "Idea", "IdeaDetail", "ThemeList", "IdeaList", "License"):
        schema = spec["components"]["schemas"][name]
        assert set(schema["required"]) == set(schema["properties"]), name


def _ideas(count: int) -> None:
    themes = [make_theme() for _ in range(3)]
    events = [make_event(themes=themes[:2]) for _ in range(2)]
    for n in range(count):
        make_idea(
            theme=themes[n % 3],
            event=events[n % 2] if n % 3 else None,
            author=make_user(display_name=f"Person {n}") if n % 2 else None,
            from_paper_card=not n % 2,
        )


def test_ideas_queries_do_not_grow_with_the_data(app, client, count_queries):
    def queries(url):
        return count_queries(lambda: client.get(url).get_json())

    urls = [
        "/api/v1/ideas?per_page=100",
        "/api/v1/ideas?sort=votes&per_page=100",
        "/api/v1/ideas?format=csv",
        "/api/v1/events",
        "/api/v1/themes",
    ]
    _ideas(5)
    few = [queries(url) for url in urls]
    _ideas(60)
    many = [queries(url) for url in urls]
    assert few == many
    assert max(many) <= 4


def test_filtered_ideas_queries_are_bounded(app, client, count_queries):
    _ideas(30)
    theme = make_theme(slug="gefiltert")
    event = make_event(slug="gefiltert", themes=[theme])
    for _ in range(12):
        make_idea(theme=theme, event=event, author=make_user(display_name="X"))
    count = count_queries(
        lambda: client.get("/api/v1/ideas?theme=gefiltert&event=gefiltert&q=idee&per_page=100")
    )
    # The theme, the event (with its themes), the count and the page.
    assert count <= 5
