"""What every build does once the profile graphs are in a store, local or bound for a server:
describe the term sets, derive the merged graph, validate it.

A graph that breaks the shapes is refused with the files and lines of the listings involved,
so that the person who can fix the page finds it: a profile's owner does not read SHACL
reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Executor
from pathlib import Path

from pyoxigraph import NamedNode, Store, Variable

from kg.errors import Problem, ProfileError
from kg.mapping import Mapper
from kg.mapping.iris import TERM_GRAPHS
from kg.mapping.vocab import curie
from kg.memory import give_back
from kg.store.merge import Facts, derive
from kg.store.query import solutions
from kg.store.validate import Violation, validate_store

_REFERRED_TOPICS = "SELECT DISTINCT ?t { GRAPH ?g { ?x schema:about|schema:knowsAbout ?t } }"
#: where a thing was listed: the listings of a paper, of the papers of a person, of a page
_LISTED = """SELECT DISTINCT ?x ?file ?line {
  { ?l schema:item ?x } UNION { ?x a schema:Person . ?p schema:author ?x . ?l schema:item ?p }
  ?l a kg:Listing ; kg:sourceFile ?file ; kg:sourceLine ?line .
} ORDER BY ?file ?line LIMIT 5"""
_FILE = "SELECT ?x ?file { ?x kg:sourceFile ?file } ORDER BY ?file LIMIT 1"
_X = Variable("x")


def finish(store: Store, mapper: Mapper, *, validate: bool, paths: Iterable[str],
           scratch: Path | None = None, executor: Executor | None = None,
           facts: Facts | None = None) -> None:
    """Term sets, merged graph, validation. The figures of the graph are counted by the
    caller, on the store it keeps (a remote build's is the server's, not this local copy).

    `paths` are the files of the build as the user named them, to name them so again;
    `executor` (the build's workers) validates chunks of the graph in parallel. Raises
    ProfileError with a `file:line` per violation of the shapes. `facts`: those of a new store
    whose named graphs were written with their copies in the merged graph (`kg.store.merge`).
    """
    write_term_sets(store, mapper, facts)
    derive(store, scratch, facts)
    give_back()
    if validate:
        report = validate_store(store, mapper.base, executor=executor)
        give_back()
        if not report.conforms:
            raise ProfileError(violations(store, report.results, mapper.base, paths))


def write_term_sets(store: Store, mapper: Mapper, facts: Facts | None = None) -> None:
    """(Re)write the graphs of the term sets, for the topics the profile graphs refer to."""
    topics = {row[0] for row in solutions(store, _REFERRED_TOPICS, mapper.base)}
    stale = [g for g in store.named_graphs()
             if isinstance(g, NamedNode) and g.value.startswith(mapper.base + TERM_GRAPHS)]
    for graph in stale:
        store.remove_graph(graph)
    quads = mapper.term_quads(topics)
    store.bulk_extend(quads if facts is None else facts.collect(quads))


def violations(store: Store, results: Iterable[Violation], base: str, paths: Iterable[str]
               ) -> list[Problem]:
    """One problem per violation and place it comes from, sorted by file and line."""
    by_name = {Path(path).name: path for path in paths}
    problems = set()
    for result in results:
        what = (f"breaks a SHACL constraint: {result.message} "
                f"({_name(result.path)} of {_name(result.focus)})")
        for file, line in _places(store, result.focus, base):
            problems.add(Problem(by_name.get(file, file), line, what))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.reason))


def _places(store: Store, focus: str, base: str) -> list[tuple[str, int | None]]:
    """The files and lines a node comes from: its listings, else its file, else the graph."""
    node = NamedNode(focus.split("#author-", 1)[0])  # an authorship: its paper's listings
    rows = list(solutions(store, _LISTED, base, substitutions={_X: node}))
    if rows:
        return [(row["file"].value, int(row["line"].value)) for row in rows]
    rows = list(solutions(store, _FILE, base, substitutions={_X: node}))
    if rows:
        return [(rows[0]["file"].value, None)]
    return [("(the merged graph)", None)]


def _name(term: str | None) -> str:
    return "?" if term is None else curie(term)
