"""The catalogue as an RDF graph (rdflib), in DCAT-AP.de 2.0: the platform's catalogue, its
data sets (all published ideas, each theme's ideas, each published event result) with their
distributions, the open-data API as a data service, the operator as publisher and contact.

Only what a visitor sees anyway appears: published ideas (counted, never listed), published
results of events that are not drafts, the operator's office address. No author, participant
or moderator is named."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from flask import current_app, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from ..events.models import Event
from ..summaries.models import Summary
from .queries import CatalogData, IdeaSet

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
DATA_THEME = Namespace(EU + "data-theme/")
LANGUAGE = Namespace(EU + "language/")
FILE_TYPE = Namespace(EU + "file-type/")
FREQUENCY = Namespace(EU + "frequency/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
IANA = "https://www.iana.org/assignments/media-types/"
CONTRIBUTORS = "http://dcat-ap.de/def/contributors/"
POLITICAL_GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
# CC BY 4.0, the licence the API states (opendata.LICENSE_URL), in DCAT-AP.de's vocabulary.
LICENSE = URIRef("http://dcat-ap.de/def/licenses/cc-by/4.0")

# Government and public sector; regions and cities: what citizen participation is about.
THEMES = (DATA_THEME.GOVE, DATA_THEME.REGI)
LOCALES = ("de", "en")

# The file types (EU vocabulary, IANA media type) of the distributions.
JSON = (FILE_TYPE.JSON, URIRef(IANA + "application/json"))
CSV = (FILE_TYPE.CSV, URIRef(IANA + "text/csv"))
PDF = (FILE_TYPE.PDF, URIRef(IANA + "application/pdf"))

# The level of each key vocabulary of the political geocoding (dcatde:politicalGeocodingLevelURI).
GEOCODING_LEVELS = {
    "municipalityKey": "municipality",
    "regionalKey": "municipality",
    "municipalAssociationKey": "municipality",
    "districtKey": "administrativeDistrict",
    "stateKey": "state",
}

PREFIXES = {
    "dcat": DCAT,
    "dcatde": DCATDE,
    "dct": DCTERMS,
    "foaf": FOAF,
    "vcard": VCARD,
    "skos": SKOS,
    "xsd": XSD,
}


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def _translated(make: Callable[[], str]) -> list[Literal]:
    """The text in German and English (`make` calls gettext), each tagged with its language;
    English only where it differs (translated)."""
    texts = {}
    for locale in LOCALES:
        with force_locale(locale):
            texts[locale] = make()
    result = [Literal(texts["de"], lang="de")]
    if texts["en"] and texts["en"] != texts["de"]:
        result.append(Literal(texts["en"], lang="en"))
    return result


def _datetime(value: dt.datetime) -> Literal:
    return Literal(value.astimezone(dt.UTC).replace(microsecond=0), datatype=XSD.dateTime)


# What may not stand in an IRI (RFC 3987): white space, and <>"{}|\^` .
_NOT_IN_IRI = re.compile(r'[\s<>"{}|\\^`]')


def _iri(value: str) -> URIRef | None:
    """An http(s) IRI, or None for anything else (a typo in the configuration must not
    break the catalogue's syntax)."""
    if re.match(r"https?://[^/\s]", value) and not _NOT_IN_IRI.search(value):
        return URIRef(value)
    return None


def _valid_email(value: str) -> bool:
    return value.count("@") == 1 and not _NOT_IN_IRI.search(value) and "?" not in value


def contributor_id(value: str) -> URIRef | None:
    """CATALOG_CONTRIBUTOR_ID as an IRI: a full IRI as given, a bare id (`berlinOpenData`)
    in DCAT-AP.de's list of data providers; None when unset or malformed."""
    if not value:
        return None
    return _iri(value if "://" in value else CONTRIBUTORS + value)


def geocoding_uri(value: str) -> URIRef | None:
    """CATALOG_POLITICAL_GEOCODING_URI when it is a political geocoding IRI, else None."""
    uri = _iri(value) if value else None
    return uri if uri is not None and value.startswith(POLITICAL_GEOCODING) else None


def configuration_problems(config) -> list[str]:
    """What is wrong with the CATALOG_* settings (each left out of the catalogue)."""
    problems = []
    contributor = config.get("CATALOG_CONTRIBUTOR_ID", "")
    if contributor:
        iri = contributor_id(contributor)
        if iri is None or not str(iri).startswith(CONTRIBUTORS):
            problems.append(
                f"CATALOG_CONTRIBUTOR_ID {contributor!r} is no id of {CONTRIBUTORS} "
                "(GovData's list of data providers)."
            )
    geocoding = config.get("CATALOG_POLITICAL_GEOCODING_URI", "")
    if geocoding and (geocoding_uri(geocoding) is None or geocoding_level(geocoding) is None):
        problems.append(
            f"CATALOG_POLITICAL_GEOCODING_URI {geocoding!r} is no IRI of "
            f"{POLITICAL_GEOCODING}<municipalityKey|regionalKey|municipalAssociationKey|"
            "districtKey|stateKey>/<key>."
        )
    email = config.get("CATALOG_CONTACT_EMAIL", "")
    if email and not _valid_email(email):
        problems.append(f"CATALOG_CONTACT_EMAIL {email!r} is no e-mail address.")
    url = config.get("CATALOG_CONTACT_URL", "")
    if url and _iri(url) is None:
        problems.append(f"CATALOG_CONTACT_URL {url!r} is no http(s) address.")
    return problems


def geocoding_level(uri: str) -> URIRef | None:
    """The geocoding level of a political geocoding URI (…/municipalityKey/09162000 →
    …/Level/municipality), None when the key vocabulary is not one this knows."""
    if not uri.startswith(POLITICAL_GEOCODING):
        return None
    vocabulary = uri[len(POLITICAL_GEOCODING) :].split("/", 1)[0]
    level = GEOCODING_LEVELS.get(vocabulary)
    return URIRef(f"{POLITICAL_GEOCODING}Level/{level}") if level else None


class CatalogBuilder:
    def __init__(self, data: CatalogData):
        config = current_app.config
        self.data = data
        self.config = config
        self.graph = Graph(bind_namespaces="core")
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.catalog = URIRef(_absolute("catalog.negotiated"))
        self.publisher = URIRef(f"{self.catalog}#publisher")
        self.contact = URIRef(f"{self.catalog}#contact-point")
        self.service = URIRef(f"{self.catalog}#api")
        self.operator = config["OPERATOR_NAME"]
        self.contributor = contributor_id(config.get("CATALOG_CONTRIBUTOR_ID", ""))
        if self.contributor is not None and not str(self.contributor).startswith(CONTRIBUTORS):
            self.contributor = None
        self.geocoding = geocoding_uri(config.get("CATALOG_POLITICAL_GEOCODING_URI", ""))
        self.geocoding_level = geocoding_level(str(self.geocoding)) if self.geocoding else None

    def add(self, subject, predicate, *objects) -> None:
        for value in objects:
            if isinstance(value, list | tuple):
                for item in value:
                    self.graph.add((subject, predicate, item))
            elif value is not None:
                self.graph.add((subject, predicate, value))

    # The catalogue, its publisher, contact point and API ---------------------------------

    def build(self) -> Graph:
        catalog, data = self.catalog, self.data
        self._publisher()
        self._contact_point()
        self.add(catalog, RDF.type, DCAT.Catalog)
        self.add(
            catalog,
            DCTERMS.title,
            _translated(lambda: _("Offene Daten: %(name)s", name=self.operator)),
        )
        self.add(
            catalog,
            DCTERMS.description,
            _translated(
                lambda: _(
                    "Ideen, Themen und Ergebnisse der Bürgerbeteiligung in der Ideenwerkstatt "
                    "als offene Daten (CC BY 4.0)."
                )
            ),
        )
        self.add(catalog, DCTERMS.publisher, self.publisher)
        self.add(catalog, FOAF.homepage, URIRef(_absolute("pages.index")))
        self.add(catalog, DCTERMS.language, LANGUAGE.DEU, LANGUAGE.ENG)
        self.add(catalog, DCTERMS.license, LICENSE)
        self.add(catalog, DCAT.themeTaxonomy, URIRef(EU + "data-theme"))
        self.add(catalog, DCTERMS.spatial, self.geocoding)
        if data.issued is not None:
            self.add(catalog, DCTERMS.issued, _datetime(data.issued))
        if data.modified is not None:
            self.add(catalog, DCTERMS.modified, _datetime(data.modified))
        datasets = []
        if data.ideas.count:
            datasets.append(self._ideas_dataset(data.ideas))
            datasets.extend(self._ideas_dataset(theme_set) for theme_set in data.themes)
        datasets.extend(self._summary_dataset(summary) for summary in data.summaries)
        self.add(catalog, DCAT.dataset, datasets)
        self._service(datasets)
        self.add(catalog, DCAT.service, self.service)
        return self.graph

    def _publisher(self) -> None:
        self.add(self.publisher, RDF.type, FOAF.Organization)
        self.add(self.publisher, FOAF.name, Literal(self.operator))
        self.add(self.publisher, DCTERMS.type, PUBLISHER_TYPE.LocalAuthority)
        self.add(self.publisher, FOAF.homepage, URIRef(_absolute("pages.index")))

    def _contact_point(self) -> None:
        """The operator's office (OPERATOR_* or CATALOG_CONTACT_*), never a person."""
        config = self.config
        email = next(
            (
                value
                for value in (config.get("CATALOG_CONTACT_EMAIL"), config.get("OPERATOR_EMAIL"))
                if value and _valid_email(value)
            ),
            None,
        )
        url = _iri(config.get("CATALOG_CONTACT_URL", "")) or URIRef(_absolute("pages.imprint"))
        self.add(self.contact, RDF.type, VCARD.Organization)
        self.add(self.contact, VCARD.fn, Literal(self.operator))
        if email:
            self.add(self.contact, VCARD.hasEmail, URIRef(f"mailto:{email}"))
        self.add(self.contact, VCARD.hasURL, url)
        phone = "".join(ch for ch in config.get("OPERATOR_PHONE", "") if ch.isdigit() or ch == "+")
        if phone:
            self.add(self.contact, VCARD.hasTelephone, URIRef(f"tel:{phone}"))

    def _service(self, datasets: list[URIRef]) -> None:
        """The open-data API, described by its OpenAPI document."""
        service = self.service
        self.add(service, RDF.type, DCAT.DataService)
        self.add(
            service,
            DCTERMS.title,
            _translated(lambda: _("Open-Data-Schnittstelle der Ideenwerkstatt")),
        )
        self.add(
            service,
            DCTERMS.description,
            _translated(
                lambda: _(
                    "Lesende JSON- und CSV-Schnittstelle für Themen, Veranstaltungen, "
                    "veröffentlichte Ideen und Ergebnisse, beschrieben durch ein "
                    "OpenAPI-Dokument."
                )
            ),
        )
        self.add(service, DCAT.endpointURL, URIRef(self.config["BASE_URL"] + "/api/v1"))
        self.add(service, DCAT.endpointDescription, URIRef(_absolute("api.openapi")))
        self.add(service, DCTERMS.license, LICENSE)
        self.add(service, DCTERMS.publisher, self.publisher)
        self.add(service, DCAT.contactPoint, self.contact)
        self.add(service, DCAT.servesDataset, datasets)

    # Data sets ----------------------------------------------------------------------------

    def _dataset(self, dataset: URIRef, *, landing_page: str, keywords, themes=THEMES) -> None:
        """What every data set carries: DCAT-AP.de's mandatory and recommended properties."""
        self.add(dataset, RDF.type, DCAT.Dataset)
        self.add(dataset, DCTERMS.identifier, Literal(str(dataset)))
        self.add(dataset, DCATDE.contributorID, self.contributor)
        self.add(dataset, DCAT.theme, themes)
        self.add(dataset, DCAT.keyword, keywords)
        self.add(dataset, DCTERMS.publisher, self.publisher)
        self.add(dataset, DCAT.contactPoint, self.contact)
        self.add(dataset, DCAT.landingPage, URIRef(landing_page))
        self.add(dataset, DCTERMS.language, LANGUAGE.DEU)
        self.add(dataset, DCTERMS.accessRights, ACCESS_RIGHT.PUBLIC)
        self.add(dataset, DCATDE.politicalGeocodingURI, self.geocoding)
        self.add(dataset, DCATDE.politicalGeocodingLevelURI, self.geocoding_level)
        self.add(dataset, DCTERMS.spatial, self.geocoding)

    def _distribution(
        self,
        dataset: URIRef,
        name: str,
        file_type,
        title: list[Literal],
        *,
        access_url: str,
        download_url: str | None,
        modified: dt.datetime | None,
        via_api: bool,
    ) -> None:
        distribution = URIRef(f"{dataset}-{name}")
        self.add(dataset, DCAT.distribution, distribution)
        self.add(distribution, RDF.type, DCAT.Distribution)
        self.add(distribution, DCTERMS.title, title)
        self.add(distribution, DCAT.accessURL, URIRef(access_url))
        if download_url:
            self.add(distribution, DCAT.downloadURL, URIRef(download_url))
        self.add(distribution, DCTERMS.format, file_type[0])
        self.add(distribution, DCAT.mediaType, file_type[1])
        self.add(distribution, DCTERMS.license, LICENSE)
        self.add(distribution, DCATDE.licenseAttributionByText, Literal(self.operator))
        if modified is not None:
            self.add(distribution, DCTERMS.modified, _datetime(modified))
        if via_api:
            self.add(distribution, DCAT.accessService, self.service)

    def _ideas_dataset(self, ideas: IdeaSet) -> URIRef:
        """All published ideas, or (with a theme) one theme's; as JSON from the API and as
        CSV. Counted, never listed: the ideas themselves are in the distributions."""
        theme = ideas.theme
        if theme is None:
            dataset = URIRef(f"{self.catalog}#ideas")
            api_args: dict[str, str] = {}
            landing_page = _absolute("ideas.index")
            title = _translated(
                lambda: _("Ideen aus der Bürgerbeteiligung: %(name)s", name=self.operator)
            )
            description = _translated(
                lambda: _(
                    "Alle veröffentlichten Ideen mit Thema, Veranstaltung und Stimmenzahl "
                    "(%(count)d beim Erstellen dieses Katalogs).",
                    count=ideas.count,
                )
            )
            keywords = []
        else:
            dataset = URIRef(f"{self.catalog}#theme-{theme.slug}")
            api_args = {"theme": theme.slug}
            landing_page = _absolute("themes.detail", slug=theme.slug)
            names = {"de": theme.name_de, "en": theme.name_en or theme.name_de}
            title = _theme_texts(names, lambda name: _("Ideen zum Thema „%(theme)s“", theme=name))
            description = _theme_texts(
                names,
                lambda name: _(
                    "Die veröffentlichten Ideen zum Thema „%(theme)s“ mit Veranstaltung und "
                    "Stimmenzahl (%(count)d beim Erstellen dieses Katalogs).",
                    theme=name,
                    count=ideas.count,
                ),
                {"de": theme.description_de, "en": theme.description_en},
            )
            keywords = [Literal(theme.name_de, lang="de")]
            if theme.name_en and theme.name_en != theme.name_de:
                keywords.append(Literal(theme.name_en, lang="en"))
        keywords = [
            *_translated(lambda: _("Bürgerbeteiligung")),
            *_translated(lambda: _("Ideen")),
            *keywords,
        ]
        self.add(dataset, DCTERMS.title, title)
        self.add(dataset, DCTERMS.description, description)
        self._dataset(dataset, landing_page=landing_page, keywords=keywords)
        self.add(dataset, DCTERMS.issued, _datetime(ideas.issued) if ideas.issued else None)
        self.add(dataset, DCTERMS.modified, _datetime(ideas.modified) if ideas.modified else None)
        self.add(dataset, DCTERMS.accrualPeriodicity, FREQUENCY.CONT)
        json_url = _absolute("api.ideas", **api_args)
        csv_url = _absolute("api.ideas", **api_args, format="csv")
        self._distribution(
            dataset,
            "json",
            JSON,
            _translated(lambda: _("Ideen als JSON (Open-Data-Schnittstelle, seitenweise)")),
            access_url=json_url,
            download_url=None,
            modified=ideas.modified,
            via_api=True,
        )
        self._distribution(
            dataset,
            "csv",
            CSV,
            _translated(lambda: _("Ideen als CSV")),
            access_url=csv_url,
            download_url=csv_url,
            modified=ideas.modified,
            via_api=True,
        )
        return dataset

    def _summary_dataset(self, summary: Summary) -> URIRef:
        """A published event result: its JSON, CSV and PDF downloads."""
        event: Event = summary.event
        dataset = URIRef(f"{self.catalog}#result-{event.slug}")

        def date():
            return format_date(event.starts_at, "long")

        self.add(
            dataset,
            DCTERMS.title,
            _translated(lambda: _("Ergebnis: %(event)s", event=event.title)),
        )
        self.add(
            dataset,
            DCTERMS.description,
            _translated(
                lambda: _(
                    "Das veröffentlichte Ergebnis der Veranstaltung „%(event)s“ vom %(date)s: "
                    "die ausgewählten Ideen mit Stimmen und Notizen der Moderation und die "
                    "Beteiligung in Zahlen.",
                    event=event.title,
                    date=date(),
                )
            ),
        )
        keywords = [
            *_translated(lambda: _("Bürgerbeteiligung")),
            *_translated(lambda: _("Beteiligungsergebnis")),
        ]
        for theme in event.themes:
            keywords.append(Literal(theme.name_de, lang="de"))
            if theme.name_en and theme.name_en != theme.name_de:
                keywords.append(Literal(theme.name_en, lang="en"))
        landing_page = _absolute("summaries.show", slug=event.slug)
        self._dataset(dataset, landing_page=landing_page, keywords=keywords)
        if summary.published_at is not None:
            self.add(dataset, DCTERMS.issued, _datetime(summary.published_at))
        self.add(dataset, DCTERMS.modified, _datetime(summary.updated_at))
        self.add(dataset, DCTERMS.accrualPeriodicity, FREQUENCY.IRREG)
        period = URIRef(f"{dataset}-period")
        self.add(dataset, DCTERMS.temporal, period)
        self.add(period, RDF.type, DCTERMS.PeriodOfTime)
        self.add(period, DCAT.startDate, _datetime(event.starts_at))
        self.add(period, DCAT.endDate, _datetime(event.ends_at))
        for name, file_type, endpoint, title in (
            ("json", JSON, "summaries.json_download", lambda: _("Ergebnis als JSON")),
            ("csv", CSV, "summaries.csv", lambda: _("Ergebnis als CSV")),
            ("pdf", PDF, "summaries.pdf", lambda: _("Ergebnis als PDF")),
        ):
            url = _absolute(endpoint, slug=event.slug)
            self._distribution(
                dataset,
                name,
                file_type,
                _translated(title),
                access_url=url,
                download_url=url,
                modified=summary.updated_at,
                via_api=False,
            )
        return dataset


def _theme_texts(names: dict, make, descriptions: dict | None = None) -> list[Literal]:
    """A text about a theme per language, with the theme's own name (and description) in
    that language."""
    result = []
    for locale in LOCALES:
        with force_locale(locale):
            text = make(names[locale])
        extra = (descriptions or {}).get(locale, "").strip()
        if extra:
            text = f"{text} {extra}"
        result.append(Literal(text, lang=locale))
    return result


def catalog_graph(data: CatalogData) -> Graph:
    return CatalogBuilder(data).build()
