"""The VoID and DCAT description of the graph, generated from the store and the dump files.

Every figure is counted by a query on the store, never written by hand: triples, entities,
class and property partitions, linksets (the `graph/links/` graphs). Each dump file is a
`void:dataDump` and a `dcat:Distribution` with its byte size and SHA-256. Nodes get IRIs under
`<base>.well-known/void#`, never blank nodes, so the same store gives the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Store

from kg import __version__
from kg.config import DEFAULT_LICENSE
from kg.export.dumps import DumpFile
from kg.mapping.iris import LINK_GRAPHS, VOID_DATASET, Minter
from kg.mapping.vocab import (
    DCAT,
    DCTERMS,
    KG,
    OWL,
    RDF_TYPE,
    SCHEMA,
    SPDX,
    VOID,
    XSD,
)
from kg.store.query import run_query

VOID_PATH = VOID_DATASET.split("#")[0]
_PREFIXES = {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "spdx": SPDX, "xsd": XSD,
             "schema": SCHEMA, "owl": OWL}


def void_prefixes(base: str) -> dict[str, str]:
    return {**_PREFIXES, "kg": KG}


@dataclass(frozen=True)
class Release:
    """What the description says about this release of the graph."""

    base: str
    created: str
    modified: str
    license: str = DEFAULT_LICENSE
    dumps_url: str = ""


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=_n(XSD + "integer"))


def _rows(store: Store, base: str, query: str) -> list[tuple]:
    result = run_query(store, query, base)
    assert isinstance(result, QuerySolutions)
    return [tuple(row) for row in result]


def void_description(store: Store, release: Release, dumps: Iterable[DumpFile]) -> Store:
    """The description as a store (default graph), ready to be serialised."""
    base = release.base
    doc = base + VOID_PATH
    dataset = Minter(base).dataset()
    v = {t: _n(VOID + t) for t in (
        "Dataset", "Linkset", "triples", "entities", "distinctSubjects", "distinctObjects",
        "properties", "classes", "classPartition", "propertyPartition", "class", "property",
        "dataDump", "sparqlEndpoint", "uriSpace", "vocabulary", "subset", "rootResource")}
    d = {t: _n(DCAT + t) for t in ("Dataset", "Distribution", "distribution", "downloadURL",
                                  "mediaType", "byteSize", "compressFormat")}
    t = {t: _n(DCTERMS + t) for t in ("title", "description", "license", "created", "modified",
                                     "source", "format", "publisher")}
    date_time = _n(XSD + "dateTime")
    triples: list[tuple] = [
        (dataset, RDF_TYPE, v["Dataset"]),
        (dataset, RDF_TYPE, d["Dataset"]),
        (dataset, t["title"], Literal("scholarkg knowledge graph", language="en")),
        (dataset, t["description"], Literal(
            "Papers, persons, topics, key phrases and code repositories read from researcher "
            "profile pages, as schema.org RDF.", language="en")),
        (dataset, t["license"], _n(release.license)),
        (dataset, t["created"], Literal(release.created, datatype=date_time)),
        (dataset, t["modified"], Literal(release.modified, datatype=date_time)),
        (dataset, _n(OWL + "versionInfo"), Literal(f"{release.modified} (scholarkg "
                                                    f"{__version__})")),
        (dataset, v["sparqlEndpoint"], Minter(base).endpoint()),
        (dataset, v["uriSpace"], Literal(base)),
        (dataset, v["vocabulary"], _n(SCHEMA)),
        (dataset, v["vocabulary"], _n(KG)),
        (dataset, v["rootResource"], _n(base)),
    ]
    (counts,) = _rows(store, base, """SELECT (COUNT(*) AS ?triples)
        (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
        (COUNT(DISTINCT ?p) AS ?properties) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }""")
    (entities, classes) = _rows(store, base, """SELECT (COUNT(DISTINCT ?s) AS ?e)
        (COUNT(DISTINCT ?c) AS ?k) { ?s a ?c }""")[0]
    for term, value in zip(("triples", "distinctSubjects", "distinctObjects", "properties"),
                           counts, strict=True):
        triples.append((dataset, v[term], _int(int(value.value))))
    triples += [(dataset, v["entities"], _int(int(entities.value))),
                (dataset, v["classes"], _int(int(classes.value)))]
    for cls, n in _rows(store, base, """SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c }
                                       GROUP BY ?c ORDER BY ?c"""):
        part = _n(f"{doc}#class-{_key(cls.value)}")
        triples += [(dataset, v["classPartition"], part), (part, v["class"], cls),
                    (part, v["entities"], _int(int(n.value)))]
    for prop, n in _rows(store, base, """SELECT ?p (COUNT(*) AS ?n) {
            SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p"""):
        part = _n(f"{doc}#property-{_key(prop.value)}")
        triples += [(dataset, v["propertyPartition"], part), (part, v["property"], prop),
                    (part, v["triples"], _int(int(n.value)))]
    for (page,) in _rows(store, base, "SELECT DISTINCT ?page { ?page a schema:ProfilePage } "
                                      "ORDER BY ?page"):
        triples.append((dataset, t["source"], page))
    # each link graph describes itself as a void:Linkset (kg link writes it): copy that
    # description, so the counts are the linker's own
    for (graph,) in _rows(store, base, f"""SELECT DISTINCT ?g {{ GRAPH ?g {{ ?g a void:Linkset }}
            FILTER(STRSTARTS(STR(?g), "{base}{LINK_GRAPHS}")) }} ORDER BY ?g"""):
        triples.append((dataset, v["subset"], graph))
        triples += [(q.subject, q.predicate, q.object)
                    for q in store.quads_for_pattern(None, None, None, graph)
                    if q.subject == graph or q.subject.value.startswith(graph.value + "#")]
    for dump in sorted(dumps, key=lambda f: f.path.name):
        url = _n(release.dumps_url + dump.path.name) if release.dumps_url \
            else Minter(base).dump(dump.path.name)
        checksum = _n(f"{doc}#sha256-{dump.path.name}")
        triples += [
            (dataset, v["dataDump"], url),
            (dataset, d["distribution"], url),
            (url, RDF_TYPE, d["Distribution"]),
            (url, d["downloadURL"], url),
            (url, d["mediaType"], Literal(dump.media_type)),
            (url, d["byteSize"], _int(dump.byte_size)),
            (url, _n(SPDX + "checksum"), checksum),
            (checksum, RDF_TYPE, _n(SPDX + "Checksum")),
            (checksum, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256")),
            (checksum, _n(SPDX + "checksumValue"), Literal(dump.sha256)),
        ]
        if dump.compressed:
            triples.append((url, d["compressFormat"], Literal("application/gzip")))
    description = Store()
    description.extend(Quad(s, p, o) for s, p, o in triples)
    return description


def _key(iri: str) -> str:
    """A short, stable fragment for a class or property IRI."""
    local = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return f"{local}-{hashlib.sha1(iri.encode()).hexdigest()[:6]}"
