"""Derive the merged graph, the store's default graph, from the named graphs.

Every profile, term set and link source has a named graph of its own (provenance: `GRAPH ?g`).
Queries without `GRAPH` see the default graph, which holds the merged knowledge graph, each
triple once: a plain `COUNT(*)` counts things, a person with a name is one row. A union of the
named graphs would repeat what several profiles state, and could not settle what they state
differently; so the default graph is materialised here, by these rules:

- a triple any named graph states is in it, once;
- a paper's date is the earliest date a page gives with its year, else the earliest inferred
  one; `kg:yearInferred` only when every listing inferred it;
- its ordered authors (`kg:authorship`, `schema:author`) are the longest printed list (ties: the
  list of the graph whose IRI sorts first), plus every profile owner that list does not place;
  `kg:authorListTruncated` only when every listing was cut;
- `kg:hasCode` when any listing says so;
- one `schema:name` per thing (the first in code-point order) and one `schema:abstract` per
  paper (the longest).

It is a function of the named graphs alone, so a full build, an incremental one and a link run
that each end by calling `derive` give the same default graph.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, Variable

from kg.mapping.vocab import XSD_BOOLEAN, kg, schema
from kg.store.query import solutions, triples

_DEFAULT = DefaultGraph()
_TRUE = Literal("true", datatype=XSD_BOOLEAN)
_FALSE = Literal("false", datatype=XSD_BOOLEAN)
#: predicates whose values the rules above choose; every other triple is copied as it is
_CHOSEN = (schema.name, schema.abstract, schema.datePublished, kg.yearInferred,
           kg.authorListTruncated, kg.hasCode)
#: authorship nodes are `<paper>#author-…` (kg.mapping.iris)
_AUTHORSHIP_MARK = "#author-"

_COPY = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(?p NOT IN ({", ".join(str(p) for p in _CHOSEN)}))
}}"""
_NAMES = f"""SELECT ?s (MIN(?n) AS ?name) WHERE {{
  GRAPH ?g {{ ?s {schema.name} ?n }} FILTER(!CONTAINS(STR(?s), "{_AUTHORSHIP_MARK}"))
}} GROUP BY ?s"""
_AUTHORSHIP_NAMES = f"""SELECT DISTINCT ?s ?n WHERE {{
  GRAPH ?g {{ ?s {schema.name} ?n }} FILTER(CONTAINS(STR(?s), "{_AUTHORSHIP_MARK}"))
}}"""
_LISTINGS = f"""SELECT ?paper ?g ?date ?inferred ?cut ?code WHERE {{
  GRAPH ?g {{
    ?paper {schema.datePublished} ?date ; {kg.yearInferred} ?inferred ;
           {kg.authorListTruncated} ?cut ; {kg.hasCode} ?code .
  }}
}}"""
_ABSTRACTS = f"SELECT DISTINCT ?paper ?a WHERE {{ GRAPH ?g {{ ?paper {schema.abstract} ?a }} }}"
_SHARED = f"""SELECT ?paper WHERE {{
  GRAPH ?g {{ ?paper a {schema.ScholarlyArticle} }}
}} GROUP BY ?paper HAVING (COUNT(?g) > 1)"""
_PAPER = Variable("paper")
_ROLES = f"""SELECT ?paper ?g ?role ?p ?o WHERE {{
  GRAPH ?g {{ ?paper {kg.authorship} ?role . ?role ?p ?o }}
}}"""


@dataclass
class _Listing:
    graph: str
    date: Literal
    inferred: bool
    cut: bool
    code: bool


@dataclass
class _Roles:
    """What one graph says of a paper's authorships: role → its triples."""

    roles: dict[NamedNode, list[tuple[NamedNode, object]]] = field(default_factory=dict)

    def placed(self) -> dict[NamedNode, list[tuple[NamedNode, object]]]:
        return {r: t for r, t in self.roles.items() if any(p == schema.position for p, _ in t)}


def derive(store: Store, scratch: Path | None = None) -> None:
    """Replace the default graph of `store` with the merge of its named graphs."""
    store.clear_graph(_DEFAULT)
    with tempfile.TemporaryDirectory(prefix="kg-merge-", dir=scratch) as folder:
        copy = Path(folder) / "copy.nt"
        triples(store, _COPY).serialize(str(copy), RdfFormat.N_TRIPLES)
        store.bulk_load(path=str(copy), format=RdfFormat.N_TRIPLES, to_graph=_DEFAULT,
                        lenient=True)  # our own terms, already checked when loaded
    store.bulk_extend(_chosen(store))
    _settle_authors(store)


def _chosen(store: Store) -> Iterator[Quad]:
    """The values the rules choose for the predicates in `_CHOSEN`."""
    for row in solutions(store, _NAMES):
        yield Quad(row["s"], schema.name, row["name"], _DEFAULT)
    for row in solutions(store, _AUTHORSHIP_NAMES):
        yield Quad(row["s"], schema.name, row["n"], _DEFAULT)
    listings: dict[NamedNode, list[_Listing]] = defaultdict(list)
    for row in solutions(store, _LISTINGS):
        listings[row["paper"]].append(_Listing(row["g"].value, row["date"],
                                               row["inferred"] == _TRUE, row["cut"] == _TRUE,
                                               row["code"] == _TRUE))
    for paper, found in listings.items():
        stated = [x.date for x in found if not x.inferred]
        date = min(stated or [x.date for x in found], key=lambda d: d.value)
        yield Quad(paper, schema.datePublished, date, _DEFAULT)
        yield Quad(paper, kg.yearInferred, _bool(not stated), _DEFAULT)
        yield Quad(paper, kg.authorListTruncated, _bool(all(x.cut for x in found)), _DEFAULT)
        yield Quad(paper, kg.hasCode, _bool(any(x.code for x in found)), _DEFAULT)
    abstracts: dict[NamedNode, str] = {}
    for row in solutions(store, _ABSTRACTS):
        text, known = row["a"].value, abstracts.get(row["paper"])
        if known is None or (-len(text), text) < (-len(known), known):
            abstracts[row["paper"]] = text
    for paper, text in abstracts.items():
        yield Quad(paper, schema.abstract, Literal(text), _DEFAULT)


def _settle_authors(store: Store) -> None:
    """For each paper several graphs list: keep the longest list's authorships only."""
    for row in solutions(store, _SHARED):
        paper = row["paper"]
        by_graph: dict[str, _Roles] = defaultdict(_Roles)
        for found in solutions(store, _ROLES,
                               substitutions={_PAPER: paper}):
            by_graph[found["g"].value].roles.setdefault(found["role"], []).append(
                (found["p"], found["o"]))
        winner = min(by_graph, key=lambda g: (-len(by_graph[g].placed()), g))
        wanted = dict(by_graph[winner].placed())
        placed_persons = {o for triples in wanted.values() for p, o in triples
                          if p == schema.item}
        for graph in sorted(by_graph):
            for role, facts in by_graph[graph].roles.items():
                person = next(o for p, o in facts if p == schema.item)
                if role not in wanted and not any(p == schema.position for p, _ in facts) \
                        and person not in placed_persons:
                    wanted[role] = facts
        for quad in list(store.quads_for_pattern(paper, kg.authorship, None, _DEFAULT)):
            store.remove(quad)
            node = quad.object
            assert isinstance(node, NamedNode)  # authorships are IRIs (kg.mapping.iris)
            for inner in list(store.quads_for_pattern(node, None, None, _DEFAULT)):
                store.remove(inner)
        for quad in list(store.quads_for_pattern(paper, schema.author, None, _DEFAULT)):
            store.remove(quad)
        for role, facts in wanted.items():
            store.add(Quad(paper, kg.authorship, role, _DEFAULT))
            for p, o in facts:
                store.add(Quad(role, p, o, _DEFAULT))  # type: ignore[arg-type]
                if p == schema.item:
                    store.add(Quad(paper, schema.author, o, _DEFAULT))  # type: ignore[arg-type]


def _bool(value: bool) -> Literal:
    return _TRUE if value else _FALSE
