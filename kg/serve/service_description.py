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
from kg.serve.pool import Busy, MemoryLimit, Timeout, WorkerDied
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

    #: None when counting took too long (see `graph_sizes`)
    default: int | None
    named: list[tuple[str, int | None]]


def graph_sizes(store: Any, graphs: Iterable[str] = ()) -> Graphs:
    """Count the triples of the default graph and of each named graph, as queries see them.

    `store` answers `solutions`: a pyoxigraph Store, a RemoteStore, or the server's query pool
    (`PooledQueries`), whose timeout may stop a count: at 10,000 profiles counting the named
    graphs takes ~40 s, the default graph ~11 s. A count stopped leaves those sizes None, and
    `graphs` (the named graphs, listed from the store's index) are then named without a size.
    """
    try:
        (total,) = [int(row[0].value) for row in
                    solutions(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")]
    except _STOPPED:
        total = None
    try:
        named: list[tuple[str, int | None]] = [
            (row[0].value, int(row[1].value)) for row in solutions(
                store, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } "
                       "GROUP BY ?g ORDER BY ?g")]
    except _STOPPED:
        named = [(g, None) for g in sorted(graphs)]
    return Graphs(total, named)


#: what stops a count in the query pool
_STOPPED = (Timeout, MemoryLimit, Busy, WorkerDied)


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
    triples += [(dataset, sd["defaultGraph"], default), (default, RDF_TYPE, sd["Graph"])]
    if graphs.default is not None:
        triples.append((default, NamedNode(VOID + "triples"), _count(graphs.default)))
    for name, size in graphs.named:
        named, graph = BlankNode(), BlankNode()
        triples += [(dataset, sd["namedGraph"], named), (named, RDF_TYPE, sd["NamedGraph"]),
                    (named, sd["name"], NamedNode(name)), (named, sd["graph"], graph),
                    (graph, RDF_TYPE, sd["Graph"])]
        if size is not None:
            triples.append((graph, NamedNode(VOID + "triples"), _count(size)))
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
