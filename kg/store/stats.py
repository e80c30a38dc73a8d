"""What a graph holds, in the figures the build summary, `kg stats` and the home page show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyoxigraph import Store

from kg.store.query import scalar, solutions

if TYPE_CHECKING:
    from kg.store.remote import RemoteStore

_COUNTS = {
    "profiles": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:ProfilePage }",
    "papers": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:ScholarlyArticle }",
    "persons": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:Person }",
    "topics": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?p schema:about ?x . ?x a schema:DefinedTerm }",
    "keyphrases": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?p schema:keywords ?x }",
    "repositories": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:SoftwareSourceCode }",
}


_PREDICATES = "SELECT DISTINCT ?p { ?s ?p ?o }"
_TRIPLES_OF = "SELECT (COUNT(*) AS ?n) {{ SELECT DISTINCT ?s ?o {{ ?s {p} ?o }} }}"


def graph_stats(store: Store | RemoteStore, base: str) -> dict[str, int]:
    """Distinct entities per kind, distinct triples over all graphs, and stored quads."""
    counts = {name: scalar(store, query, base) or 0 for name, query in _COUNTS.items()}
    counts["triples"] = distinct_triples(store, base)
    # not `COUNT(DISTINCT ?g) { GRAPH ?g { } }`: Virtuoso answers that with nothing, and holds
    # graphs of its own
    counts["graphs"] = sum(1 for g in store.named_graphs() if g.value.startswith(base))
    counts["quads"] = len(store)
    return counts


def distinct_triples(store: Store | RemoteStore, base: str) -> int:
    """Triples over all graphs, each once however many graphs state it.

    Counted a predicate at a time: the engine holds the distinct triples of one predicate in
    memory, not those of the whole graph (tens of millions at 10,000 profiles).
    """
    predicates = [row[0] for row in solutions(store, _PREDICATES, base)]
    return sum(int(scalar(store, _TRIPLES_OF.format(p=p), base) or 0) for p in predicates)

