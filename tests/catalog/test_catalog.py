"""/catalog: content negotiation, the same triples in all three syntaxes, only what is
public, no personal data, caching, bounded queries, and the links to it."""

from __future__ import annotations

import datetime as dt

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF
from sqlalchemy import event as sqlalchemy_event

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.demo import seed_demo_data
from ideenwerkstatt.events.models import Phase
from ideenwerkstatt.extensions import db
from ideenwerkstatt.registrations.models import Registration, RegistrationStatus
from ideenwerkstatt.summaries import services as summaries

from ..factories import make_event, make_idea, make_theme, make_user

CATALOG = "http://localhost/catalog"
FILES = {"/catalog.ttl": "turtle", "/catalog.rdf": "xml", "/catalog.jsonld": "json-ld"}


@pytest.fixture
def demo(app):
    seed_demo_data()
    db.session.commit()


def graph_of(response) -> Graph:
    formats = {
        "text/turtle": "turtle",
        "application/rdf+xml": "xml",
        "application/ld+json": "json-ld",
    }
    return Graph().parse(data=response.get_data(as_text=True), format=formats[response.mimetype])


def datasets(graph: Graph) -> set[str]:
    return {str(d) for d in graph.objects(URIRef(CATALOG), DCAT.dataset)}


def texts(client) -> list[str]:
    return [client.get(url).get_data(as_text=True) for url in FILES]


def publish_result(event, *ideas):
    moderator = make_user(role="moderator")
    summary = summaries.start_summary(event, moderator)
    summaries.save_texts(summary, moderator, "Danke!", "", {})
    summaries.publish_summary(summary, moderator)
    db.session.commit()
    return summary


# --- syntaxes ----------------------------------------------------------------------------------


def test_three_syntaxes_hold_the_same_triples(client, demo):
    graphs = {}
    for url, _format in FILES.items():
        response = client.get(url)
        assert response.status_code == 200
        graphs[url] = graph_of(response)
    turtle = graphs["/catalog.ttl"]
    assert len(turtle) > 200
    assert isomorphic(turtle, graphs["/catalog.rdf"])
    assert isomorphic(turtle, graphs["/catalog.jsonld"])
    # And each parsed graph written again in every syntax reads back the same.
    for rdflib_format in ("turtle", "xml", "json-ld"):
        again = Graph().parse(data=turtle.serialize(format=rdflib_format), format=rdflib_format)
        assert isomorphic(turtle, again)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("application/*", "application/rdf+xml"),
    ],
)
def test_content_negotiation(client, accept, media_type):
    make_idea()  # a data set with distributions: enough to tell the syntaxes apart
    headers = {"Accept": accept} if accept else {}
    response = client.get("/catalog", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    extension = {"text/turtle": "ttl", "application/rdf+xml": "rdf"}.get(media_type, "jsonld")
    assert response.headers["Content-Location"] == f"/catalog.{extension}"
    assert isomorphic(graph_of(response), graph_of(client.get(f"/catalog.{extension}")))


@pytest.mark.parametrize("accept", ["text/html", "application/pdf", "image/*"])
def test_an_accept_header_without_rdf_is_not_acceptable(client, accept):
    response = client.get("/catalog", headers={"Accept": accept})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


def test_only_get(client):
    assert client.post("/catalog.ttl").status_code == 405


# --- content -----------------------------------------------------------------------------------


def test_catalogue_describes_platform_and_datasets(client, demo):
    graph = graph_of(client.get("/catalog.ttl"))
    catalog = URIRef(CATALOG)
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    titles = set(graph.objects(catalog, DCTERMS.title))
    assert Literal("Offene Daten: Ideenwerkstatt Musterstadt", lang="de") in titles
    assert Literal("Open data: Ideenwerkstatt Musterstadt", lang="en") in titles
    assert graph.value(catalog, DCTERMS.license) == URIRef(
        "http://dcat-ap.de/def/licenses/cc-by/4.0"
    )
    assert graph.value(catalog, DCTERMS.modified) is not None
    publisher = graph.value(catalog, DCTERMS.publisher)
    assert str(graph.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name"))) == (
        "Ideenwerkstatt Musterstadt"
    )
    assert datasets(graph) == {
        f"{CATALOG}#ideas",
        f"{CATALOG}#theme-digitalisierung",
        f"{CATALOG}#theme-mobilitaet",
        f"{CATALOG}#theme-bildung",
        f"{CATALOG}#result-musterstadt-von-morgen-bildung",
    }
    result = URIRef(f"{CATALOG}#result-musterstadt-von-morgen-bildung")
    downloads = {
        str(graph.value(d, DCAT.downloadURL)): str(graph.value(d, DCAT.mediaType))
        for d in graph.objects(result, DCAT.distribution)
    }
    base = "http://localhost/events/musterstadt-von-morgen-bildung/summary"
    iana = "https://www.iana.org/assignments/media-types/"
    assert downloads == {
        f"{base}.json": f"{iana}application/json",
        f"{base}.csv": f"{iana}text/csv",
        f"{base}.pdf": f"{iana}application/pdf",
    }
    ideas = URIRef(f"{CATALOG}#ideas")
    access = {str(graph.value(d, DCAT.accessURL)) for d in graph.objects(ideas, DCAT.distribution)}
    assert access == {"http://localhost/api/v1/ideas", "http://localhost/api/v1/ideas?format=csv"}
    themes = set(graph.objects(ideas, DCAT.theme))
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE") in themes


def test_every_distribution_url_answers(client, demo):
    graph = graph_of(client.get("/catalog.ttl"))
    urls = {str(o) for o in graph.objects(None, DCAT.accessURL)}
    urls |= {str(o) for o in graph.objects(None, DCAT.downloadURL)}
    urls |= {str(o) for o in graph.objects(None, DCAT.landingPage)}
    urls |= {str(o) for o in graph.objects(None, DCAT.endpointDescription)}
    assert len(urls) > 10
    for url in urls:
        assert client.get(url.removeprefix("http://localhost")).status_code == 200, url


def test_unset_geocoding_and_contributor_are_left_out(client, demo):
    text = client.get("/catalog.ttl").get_data(as_text=True)
    assert "contributorID" not in text
    assert "politicalGeocoding" not in text


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "CATALOG_CONTRIBUTOR_ID": "http://dcat-ap.de/def/contributors/berlinOpenData",
            "CATALOG_POLITICAL_GEOCODING_URI": (
                "http://dcat-ap.de/def/politicalGeocoding/districtKey/09162"
            ),
            "CATALOG_CONTACT_EMAIL": "opendata@musterstadt.example",
            "CATALOG_CONTACT_URL": "https://musterstadt.example/kontakt",
        }
    ],
)
def test_configuration_reaches_every_dataset(client, demo):
    graph = graph_of(client.get("/catalog.ttl"))
    dcatde = "http://dcat-ap.de/def/dcatde/"
    for dataset in map(URIRef, datasets(graph)):
        assert graph.value(dataset, URIRef(dcatde + "contributorID")) == URIRef(
            "http://dcat-ap.de/def/contributors/berlinOpenData"
        )
        assert graph.value(dataset, URIRef(dcatde + "politicalGeocodingLevelURI")) == URIRef(
            "http://dcat-ap.de/def/politicalGeocoding/Level/administrativeDistrict"
        )
    vcard = "http://www.w3.org/2006/vcard/ns#"
    contact = URIRef(f"{CATALOG}#contact-point")
    assert graph.value(contact, URIRef(vcard + "hasEmail")) == URIRef(
        "mailto:opendata@musterstadt.example"
    )
    assert graph.value(contact, URIRef(vcard + "hasURL")) == URIRef(
        "https://musterstadt.example/kontakt"
    )
    assert (contact, RDF.type, URIRef(vcard + "Organization")) in graph


# --- only what is public ---------------------------------------------------------------------


def test_drafts_hidden_ideas_and_unpublished_results_never_appear(client, app):
    public = make_theme(name_de="Öffentliches Thema", slug="oeffentlich")
    hidden_only = make_theme(name_de="Nur Verstecktes", slug="nur-versteckt")
    make_idea(theme=public, title="Sichtbare Idee")
    make_idea(theme=hidden_only, title="Versteckte Idee", status="hidden")
    make_idea(theme=hidden_only, title="Wartende Idee", status="pending")
    make_idea(theme=hidden_only, title="Abgelehnte Idee", status="rejected")
    draft = make_event(
        title="Geheimer Entwurf", slug="geheimer-entwurf", phase="closed", starts_in_days=-40
    )
    closed = make_event(
        title="Offenes Ende", slug="offenes-ende", phase="closed", starts_in_days=-30
    )
    unpublished = make_event(
        title="Noch kein Ergebnis", slug="noch-kein-ergebnis", phase="closed", starts_in_days=-20
    )
    make_idea(theme=public, event=closed, title="Idee am Abend")
    publish_result(closed)
    moderator = make_user(role="moderator")
    summaries.start_summary(unpublished, moderator)  # a draft result only
    # A draft event with a published result (its phase set back afterwards): still hidden.
    publish_result(draft)
    draft.phase = Phase.DRAFT
    db.session.commit()

    for text in texts(client):
        assert "offenes-ende" in text
        assert "oeffentlich" in text
        for secret in (
            "Geheimer Entwurf",
            "geheimer-entwurf",
            "noch-kein-ergebnis",
            "Noch kein Ergebnis",
            "nur-versteckt",
            "Nur Verstecktes",
            "Versteckte Idee",
            "Wartende Idee",
            "Abgelehnte Idee",
        ):
            assert secret not in text
    graph = graph_of(client.get("/catalog.ttl"))
    assert datasets(graph) == {
        f"{CATALOG}#ideas",
        f"{CATALOG}#theme-oeffentlich",
        f"{CATALOG}#result-offenes-ende",
    }
    # Counted: two published ideas, not the hidden, pending or rejected ones.
    description = str(graph.value(URIRef(f"{CATALOG}#ideas"), DCTERMS.description))
    assert "(2 " in description


def test_an_empty_platform_has_a_catalogue_without_datasets(client):
    response = client.get("/catalog.ttl")
    assert response.status_code == 200
    graph = graph_of(response)
    assert datasets(graph) == set()
    assert (URIRef(CATALOG), RDF.type, DCAT.Catalog) in graph
    assert "Last-Modified" not in response.headers


def test_no_personal_data(client, demo):
    author = make_user(email="zora.privat@example.net", display_name="Zora Privatname")
    shy = make_user(email="schuechtern@example.net", display_name=None)
    participant = make_user(email="teilnahme@example.net", display_name="Paul Teilnehmer")
    event = make_event(title="Abend mit Gästen", phase="closed", starts_in_days=-10)
    make_idea(author=author, event=event, title="Zoras Idee")
    make_idea(author=shy, event=event, title="Eine leise Idee")
    db.session.add(
        Registration(event=event, user=participant, status=RegistrationStatus.CONFIRMED, position=1)
    )
    db.session.commit()
    publish_result(event)
    users = db.session.scalars(db.select(User)).all()
    emails = [u.email for u in users if u.email]
    assert len(emails) >= 9
    for text in texts(client):
        assert "Abend mit Gästen" in text  # the result is there ...
        for email in emails:  # ... but nobody's address, name or account
            assert email not in text
        for name in ("Zora Privatname", "Paul Teilnehmer", "Lena aus der Altstadt", "Ömer"):
            assert name not in text
        assert "/users/" not in text and "/people/" not in text
    # The only address is the operator's office (OPERATOR_EMAIL).
    graph = graph_of(client.get("/catalog.ttl"))
    mailtos = {str(o) for o in graph.objects() if str(o).startswith("mailto:")}
    assert mailtos == {"mailto:kontakt@example.org"}


# --- caching and queries -----------------------------------------------------------------------


def test_conditional_requests(client, demo):
    first = client.get("/catalog.ttl")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/catalog.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    since = client.get(
        "/catalog.ttl", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    # A new published idea changes the catalogue: a new ETag.
    make_idea(title="Noch eine Idee")
    changed = client.get("/catalog.ttl", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def count_queries(client, url: str) -> int:
    statements = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


@pytest.mark.parametrize("app_config", [{"CATALOG_CACHE_SECONDS": 0}])
def test_queries_do_not_grow_with_the_data(client, demo):
    before = count_queries(client, "/catalog.ttl")
    assert before <= 3
    for n in range(3):
        theme = make_theme(name_de=f"Mehr {n}", slug=f"mehr-{n}")
        event = make_event(phase="closed", starts_in_days=-40 - n, themes=[theme])
        make_idea(theme=theme, event=event)
        publish_result(event)
    graph = graph_of(client.get("/catalog.ttl"))
    assert len(datasets(graph)) == 5 + 6
    assert count_queries(client, "/catalog.ttl") == before


def test_the_catalogue_is_remembered_until_a_write(client, demo):
    assert count_queries(client, "/catalog.ttl") == 3
    assert count_queries(client, "/catalog.ttl") == 0  # from memory, per syntax
    assert count_queries(client, "/catalog.rdf") == 3
    etag = client.get("/catalog.ttl").headers["ETag"]
    assert client.get("/catalog.ttl", headers={"If-None-Match": etag}).status_code == 304
    make_idea(title="Eine neue Idee")  # any write empties the memory
    assert count_queries(client, "/catalog.ttl") == 3
    assert client.get("/catalog.ttl").headers["ETag"] != etag


# --- links ----------------------------------------------------------------------------------------


def test_start_page_links_the_catalogue(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="text/turtle" href="/catalog.ttl"' in html
    assert 'type="application/rdf+xml" href="/catalog.rdf"' in html
    assert 'type="application/ld+json" href="/catalog.jsonld"' in html


def test_openapi_document_points_to_the_catalogue(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["externalDocs"]["url"] == "/catalog"
    assert "/catalog" in spec["info"]["description"]
    assert client.get(spec["externalDocs"]["url"]).status_code == 200


def test_times_are_utc_datetimes(client, demo):
    graph = graph_of(client.get("/catalog.ttl"))
    modified = graph.value(URIRef(CATALOG), DCTERMS.modified).toPython()
    assert isinstance(modified, dt.datetime)
    assert modified.utcoffset() == dt.timedelta(0)


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "CATALOG_CONTRIBUTOR_ID": "berlin open data",
            "CATALOG_POLITICAL_GEOCODING_URI": "09162000",
            "CATALOG_CONTACT_EMAIL": "nicht eine adresse",
            "CATALOG_CONTACT_URL": "javascript:alert(1)",
        }
    ],
)
def test_malformed_settings_are_left_out_and_check_warns(app, client, demo):
    from ideenwerkstatt.checks import check_configuration

    for text in texts(client):
        for value in ("berlin open data", "09162000", "nicht eine adresse", "javascript"):
            assert value not in text
    graph = graph_of(client.get("/catalog.ttl"))
    contact = URIRef(f"{CATALOG}#contact-point")
    vcard = "http://www.w3.org/2006/vcard/ns#"
    assert graph.value(contact, URIRef(vcard + "hasEmail")) == URIRef("mailto:kontakt@example.org")
    assert graph.value(contact, URIRef(vcard + "hasURL")) == URIRef("http://localhost/imprint")
    warnings = [f for f in check_configuration(app, {}) if f.code == "catalog-config"]
    assert len(warnings) == 4
    assert all(f.level == "warning" for f in warnings)


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "CATALOG_CONTRIBUTOR_ID": "berlinOpenData",
            "CATALOG_POLITICAL_GEOCODING_URI": (
                "http://dcat-ap.de/def/politicalGeocoding/regionalKey/091620000000"
            ),
            "CATALOG_CONTACT_EMAIL": "opendata@musterstadt.example",
            "CATALOG_CONTACT_URL": "https://musterstadt.example/kontakt",
        }
    ],
)
def test_sound_settings_raise_no_check_warning(app):
    from ideenwerkstatt.checks import check_configuration

    assert [f for f in check_configuration(app, {}) if f.code == "catalog-config"] == []
