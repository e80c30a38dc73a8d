"""The VoID and DCAT description of the graph, generated from the store and the dump files.

Every figure is counted by a query on the store, never written by hand: triples, entities,
class and property partitions, linksets (the `graph/links/` graphs). The triples that describe
the linksets themselves (each link graph's `void:Linkset`, its run, the target datasets) are
metadata, not data, and are left out of every count. Each dump file is a `void:dataDump` and a
`dcat:Distribution` with its byte size, SHA-256, media type (an IANA IRI), file type and the
specification it conforms to; the SPARQL endpoint is a `dcat:DataService`. The terms follow
DCAT-AP 3.0.1 where it says more than DCAT (tests/test_void_shapes.py checks it with its SHACL
shapes). Nodes get IRIs under `<base>.well-known/void#`, never blank nodes, so the same store
gives the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Store, Triple

from kg import __version__
from kg.config import DEFAULT_LICENSE
from kg.mapping.iris import LINK_GRAPHS, VOID_DATASET, Minter
from kg.mapping.vocab import (
    DCAT,
    DCTERMS,
    DQV,
    EU_FILE_TYPES,
    FOAF,
    IANA_MEDIA_TYPES,
    KG,
    OWL,
    PROV,
    RDF_TYPE,
    SCHEMA,
    SPDX,
    VOID,
    XSD,
)
from kg.metadata.context import CONTEXT_PATH
from kg.store.query import solutions

VOID_PATH = VOID_DATASET.split("#")[0]
REPORT_FILE = "shacl-report.ttl"
#: dump format → (EU file type, the specification it conforms to)
_FILE_TYPES = {
    "nq": ("RDF_N_QUADS", "https://www.w3.org/TR/n-quads/"),
    "trig": ("RDF_TRIG", "https://www.w3.org/TR/trig/"),
    "ttl": ("RDF_TURTLE", "https://www.w3.org/TR/turtle/"),
    "nt": ("RDF_N_TRIPLES", "https://www.w3.org/TR/n-triples/"),
    "jsonld": ("JSON_LD", "https://www.w3.org/TR/json-ld11/"),
}
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
SHACL_SPEC = "https://www.w3.org/TR/shacl/"



#: a triple of the description, before it becomes a pyoxigraph Triple
_Triple = tuple[Any, Any, Any]


@dataclass(frozen=True)
class DumpFile:
    """A written dump: what a VoID `void:dataDump` says about it."""

    path: Path
    format: str
    media_type: str
    byte_size: int
    sha256: str
    compressed: bool


@dataclass(frozen=True)
class Release:
    """What the description says about this release of the graph."""

    base: str
    created: str
    modified: str
    license: str = DEFAULT_LICENSE
    #: the name of the publisher, a `foaf:Agent` (DCAT-AP makes a publisher mandatory)
    publisher: str = "scholarkg"
    #: whether `shacl-report.ttl` was written beside the dumps (declared as quality metadata)
    report: bool = False


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _int(value: int, datatype: str = "integer") -> Literal:
    return Literal(str(value), datatype=_n(XSD + datatype))


def _en(text: str) -> Literal:
    return Literal(text, language="en")


def _rows(store: Store, base: str, query: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in solutions(store, query, base)]


def void_description(store: Store, release: Release, dumps: Iterable[DumpFile]) -> list[Triple]:
    """The description's triples, sorted by subject, predicate and object (the same bytes every
    time), ready to be serialised.

    Triples, not a Store: an Oxigraph store keeps `xsd:nonNegativeInteger` as `xsd:integer`,
    and DCAT wants the former for byte sizes.
    """
    base = release.base
    doc = base + VOID_PATH
    mint = Minter(base)
    dataset, endpoint = mint.dataset(), mint.endpoint()
    a, title, license_ = RDF_TYPE, _n(DCTERMS + "title"), _n(release.license)
    publisher = _n(f"{doc}#publisher")
    date_time = _n(XSD + "dateTime")
    triples: list[_Triple] = [
        (dataset, a, _n(VOID + "Dataset")),
        (dataset, a, _n(DCAT + "Dataset")),
        (dataset, title, _en("scholarkg knowledge graph")),
        (dataset, _n(DCTERMS + "description"), _en(
            "Papers, persons, topics, key phrases and code repositories read from researcher "
            "profile pages, as schema.org RDF.")),
        (dataset, _n(DCTERMS + "license"), license_),
        (dataset, _n(DCTERMS + "created"), Literal(release.created, datatype=date_time)),
        (dataset, _n(DCTERMS + "issued"), Literal(release.created, datatype=date_time)),
        (dataset, _n(DCTERMS + "modified"), Literal(release.modified, datatype=date_time)),
        (dataset, _n(OWL + "versionInfo"), Literal(f"{release.modified} (scholarkg "
                                                    f"{__version__})")),
        (dataset, _n(DCTERMS + "publisher"), publisher),
        (publisher, a, _n(FOAF + "Agent")),
        (publisher, _n(FOAF + "name"), Literal(release.publisher)),
        (dataset, _n(DCAT + "landingPage"), _n(base)),
        (_n(base), a, _n(FOAF + "Document")),
        (dataset, _n(DCAT + "keyword"), _en("scholarly knowledge graph")),
        (dataset, _n(DCAT + "keyword"), _en("researcher profiles")),
        (dataset, _n(VOID + "sparqlEndpoint"), endpoint),
        (dataset, _n(VOID + "uriSpace"), Literal(base)),
        (dataset, _n(VOID + "vocabulary"), _n(SCHEMA)),
        (dataset, _n(VOID + "vocabulary"), _n(KG)),
        (dataset, _n(VOID + "rootResource"), _n(base)),
    ]
    triples.append((license_, a, _n(DCTERMS + "LicenseDocument")))
    triples += _data_service(doc, dataset, endpoint, license_)
    triples += _counts(store, base, doc, dataset)
    for (page,) in _rows(store, base, "SELECT DISTINCT ?page { ?page a schema:ProfilePage } "
                                      "ORDER BY ?page"):
        triples.append((dataset, _n(PROV + "wasDerivedFrom"), page))
    triples += _linksets(store, base, dataset)
    context = _n(base + CONTEXT_PATH)
    triples += [(context, a, _n(DCTERMS + "Standard")),
                (context, title, _en("JSON-LD context of the JSON-LD dump and the pages"))]
    for dump in sorted(dumps, key=lambda f: f.path.name):
        triples += _distribution(release, doc, dataset, dump, context)
    if release.report:
        report = _file(release, REPORT_FILE)
        triples += [
            (dataset, _n(DQV + "hasQualityMetadata"), report),
            (report, a, _n(DQV + "QualityMetadata")),
            (report, title, _en("SHACL validation report of the graph")),
            (report, _n(DCTERMS + "conformsTo"), _n(SHACL_SPEC)),
            (report, _n(DCAT + "mediaType"), _media_type("text/turtle")),
        (_media_type("text/turtle"), a, _n(DCTERMS + "MediaType")),
            (_n(SHACL_SPEC), a, _n(DCTERMS + "Standard")),
        ]
    return sorted((Triple(s, p, o) for s, p, o in dict.fromkeys(triples)),
                  key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _file(release: Release, name: str) -> NamedNode:
    """Where `kg serve` publishes a file of the export folder."""
    return Minter(release.base).dump(name)


def _media_type(media: str) -> NamedNode:
    return _n(IANA_MEDIA_TYPES + media)


def _data_service(doc: str, dataset: NamedNode, endpoint: NamedNode,
                  license_: NamedNode) -> list[_Triple]:
    """The SPARQL endpoint as a DCAT data service, and a distribution reached through it.

    The service's IRI is the endpoint's, the node the SPARQL service description describes.
    """
    a, conforms = RDF_TYPE, _n(DCTERMS + "conformsTo")
    access = _n(f"{doc}#sparql")
    return [
        (endpoint, a, _n(DCAT + "DataService")),
        (endpoint, _n(DCTERMS + "title"), _en("scholarkg SPARQL endpoint")),
        (endpoint, _n(DCAT + "endpointURL"), endpoint),
        (endpoint, _n(DCAT + "endpointDescription"), endpoint),
        (endpoint, _n(DCAT + "servesDataset"), dataset),
        (endpoint, conforms, _n(SPARQL_PROTOCOL)),
        (endpoint, _n(DCTERMS + "license"), license_),
        (endpoint, _n(DCTERMS + "publisher"), _n(f"{doc}#publisher")),
        (endpoint, _n(DCAT + "keyword"), _en("SPARQL")),
        (_n(SPARQL_PROTOCOL), a, _n(DCTERMS + "Standard")),
        (dataset, _n(DCAT + "distribution"), access),
        (access, a, _n(DCAT + "Distribution")),
        (access, _n(DCTERMS + "title"), _en("The graph through the SPARQL endpoint")),
        (access, _n(DCTERMS + "description"), _en(
            "SPARQL 1.1 queries on the merged graph (the default graph) and the named graphs")),
        (access, _n(DCAT + "accessURL"), endpoint),
        (access, _n(DCAT + "accessService"), endpoint),
        (access, conforms, _n(SPARQL_PROTOCOL)),
        (access, _n(DCTERMS + "license"), license_),
    ]


def _metadata_filter(store: Store, base: str) -> str:
    """A FILTER on `?s` that leaves out the subjects of VoID's own triples: the link graphs
    and their `#` parts (linksets, runs, agents, inputs) and the datasets they link to."""
    targets = _rows(store, base, f"""SELECT DISTINCT ?t {{ GRAPH ?g {{ ?l void:objectsTarget ?t }}
        FILTER(STRSTARTS(STR(?g), "{base}{LINK_GRAPHS}")) }} ORDER BY ?t""")
    links = f'!STRSTARTS(STR(?s), "{base}{LINK_GRAPHS}")'
    listed = ", ".join(str(t) for (t,) in targets if isinstance(t, NamedNode))
    # only when there are targets: Oxigraph 0.5 takes `?s NOT IN ()` for false
    return f"FILTER({links} && ?s NOT IN ({listed}))" if listed else f"FILTER({links})"


def _counts(store: Store, base: str, doc: str, dataset: NamedNode) -> list[_Triple]:
    """VoID's figures and partitions, and an example resource of each main class."""
    v = {t: _n(VOID + t) for t in (
        "triples", "entities", "distinctSubjects", "distinctObjects", "properties", "classes",
        "classPartition", "propertyPartition", "class", "property", "exampleResource")}
    data = _metadata_filter(store, base)
    (counts,) = _rows(store, base, f"""SELECT (COUNT(*) AS ?triples)
        (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
        (COUNT(DISTINCT ?p) AS ?properties) {{ SELECT DISTINCT ?s ?p ?o {{ ?s ?p ?o {data} }} }}""")
    (entities, classes) = _rows(store, base, f"""SELECT (COUNT(DISTINCT ?s) AS ?e)
        (COUNT(DISTINCT ?c) AS ?k) {{ ?s a ?c {data} }}""")[0]
    triples: list[_Triple] = [
        (dataset, v[term], _int(int(value.value))) for term, value in zip(
            ("triples", "distinctSubjects", "distinctObjects", "properties"), counts, strict=True)]
    triples += [(dataset, v["entities"], _int(int(entities.value))),
                (dataset, v["classes"], _int(int(classes.value)))]
    for cls, n in _rows(store, base, f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) {{ ?s a ?c {data} }}
                                       GROUP BY ?c ORDER BY ?c"""):
        part = _n(f"{doc}#class-{_key(cls.value)}")
        triples += [(dataset, v["classPartition"], part), (part, v["class"], cls),
                    (part, v["entities"], _int(int(n.value)))]
    for prop, n in _rows(store, base, f"""SELECT ?p (COUNT(*) AS ?n) {{
            SELECT DISTINCT ?s ?p ?o {{ ?s ?p ?o {data} }} }} GROUP BY ?p ORDER BY ?p"""):
        part = _n(f"{doc}#property-{_key(prop.value)}")
        triples += [(dataset, v["propertyPartition"], part), (part, v["property"], prop),
                    (part, v["triples"], _int(int(n.value)))]
    for (example,) in _rows(store, base, """SELECT (MIN(STR(?s)) AS ?e) {
            VALUES ?c { schema:ScholarlyArticle schema:Person } ?s a ?c FILTER(isIRI(?s))
            } GROUP BY ?c ORDER BY ?c"""):
        if example is not None:
            triples.append((dataset, v["exampleResource"], _n(example.value)))
    return triples


def _linksets(store: Store, base: str, dataset: NamedNode) -> list[_Triple]:
    """Each link graph as a `void:subset`: the description `kg link` wrote into it (so the
    counts are the linker's own: link predicates, triples, targets) and the datasets it links
    to, each a `void:Dataset` with its title."""
    triples: list[_Triple] = []
    for (graph,) in _rows(store, base, f"""SELECT DISTINCT ?g {{ GRAPH ?g {{ ?g a void:Linkset }}
            FILTER(STRSTARTS(STR(?g), "{base}{LINK_GRAPHS}")) }} ORDER BY ?g"""):
        triples.append((dataset, _n(VOID + "subset"), graph))
        quads = list(store.quads_for_pattern(None, None, None, graph))
        parts = [q for q in quads
                 if q.subject == graph or str(q.subject).startswith(f"<{graph.value}#")]
        targets = {q.object for q in parts if q.predicate.value == VOID + "objectsTarget"}
        triples += [(q.subject, q.predicate, q.object) for q in parts]
        triples += [(q.subject, q.predicate, q.object) for q in quads if q.subject in targets]
    return triples


def _distribution(release: Release, doc: str, dataset: NamedNode, dump: DumpFile,
                  context: NamedNode) -> list[_Triple]:
    """One dump file as a `void:dataDump` and a DCAT distribution."""
    a = RDF_TYPE
    url = _file(release, dump.path.name)
    checksum = _n(f"{doc}#sha256-{dump.path.name}")
    algorithm = _n(SPDX + "checksumAlgorithm_sha256")
    media = _media_type(dump.media_type)
    file_type, specification = _FILE_TYPES[dump.format]
    conforms = _n(DCTERMS + "conformsTo")
    triples = [
        (dataset, _n(VOID + "dataDump"), url),
        (dataset, _n(DCAT + "distribution"), url),
        (url, a, _n(DCAT + "Distribution")),
        (url, _n(DCTERMS + "title"), _en(f"scholarkg dump, {dump.format}")),
        (url, _n(DCTERMS + "description"), _en(
            "Every named graph (profiles, term sets, link sources)" if dump.format in
            ("nq", "trig") else "The merged graph, each triple once")),
        (url, _n(DCAT + "downloadURL"), url),
        (url, _n(DCAT + "accessURL"), _file(release, "")),  # the folder's listing
        (url, _n(DCAT + "mediaType"), media),
        (media, a, _n(DCTERMS + "MediaType")),
        (url, _n(DCTERMS + "format"), _n(EU_FILE_TYPES + file_type)),
        (_n(EU_FILE_TYPES + file_type), a, _n(DCTERMS + "MediaTypeOrExtent")),
        (url, conforms, _n(specification)),
        (_n(specification), a, _n(DCTERMS + "Standard")),
        (url, _n(DCTERMS + "license"), _n(release.license)),
        (url, _n(DCAT + "byteSize"), _int(dump.byte_size, "nonNegativeInteger")),
        (url, _n(SPDX + "checksum"), checksum),
        (checksum, a, _n(SPDX + "Checksum")),
        (checksum, _n(SPDX + "algorithm"), algorithm),
        (algorithm, a, _n(SPDX + "ChecksumAlgorithm")),
        (checksum, _n(SPDX + "checksumValue"), Literal(dump.sha256,
                                                        datatype=_n(XSD + "hexBinary"))),
    ]
    if dump.format == "jsonld":
        triples.append((url, conforms, context))
    if dump.compressed:
        gzip = _media_type("application/gzip")
        triples += [(url, _n(DCAT + "compressFormat"), gzip), (gzip, a, _n(DCTERMS + "MediaType"))]
    return triples


def _key(iri: str) -> str:
    """A short, stable fragment for a class or property IRI."""
    local = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return f"{local}-{hashlib.sha1(iri.encode()).hexdigest()[:6]}"
