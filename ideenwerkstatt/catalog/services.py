"""The catalogue's syntaxes and content negotiation, and the serialized catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept

from .graph import PREFIXES, catalog_graph
from .queries import CatalogData, catalog_data

__all__ = ["catalog_data"]


@dataclass(frozen=True)
class Syntax:
    media_type: str
    extension: str
    rdflib_format: str


TURTLE = Syntax("text/turtle", "ttl", "turtle")
RDF_XML = Syntax("application/rdf+xml", "rdf", "pretty-xml")
JSON_LD = Syntax("application/ld+json", "jsonld", "json-ld")
SYNTAXES = (TURTLE, RDF_XML, JSON_LD)
MEDIA_TYPES = tuple(syntax.media_type for syntax in SYNTAXES)
# Plain JSON clients get JSON-LD, which is JSON.
ALIASES = {"application/json": JSON_LD}


def negotiate(accept: MIMEAccept) -> Syntax | None:
    """The syntax the Accept header prefers (Turtle without a header or for */*); None
    when it accepts none of them."""
    if not accept:
        return TURTLE
    by_type = {syntax.media_type: syntax for syntax in SYNTAXES} | ALIASES
    best = accept.best_match(list(by_type))
    return by_type[best] if best else None


def serialize(data: CatalogData, syntax: Syntax) -> bytes:
    graph = catalog_graph(data)
    if syntax is JSON_LD:
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        return graph.serialize(format="json-ld", context=context, encoding="utf-8")
    return graph.serialize(format=syntax.rdflib_format, encoding="utf-8")
