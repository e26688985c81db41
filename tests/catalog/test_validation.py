"""The catalogue with the demo data validates against GovData's DCAT-AP.de 2.0 shapes."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS

from ideenwerkstatt.demo import seed_demo_data
from ideenwerkstatt.extensions import db

from .shapes import results

CONTRIBUTOR = "http://dcat-ap.de/def/contributors/berlinOpenData"
MUNICIPALITY = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/09162000"


@pytest.fixture
def app_config():
    return {
        "CATALOG_CONTRIBUTOR_ID": "berlinOpenData",
        "CATALOG_POLITICAL_GEOCODING_URI": MUNICIPALITY,
    }


@pytest.fixture
def catalog(app, client) -> Graph:
    seed_demo_data()
    db.session.commit()
    response = client.get("/catalog.ttl")
    assert response.status_code == 200
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def test_demo_catalogue_has_no_violation_nor_warning(catalog):
    found = results(catalog)
    assert found["Violation"] == []
    assert found["Warning"] == []
    # What was checked: the demo's themes and closed event are there, configured as told.
    datasets = set(catalog.objects(None, DCAT.dataset))
    assert len(datasets) == 5  # all ideas, three themes, one result
    assert set(catalog.objects(None, URIRef("http://dcat-ap.de/def/dcatde/contributorID"))) == {
        URIRef(CONTRIBUTOR)
    }
    assert (None, URIRef("http://dcat-ap.de/def/dcatde/politicalGeocodingURI"), None) in catalog


def test_the_shapes_find_what_govdata_refuses(catalog):
    """The validation is no formality: each broken rule is reported as a violation."""
    dataset = URIRef("http://localhost/catalog#ideas")
    distribution = URIRef("http://localhost/catalog#ideas-csv")
    broken = Graph()
    for triple in catalog:
        broken.add(triple)
    # A licence outside DCAT-AP.de's list, a format outside the EU file types, no publisher.
    broken.set((distribution, DCTERMS.license, URIRef("https://example.org/licence")))
    broken.set((distribution, DCTERMS.format, URIRef("https://example.org/csv")))
    broken.remove((dataset, DCTERMS.publisher, None))
    # A theme outside the EU data themes; a theme taxonomy that is not theirs.
    broken.add((dataset, DCAT.theme, URIRef("https://example.org/themes/civic")))
    broken.set(
        (
            URIRef("http://localhost/catalog"),
            DCAT.themeTaxonomy,
            URIRef("https://example.org/themes"),
        )
    )
    messages = "\n".join(results(broken)["Violation"])
    assert "K31" in messages  # licence
    assert "K32" in messages  # format
    assert "K36" in messages  # publisher
    assert "dcat:theme MUSS eine IRI aus diesem Vokabular" in messages
    assert "dcat:themeTaxonomy MUSS" in messages


@pytest.mark.parametrize("app_config", [{}], indirect=False)
def test_without_contributor_id_govdata_would_refuse_it(catalog):
    """GovData needs the data provider's id (Konvention 12): unset, every data set lacks it."""
    violations = results(catalog)["Violation"]
    assert violations
    assert all("K12" in message for message in violations)
    assert len(violations) == 5
