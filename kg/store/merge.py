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
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store

from kg.mapping.vocab import RDF_TYPE, XSD_BOOLEAN, kg, schema
from kg.store.query import solutions, triples

_DEFAULT = DefaultGraph()
_TRUE = Literal("true", datatype=XSD_BOOLEAN)
_FALSE = Literal("false", datatype=XSD_BOOLEAN)
#: predicates whose values the rules above choose; every other triple is copied as it is
_CHOSEN = (schema.name, schema.abstract, schema.datePublished, kg.yearInferred,
           kg.authorListTruncated, kg.hasCode)
#: authorship nodes are `<paper>#author-…` (kg.mapping.iris)
_AUTHORSHIP_MARK = "#author-"

#: authorships are settled apart (`_authorships`): the longest printed list wins
_SETTLED = (kg.authorship, schema.author)
_COPY = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(?p NOT IN ({", ".join(str(p) for p in (*_CHOSEN, *_SETTLED))})
         && !CONTAINS(STR(?s), "{_AUTHORSHIP_MARK}"))
}}"""
_NAMES = f"""SELECT ?s (MIN(?n) AS ?name) WHERE {{
  GRAPH ?g {{ ?s {schema.name} ?n }} FILTER(!CONTAINS(STR(?s), "{_AUTHORSHIP_MARK}"))
}} GROUP BY ?s"""
_LISTINGS = f"""SELECT ?paper ?g ?date ?inferred ?cut ?code WHERE {{
  GRAPH ?g {{
    ?paper {schema.datePublished} ?date ; {kg.yearInferred} ?inferred ;
           {kg.authorListTruncated} ?cut ; {kg.hasCode} ?code .
  }}
}}"""
_ABSTRACTS = f"SELECT DISTINCT ?paper ?a WHERE {{ GRAPH ?g {{ ?paper {schema.abstract} ?a }} }}"
#: one row per authorship of every graph: who, where in the list, the name as printed
_ROLES = f"""SELECT ?paper ?g ?role ?item ?name ?position WHERE {{
  GRAPH ?g {{
    ?paper {kg.authorship} ?role . ?role {schema.item} ?item ; {schema.name} ?name .
    OPTIONAL {{ ?role {schema.position} ?position }}
  }}
}}"""


@dataclass
class _Listing:
    graph: str
    date: Literal
    inferred: bool
    cut: bool
    code: bool


@dataclass(frozen=True)
class _Role:
    """One authorship as one graph states it."""

    node: NamedNode
    person: NamedNode
    name: Literal
    position: Literal | None


def derive(store: Store, scratch: Path | None = None) -> None:
    """Replace the default graph of `store` with the merge of its named graphs."""
    store.clear_graph(_DEFAULT)
    with tempfile.TemporaryDirectory(prefix="kg-merge-", dir=scratch) as folder:
        copy = Path(folder) / "copy.nt"
        triples(store, _COPY).serialize(str(copy), RdfFormat.N_TRIPLES)
        store.bulk_load(path=str(copy), format=RdfFormat.N_TRIPLES, to_graph=_DEFAULT,
                        lenient=True)  # our own terms, already checked when loaded
    store.bulk_extend(_chosen(store))
    store.bulk_extend(_authorships(store))


def _chosen(store: Store) -> Iterator[Quad]:
    """The values the rules choose for the predicates in `_CHOSEN`."""
    for row in solutions(store, _NAMES):
        yield Quad(row["s"], schema.name, row["name"], _DEFAULT)
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


def _authorships(store: Store) -> Iterator[Quad]:
    """Every paper's authorships: those of its longest printed list (ties: the graph IRI that
    sorts first), and each unplaced owner that list does not place; `schema:author` for each.

    Read in one query and written in one bulk load: a paper at a time, with a write per quad,
    took most of a build's time at a hundred profiles.
    """
    by_paper: dict[NamedNode, dict[str, list[_Role]]] = defaultdict(lambda: defaultdict(list))
    for row in solutions(store, _ROLES):
        by_paper[row["paper"]][row["g"].value].append(
            _Role(row["role"], row["item"], row["name"], row["position"]))
    for paper, by_graph in by_paper.items():
        winner = min(by_graph, key=lambda g: (-sum(r.position is not None
                                                     for r in by_graph[g]), g))
        wanted = {r.node: r for r in by_graph[winner] if r.position is not None}
        placed = {r.person for r in wanted.values()}
        for graph in sorted(by_graph):
            for role in by_graph[graph]:
                if role.position is None and role.person not in placed \
                        and role.node not in wanted:
                    wanted[role.node] = role
        for role in wanted.values():
            yield Quad(paper, kg.authorship, role.node, _DEFAULT)
            yield Quad(paper, schema.author, role.person, _DEFAULT)
            yield Quad(role.node, RDF_TYPE, kg.Authorship, _DEFAULT)
            yield Quad(role.node, schema.item, role.person, _DEFAULT)
            yield Quad(role.node, schema.name, role.name, _DEFAULT)
            if role.position is not None:
                yield Quad(role.node, schema.position, role.position, _DEFAULT)


def _bool(value: bool) -> Literal:
    return _TRUE if value else _FALSE
