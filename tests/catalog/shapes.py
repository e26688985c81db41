"""GovData's DCAT-AP.de 2.0 SHACL shapes (tests/data/dcat-ap-de/README.md) for pySHACL."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pyshacl import validate
from rdflib import BNode, Graph
from rdflib.namespace import SH

DATA = Path(__file__).parent.parent / "data" / "dcat-ap-de"
SHAPE_FILES = (
    "dcat-ap_2.1.0_shacl_shapes.ttl",
    "dcat-ap-spec-german-additions.ttl",
    "dcat-ap-konventionen.ttl",
)


@cache
def _shapes() -> Graph:
    graph = Graph()
    for name in SHAPE_FILES:
        graph.parse(DATA / name, format="turtle")
    # GovData's shapes check list membership with `sh:node [ sh:path skos:inScheme ;
    # sh:hasValue <list> ]`: a property shape where SHACL wants a node shape. The ITB
    # validator GovData runs (Jena) takes it as the node shape with that one property;
    # pySHACL refuses it. Wrap each such property shape in a node shape: the same check.
    for owner, shape in list(graph.subject_objects(SH.node)):
        if (shape, SH.path, None) in graph:
            wrapper = BNode()
            graph.remove((owner, SH.node, shape))
            graph.add((owner, SH.node, wrapper))
            graph.add((wrapper, SH.property, shape))
    # Likewise one `sh:property` without `sh:path` (dcatde:Catalog_dcat_themeTaxonomy_v_Fixed,
    # an `sh:or` of two property shapes about the catalogue itself): a node shape.
    for owner, shape in list(graph.subject_objects(SH.property)):
        if (shape, SH.path, None) not in graph:
            graph.remove((owner, SH.property, shape))
            graph.add((owner, SH.node, shape))
    return graph


@cache
def _vocabularies() -> Graph:
    return Graph().parse(DATA / "vocabularies.ttl", format="turtle")


def results(data: Graph) -> dict[str, list[str]]:
    """pySHACL's findings by severity ("Violation", "Warning", "Info"), each as its message
    with focus node and path."""
    # The vocabularies' facts join the data, as the validator's owl:imports make them do.
    _conforms, report, _text = validate(
        data + _vocabularies(),
        shacl_graph=_shapes(),
        inference="none",
        allow_infos=True,
        allow_warnings=True,
    )
    found: dict[str, list[str]] = {"Violation": [], "Warning": [], "Info": []}
    for result in report.subjects(SH.resultSeverity, None):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        found[severity].append(
            f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
            f"{report.value(result, SH.resultMessage)}"
        )
    return found
