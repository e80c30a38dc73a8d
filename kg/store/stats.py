"""What a graph holds, in the figures the build summary, `kg stats` and the home page show."""

from __future__ import annotations

from pyoxigraph import Store

from kg.store.query import scalar

_COUNTS = {
    "profiles": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:ProfilePage }",
    "papers": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:ScholarlyArticle }",
    "persons": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:Person }",
    "topics": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?p schema:about ?x . ?x a schema:DefinedTerm }",
    "keyphrases": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?p schema:keywords ?x }",
    "repositories": "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a schema:SoftwareSourceCode }",
    "triples": "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }",
    "graphs": "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { } }",
}


def graph_stats(store: Store, base: str) -> dict[str, int]:
    """Distinct entities per kind, distinct triples over all graphs, and stored quads."""
    counts = {name: scalar(store, query, base) or 0 for name, query in _COUNTS.items()}
    counts["quads"] = len(store)
    return counts
