"""Read what the served graph says about one IRI, for the entity pages and their RDF.

Reads use `Store.quads_for_pattern`, or SPARQL with the IRI passed as a `substitutions` binding:
the IRI comes from the request URL, so it is data and never becomes query text. Reads see the
default graph (for a built store, the merged graph: each triple once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    RdfFormat,
    Store,
    Triple,
    Variable,
    parse,
)

from kg.config import ONTOLOGY_DIR
from kg.mapping.vocab import OWL, RDF_TYPE, RDFS, schema
from kg.store.query import records, triples

ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"
POSITION = schema.position
NAME = schema.name

_PAPERS = """
SELECT ?who ?paper (MIN(?t) AS ?title) (MAX(?d) AS ?date) {
  ?paper schema:author ?who ; schema:name ?t .
  OPTIONAL { ?paper schema:datePublished ?d }
} GROUP BY ?who ?paper ORDER BY DESC(?date) ?title ?paper"""

_COAUTHORS = """
SELECT ?who ?other (MIN(?n) AS ?name) (COUNT(DISTINCT ?paper) AS ?shared) {
  ?paper schema:author ?who, ?other .
  FILTER(?other != ?who)
  OPTIONAL { ?other schema:name ?n }
} GROUP BY ?who ?other ORDER BY DESC(?shared) ?name ?other"""

#: the links other sources hold for an entity (kg link), most certain first
_EXTERNAL_LINKS = """
SELECT ?who ?link ?relation ?target ?confidence ?method ?source (MAX(?t) AS ?when)
       (GROUP_CONCAT(?e; separator="\\n") AS ?evidence) {
  ?link a kg:Link ; rdf:subject ?who ; rdf:predicate ?relation ; rdf:object ?target ;
        kg:confidence ?confidence ; kg:method ?method .
  OPTIONAL { ?link dcterms:source ?source }
  OPTIONAL { ?link prov:generatedAtTime ?t }
  OPTIONAL { ?link kg:evidence ?e }
} GROUP BY ?who ?link ?relation ?target ?confidence ?method ?source
ORDER BY DESC(?confidence) ?target ?link"""

#: the charts' counts, one query each; a paper counts once, in the year of its earliest date
_YEARS = """
SELECT %(who)s ?year (COUNT(?paper) AS ?papers) (SUM(?coded) AS ?code) {
  { SELECT %(who)s ?paper (MIN(YEAR(?d)) AS ?year)
           (MAX(IF(EXISTS { ?paper kg:hasSourceCode ?r }, 1, 0)) AS ?coded) {
      ?paper a schema:ScholarlyArticle ; schema:datePublished ?d . %(pattern)s
    } GROUP BY %(who)s ?paper }
} GROUP BY %(who)s ?year ORDER BY ?year"""

_TOPIC_YEARS = """
SELECT ?who ?topic (MIN(?n) AS ?name) ?year (COUNT(DISTINCT ?paper) AS ?papers) {
  { SELECT ?who ?paper (MIN(YEAR(?d)) AS ?year) {
      ?paper schema:author ?who ; schema:datePublished ?d } GROUP BY ?who ?paper }
  ?paper schema:about ?topic .
  OPTIONAL { ?topic schema:name ?n }
} GROUP BY ?who ?topic ?year ORDER BY ?topic ?year"""

_TOPIC_AUTHORS = """
SELECT ?who ?person (MIN(?n) AS ?name) (COUNT(DISTINCT ?paper) AS ?papers) {
  ?paper schema:about ?who ; schema:author ?person .
  OPTIONAL { ?person schema:name ?n }
} GROUP BY ?who ?person ORDER BY DESC(?papers) ?name ?person LIMIT %d"""

#: what a page's JSON-LD says: the entity, and for a person her papers with their authors
_MARKUP = """
CONSTRUCT {
  ?who a ?type ; schema:name ?name .
  ?paper a schema:ScholarlyArticle ; schema:name ?title ; schema:datePublished ?date ;
         schema:author ?author ; schema:url ?paper .
  ?author a schema:Person ; schema:name ?author_name .
} WHERE {
  { ?who a ?type . OPTIONAL { ?who schema:name ?name } }
  UNION
  { ?who a schema:Person . ?paper schema:author ?who ; schema:name ?title .
    OPTIONAL { ?paper schema:datePublished ?date }
    OPTIONAL { ?paper schema:author ?author . OPTIONAL { ?author schema:name ?author_name } } }
}"""

_PROFILES = """
SELECT ?person (MIN(?n) AS ?name) {
  ?page a schema:ProfilePage ; schema:about ?person .
  OPTIONAL { ?person schema:name ?n }
} GROUP BY ?person ORDER BY ?name ?person"""


def _order(triple: Triple) -> tuple[str, bool, str, str]:
    """Subjects together (so Turtle groups them), rdf:type first, then by property and value."""
    return (str(triple.subject), triple.predicate != RDF_TYPE, triple.predicate.value,
            str(triple.object))


#: a page lists at most this many triples pointing at its IRI; SPARQL gives the rest
INCOMING_LIMIT = 1000


@dataclass(frozen=True)
class Description:
    """One document: its IRI's own triples, its `#` parts, and the triples pointing at it."""

    iri: NamedNode
    outgoing: list[Triple]
    parts: list[tuple[NamedNode, list[Triple]]]
    incoming: list[Triple]
    #: True when more triples point at the IRI than a page shows (a hub: a topic, a term set)
    incoming_cut: bool = False

    def triples(self) -> list[Triple]:
        """Every triple once, grouped by subject: what the RDF forms of the page return."""
        everything = [*self.outgoing, *(t for _, ts in self.parts for t in ts), *self.incoming]
        return sorted(dict.fromkeys(everything), key=_order)


class Reader:
    """Reads a served store's default graph (for a built store, the merged graph)."""

    def __init__(self, store: Store, base: str) -> None:
        self.store, self.base = store, base
        self._graph = DefaultGraph()

    def _triples(
        self, s: NamedNode | None = None, p: NamedNode | None = None, o: Any = None,
        limit: int | None = None,
    ) -> list[Triple]:
        """Distinct matching triples, sorted; at most `limit` of them (read no further)."""
        found: dict[Triple, None] = {}
        for quad in self.store.quads_for_pattern(s, p, o, self._graph):
            found[quad.triple] = None
            if limit is not None and len(found) >= limit:
                break
        return sorted(found, key=_order)

    def _any(self, s: NamedNode | None = None, o: NamedNode | None = None) -> bool:
        return next(iter(self.store.quads_for_pattern(s, None, o, self._graph)), None) is not None

    def find(self, paths: Iterable[str]) -> NamedNode | None:
        """The first `base + path` that is the subject or object of a triple, if any."""
        for path in paths:
            try:
                iri = NamedNode(self.base + path)
            except ValueError:  # not a valid IRI: the store cannot hold it
                continue
            if self._any(s=iri) or self._any(o=iri):
                return iri
        return None

    def describe(self, iri: NamedNode) -> Description:
        """What the page of `iri` shows; parts are ordered by schema:position, then by IRI."""
        outgoing = self._triples(s=iri)
        incoming = self._triples(o=iri, limit=INCOMING_LIMIT + 1)
        more = len(incoming) > INCOMING_LIMIT
        incoming = incoming[:INCOMING_LIMIT]
        prefix = iri.value + "#"
        linked = [t.object for t in outgoing] + [t.subject for t in incoming]
        fragments = {t for t in linked if isinstance(t, NamedNode) and t.value.startswith(prefix)}
        parts = [(node, self._triples(s=node)) for node in fragments]
        parts.sort(key=lambda part: (_position(part[1]), part[0].value))
        return Description(iri, outgoing, parts, incoming, more)

    def labels(self, terms: Iterable[Any]) -> dict[str, str]:
        """schema:name of each named node that has one (the smallest, when profiles differ)."""
        found: dict[str, str] = {}
        for term in {t for t in terms if isinstance(t, NamedNode)}:
            names = [t.object.value for t in self._triples(s=term, p=NAME)
                     if isinstance(t.object, Literal)]
            if names:
                found[term.value] = min(names)
        return found

    def _select(self, query: str, who: NamedNode | None = None) -> list[dict[str, Any]]:
        bindings = {Variable("who"): who} if who is not None else {}
        return records(self.store, query, self.base, substitutions=bindings)

    def papers_of(self, person: NamedNode) -> list[dict[str, Any]]:
        """The papers listing `person` as an author, newest first: paper, title, date."""
        return self._select(_PAPERS, person)

    def coauthors_of(self, person: NamedNode) -> list[dict[str, Any]]:
        """Everyone sharing a paper with `person`, most shared papers first: other, name, shared."""
        return self._select(_COAUTHORS, person)

    def links_of(self, iri: NamedNode) -> list[dict[str, Any]]:
        """The external links of `iri` with their provenance, most certain first: link,
        relation, target, confidence, method, source, when, evidence (one per line)."""
        return self._select(_EXTERNAL_LINKS, iri)

    def papers_per_year(self, person: NamedNode | None = None) -> list[dict[str, Any]]:
        """Papers per year (of `person`, or of every profile): year, papers, code (how many
        of them name a source-code repository). Years without papers are absent."""
        if person is None:
            return self._select(_YEARS % {"who": "", "pattern": ""})
        return self._select(_YEARS % {"who": "?who", "pattern": "?paper schema:author ?who ."},
                            person)

    def topics_per_year(self, person: NamedNode) -> list[dict[str, Any]]:
        """How many papers of `person` each topic has per year: topic, name, year, papers."""
        return self._select(_TOPIC_YEARS, person)

    def topic_papers_per_year(self, topic: NamedNode) -> list[dict[str, Any]]:
        """Papers about `topic` per year: year, papers, code."""
        return self._select(_YEARS % {"who": "?who", "pattern": "?paper schema:about ?who ."},
                            topic)

    def topic_authors(self, topic: NamedNode, limit: int) -> list[dict[str, Any]]:
        """The `limit` persons with most papers about `topic`: person, name, papers."""
        return self._select(_TOPIC_AUTHORS % limit, topic)

    def markup(self, iri: NamedNode) -> list[Triple]:
        """The schema.org description a page embeds as JSON-LD (see `_MARKUP`)."""
        return list(dict.fromkeys(triples(self.store, _MARKUP, self.base,
                                          substitutions={Variable("who"): iri})))

    def profiles(self) -> list[dict[str, Any]]:
        """The persons the served profiles are about, by name: person, name."""
        return self._select(_PROFILES)


def _position(triples: list[Triple]) -> int:
    for t in triples:
        if t.predicate == POSITION and isinstance(t.object, Literal) and t.object.value.isdigit():
            return int(t.object.value)
    return 1 << 30


@dataclass(frozen=True)
class OntologyTerm:
    """One class or property of our ontology, as its page lists it."""

    iri: str
    name: str
    kind: str
    label: str
    comment: str
    links: list[tuple[str, str]]  # (property IRI, value IRI): domain, range, super-property


_KINDS = {OWL + "Class": "class", OWL + "ObjectProperty": "object property",
          OWL + "DatatypeProperty": "datatype property"}
_LINKS = (RDFS + "subClassOf", RDFS + "subPropertyOf", RDFS + "domain", RDFS + "range")


def load_ontology(base: str, path: Path = ONTOLOGY_FILE) -> list[Triple]:
    """The triples of `ontology/kg.ttl` with its relative IRIs resolved against `base`.

    Raises OSError when the file cannot be read, SyntaxError when it is not Turtle.
    """
    quads = parse(path=str(path), format=RdfFormat.TURTLE, base_iri=base)
    return sorted(dict.fromkeys(q.triple for q in quads), key=_order)


def ontology_terms(triples: list[Triple], namespace: str) -> list[OntologyTerm]:
    """Every term of `namespace` the ontology defines, classes first, then by local name."""
    by_subject: dict[str, list[Triple]] = {}
    for t in triples:
        if isinstance(t.subject, NamedNode) and t.subject.value.startswith(namespace):
            by_subject.setdefault(t.subject.value, []).append(t)
    terms = []
    for iri, ts in by_subject.items():
        values: dict[str, list[str]] = {}
        for t in ts:
            if not isinstance(t.object, Triple):
                values.setdefault(t.predicate.value, []).append(t.object.value)
        kinds = [_KINDS[v] for v in values.get(RDF_TYPE.value, []) if v in _KINDS]
        links = [(p, v) for p in _LINKS for v in sorted(values.get(p, []))]
        terms.append(OntologyTerm(
            iri=iri, name=iri[len(namespace):], kind=", ".join(kinds) or "term",
            label=min(values.get(RDFS + "label", [""])),
            comment=min(values.get(RDFS + "comment", [""])), links=links,
        ))
    order = list(_KINDS.values())
    terms.sort(key=lambda t: (order.index(t.kind) if t.kind in order else len(order),
                              t.name.casefold(), t.name))
    return terms
