"""The SPARQL service description (W3C SPARQL 1.1 Service Description) of this endpoint.

Built as RDF with pyoxigraph and serialised by it; it also lists the saved queries so that a
client can discover them from the endpoint alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from kg.mapping.vocab import FORMATS, RDF_TYPE, SCHEMA, SD

SD_PREFIXES = {"sd": SD, "formats": FORMATS, "schema": SCHEMA}
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                   "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")


class Saved(Protocol):
    name: str
    title: str
    description: str
    text: str


def service_description(endpoint: str, union: bool, update: str | None,
                        saved: Iterable[Saved], queries_url: str) -> Store:
    """The description of the endpoint at `endpoint` (`update`: the update URL, if any)."""
    sd = {t: NamedNode(SD + t) for t in (
        "Service", "endpoint", "supportedLanguage", "SPARQL11Query", "SPARQL11Update",
        "resultFormat", "feature", "UnionDefaultGraph", "BasicFederatedQuery",
        "defaultDataset", "Dataset")}
    service = NamedNode(endpoint)
    triples = [
        (service, RDF_TYPE, sd["Service"]),
        (service, sd["endpoint"], service),
        (service, sd["supportedLanguage"], sd["SPARQL11Query"]),
    ]
    triples += [(service, sd["resultFormat"], NamedNode(FORMATS + f)) for f in _RESULT_FORMATS]
    if union:
        triples.append((service, sd["feature"], sd["UnionDefaultGraph"]))
    if update:
        triples.append((service, sd["supportedLanguage"], sd["SPARQL11Update"]))
    dataset = BlankNode()
    triples += [(service, sd["defaultDataset"], dataset), (dataset, RDF_TYPE, sd["Dataset"])]
    for query in saved:
        node = NamedNode(f"{queries_url}/{query.name}.rq")
        triples += [
            (service, NamedNode(SCHEMA + "hasPart"), node),
            (node, RDF_TYPE, NamedNode(SCHEMA + "SoftwareSourceCode")),
            (node, NamedNode(SCHEMA + "name"), Literal(query.title)),
            (node, NamedNode(SCHEMA + "description"), Literal(query.description)),
            (node, NamedNode(SCHEMA + "programmingLanguage"), Literal("SPARQL")),
            (node, NamedNode(SCHEMA + "text"), Literal(query.text)),
        ]
    store = Store()
    store.extend(Quad(s, p, o) for s, p, o in triples)
    return store
