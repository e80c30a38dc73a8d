"""The SPARQL service description (W3C SPARQL 1.1 Service Description) of this endpoint.

Built as RDF with pyoxigraph and serialised by it. The default dataset is described as the data
is: the default graph (for a built store, the merged graph) and each named graph, each with its
`void:triples`. The saved queries are attached with `dcterms:hasPart` (no domain:
`schema:hasPart` wants a creative work, and an `sd:Service` is none), so that a client can
discover them from the endpoint alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from kg.mapping.vocab import DCTERMS, FORMATS, RDF_TYPE, SCHEMA, SD, VOID, XSD, prefix_map
from kg.store.query import solutions

SD_PREFIXES = prefix_map("sd")
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                   "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")


class Saved(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Graphs:
    """What the endpoint's dataset holds: triples in the default graph, and per named graph."""

    default: int
    named: list[tuple[str, int]]


def graph_sizes(store: Any) -> Graphs:
    """Count the triples of the default graph and of each named graph, as queries see them.

    `store` is a pyoxigraph Store or a RemoteStore (both answer `solutions`).
    """
    default = solutions(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    named = solutions(store, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } "
                             "GROUP BY ?g ORDER BY ?g")
    (total,) = [int(row[0].value) for row in default]
    return Graphs(total, [(row[0].value, int(row[1].value)) for row in named])


def service_description(endpoint: str, update: str | None,
                        saved: Iterable[Saved], queries_url: str, graphs: Graphs) -> Store:
    """The description of the endpoint at `endpoint` (`update`: the update URL, if any)."""
    sd = {t: NamedNode(SD + t) for t in (
        "Service", "endpoint", "supportedLanguage", "SPARQL11Query", "SPARQL11Update",
        "resultFormat", "BasicFederatedQuery",
        "defaultDataset", "Dataset", "defaultGraph", "namedGraph", "NamedGraph", "Graph",
        "name", "graph")}
    service = NamedNode(endpoint)
    triples: list[tuple[NamedNode | BlankNode, NamedNode, NamedNode | BlankNode | Literal]] = [
        (service, RDF_TYPE, sd["Service"]),
        (service, sd["endpoint"], service),
        (service, sd["supportedLanguage"], sd["SPARQL11Query"]),
    ]
    triples += [(service, sd["resultFormat"], NamedNode(FORMATS + f)) for f in _RESULT_FORMATS]
    if update:
        triples.append((service, sd["supportedLanguage"], sd["SPARQL11Update"]))
    dataset = BlankNode()
    triples += [(service, sd["defaultDataset"], dataset), (dataset, RDF_TYPE, sd["Dataset"])]
    default = BlankNode()
    triples += [(dataset, sd["defaultGraph"], default), (default, RDF_TYPE, sd["Graph"]),
                (default, NamedNode(VOID + "triples"), _count(graphs.default))]
    for name, size in graphs.named:
        named, graph = BlankNode(), BlankNode()
        triples += [(dataset, sd["namedGraph"], named), (named, RDF_TYPE, sd["NamedGraph"]),
                    (named, sd["name"], NamedNode(name)), (named, sd["graph"], graph),
                    (graph, RDF_TYPE, sd["Graph"]),
                    (graph, NamedNode(VOID + "triples"), _count(size))]
    for query in saved:
        node = NamedNode(f"{queries_url}/{query.name}.rq")
        triples += [
            (service, NamedNode(DCTERMS + "hasPart"), node),
            (node, RDF_TYPE, NamedNode(SCHEMA + "SoftwareSourceCode")),
            (node, NamedNode(SCHEMA + "name"), Literal(query.title)),
            (node, NamedNode(SCHEMA + "description"), Literal(query.description)),
            (node, NamedNode(SCHEMA + "programmingLanguage"), Literal("SPARQL")),
            (node, NamedNode(SCHEMA + "text"), Literal(query.text)),
        ]
    store = Store()
    store.extend(Quad(s, p, o) for s, p, o in triples)
    return store


def _count(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode(XSD + "integer"))
