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

The rules run over *facts*: the statements they choose among (names, a listing's date and
flags, abstracts, authorships), one row per graph that states them, in a SQLite file
(`Facts`), so that their memory does not grow with the graph. A full build collects the facts
while it writes the profile graphs and writes each copied triple into the default graph with
them (`copies`): nothing is read back from the store, where reading costs ~7 µs a quad (half of
a 1,000-profile build went into reading its 4 M named quads back). Incremental builds and link
runs change a store made earlier: there `derive` reads the facts and copies from the named
graphs.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import closing
from itertools import groupby, product
from operator import itemgetter
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store

from kg.mapping.vocab import RDF_TYPE, XSD_BOOLEAN, kg, schema
from kg.store.query import triples

_DEFAULT = DefaultGraph()
_TRUE = Literal("true", datatype=XSD_BOOLEAN)
_BOOLEANS = {True: str(_TRUE), False: str(Literal("false", datatype=XSD_BOOLEAN))}
#: predicates whose values the rules above choose; every other triple is copied as it is
_CHOSEN = (schema.name, schema.abstract, schema.datePublished, kg.yearInferred,
           kg.authorListTruncated, kg.hasCode)
#: authorship nodes are `<paper>#author-…` (kg.mapping.iris)
_AUTHORSHIP_MARK = "#author-"
#: authorships are settled apart: the longest printed list wins
_SETTLED = (kg.authorship, schema.author)
_NOT_COPIED = frozenset((*_CHOSEN, *_SETTLED))
#: what a listing of a paper must state, in a graph, to take part in the choice of its date
_FLAGS = (schema.datePublished, kg.yearInferred, kg.authorListTruncated, kg.hasCode)
_ROLE_TERMS = (schema.item, schema.name, schema.position)
#: characters of N-Triples one bulk load of the merged graph's triples reads (~0.4 GB of the
#: loader's memory)
MERGED_BATCH_CHARS = 64 << 20
#: what `rows_of` looks at, read from a store
_READ = (schema.name, schema.abstract, *_FLAGS, kg.authorship, schema.item, schema.position)

_COPY = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(?p NOT IN ({", ".join(str(p) for p in _NOT_COPIED)})
         && !CONTAINS(STR(?s), "{_AUTHORSHIP_MARK}"))
}}"""
#: terms are held as N-Triples (`str(term)`), compared by their value where a rule orders them
_TABLES = """
CREATE TABLE names (subject TEXT, value TEXT, name TEXT);
CREATE TABLE listings (paper TEXT, graph TEXT, date_value TEXT, date TEXT, inferred INTEGER,
                       cut INTEGER, code INTEGER);
CREATE TABLE abstracts (paper TEXT, text TEXT);
CREATE TABLE roles (paper TEXT, graph TEXT, role TEXT, person TEXT, name TEXT, position TEXT);
"""
_INSERT = {"names": "INSERT INTO names VALUES (?, ?, ?)",
           "listings": "INSERT INTO listings VALUES (?, ?, ?, ?, ?, ?, ?)",
           "abstracts": "INSERT INTO abstracts VALUES (?, ?)",
           "roles": "INSERT INTO roles VALUES (?, ?, ?, ?, ?, ?)"}
#: the facts of some quads, by table: rows ready for `_INSERT`
Rows = dict[str, Iterable[tuple[Any, ...]]]


def copies(quads: Iterable[Quad]) -> Iterator[Quad]:
    """The default graph's copy of each quad that the rules do not choose among (on a blank
    node nothing is copied: the derivation's `_COPY` cannot name one)."""
    for quad in quads:
        subject = quad.subject
        if quad.predicate not in _NOT_COPIED and isinstance(subject, NamedNode) \
                and _AUTHORSHIP_MARK not in subject.value:
            yield Quad(subject, quad.predicate, quad.object, _DEFAULT)


def rows_of(quads: Iterable[Quad]) -> Rows:
    """The facts of distinct `quads`, as SPARQL would join them on a store holding them: a row
    per combination where a graph states a value twice (a page that lists one title twice).
    A listing's flags and an authorship's terms count only when all of them are in the same
    call (a profile's quads are)."""
    names: list[tuple[Any, ...]] = []
    abstracts: list[tuple[Any, ...]] = []
    flags: dict[tuple[str, str], dict[NamedNode, list[Any]]] = defaultdict(
        lambda: defaultdict(list))
    authorships: list[tuple[str, str, str]] = []
    role_terms: dict[tuple[str, str], dict[NamedNode, list[Any]]] = defaultdict(
        lambda: defaultdict(list))
    for quad in quads:
        s: Any = quad.subject
        o: Any = quad.object
        p = quad.predicate
        graph = quad.graph_name.value if isinstance(quad.graph_name, NamedNode) else ""
        if p in _ROLE_TERMS and _AUTHORSHIP_MARK in str(s):
            role_terms[str(s), graph][p].append(o)
        elif p == schema.name:
            if isinstance(s, NamedNode):
                names.append((str(s), o.value, str(o)))
        elif p in _FLAGS:
            flags[str(s), graph][p].append(o)
        elif p == schema.abstract:
            abstracts.append((str(s), o.value))
        elif p == kg.authorship:
            authorships.append((str(s), graph, str(o)))
    listings = [(paper, graph, date.value, str(date), inferred == _TRUE, cut == _TRUE,
                 code == _TRUE)
                for (paper, graph), f in flags.items()
                for date, inferred, cut, code in product(*(f[p] for p in _FLAGS))]
    roles = []
    for paper, graph, role in authorships:
        terms = role_terms.get((role, graph), {})
        for item, name, position in product(terms.get(schema.item, ()),
                                            terms.get(schema.name, ()),
                                            terms.get(schema.position) or [None]):
            roles.append((paper, graph, role, str(item), str(name),
                          None if position is None else str(position)))
    return {"names": names, "listings": listings, "abstracts": abstracts, "roles": roles}


class Facts:
    """The facts of a store's named graphs, in a SQLite file at `path` (a scratch file)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                               "BEGIN;" + _TABLES)

    def close(self) -> None:
        """Close the file (a scratch file: nothing to commit)."""
        self._db.close()

    def add(self, rows: Rows) -> None:
        """Keep `rows` (`rows_of`); raises sqlite3.Error (a full disk) as SQLite does."""
        for table, values in rows.items():
            self._db.executemany(_INSERT[table], values)

    def collect(self, quads: Iterable[Quad]) -> Iterator[Quad]:
        """Each quad and its copy (`copies`), keeping their facts: for quads that come a graph
        at a time, as every writer of a build sends them."""
        pending: list[Quad] = []
        for quad in quads:
            if pending and quad.graph_name != pending[-1].graph_name:
                self.add(rows_of(dict.fromkeys(pending)))  # a profile repeats its triples
                pending.clear()
            pending.append(quad)
            yield quad
            yield from copies((quad,))
        self.add(rows_of(dict.fromkeys(pending)))

    def read(self, store: Store) -> None:
        """The facts of the named graphs of `store`, read back (see the module's docstring):
        only the quads of the predicates the rules look at, a graph at a time."""
        for graph in store.named_graphs():
            self.add(rows_of(quad for predicate in _READ
                             for quad in store.quads_for_pattern(None, predicate, None, graph)))

    def merged(self) -> Iterator[str]:
        """The N-Triples lines of the values the rules choose and of the authorships."""
        db = self._db
        name = str(schema.name)
        for subject, _, chosen in db.execute(
                "SELECT subject, MIN(value), name FROM names GROUP BY subject"):
            yield f"{subject} {name} {chosen} .\n"
        rows = db.execute("SELECT paper, date, inferred, cut, code FROM listings "
                          "ORDER BY paper, inferred, date_value")
        for paper, found in groupby(rows, key=itemgetter(0)):
            listed = list(found)
            _, date, inferred, _, _ = listed[0]  # stated dates sort first, then the earliest
            yield f"{paper} {schema.datePublished} {date} .\n"
            yield f"{paper} {kg.yearInferred} {_bool(inferred)} .\n"
            yield f"{paper} {kg.authorListTruncated} {_bool(all(x[3] for x in listed))} .\n"
            yield f"{paper} {kg.hasCode} {_bool(any(x[4] for x in listed))} .\n"
        rows = db.execute("SELECT paper, text FROM abstracts "
                          "ORDER BY paper, length(text) DESC, text")
        for paper, found in groupby(rows, key=itemgetter(0)):
            yield f"{paper} {schema.abstract} {Literal(next(found)[1])} .\n"
        rows = db.execute("SELECT paper, graph, role, person, name, position FROM roles "
                          "ORDER BY paper, graph")
        for paper, found in groupby(rows, key=itemgetter(0)):
            yield from _authorships(paper, found)


def _authorships(paper: str, rows: Iterable[tuple[str, ...]]) -> Iterator[str]:
    """The authorships of the paper's longest printed list (ties: the graph IRI that sorts
    first), and each unplaced owner that list does not place; `schema:author` for each."""
    by_graph = {graph: list(found) for graph, found in groupby(rows, key=itemgetter(1))}
    winner = min(by_graph, key=lambda g: (-sum(r[5] is not None for r in by_graph[g]), g))
    wanted = {r[2]: r for r in by_graph[winner] if r[5] is not None}
    placed = {r[3] for r in wanted.values()}
    for graph in by_graph:  # in the order of their IRIs
        for role in by_graph[graph]:
            if role[5] is None and role[3] not in placed and role[2] not in wanted:
                wanted[role[2]] = role
    for _, _, node, person, name, position in wanted.values():
        yield f"{paper} {kg.authorship} {node} .\n"
        yield f"{paper} {schema.author} {person} .\n"
        yield f"{node} {RDF_TYPE} {kg.Authorship} .\n"
        yield f"{node} {schema.item} {person} .\n"
        yield f"{node} {schema.name} {name} .\n"
        if position is not None:
            yield f"{node} {schema.position} {position} .\n"


def derive(store: Store, scratch: Path | None = None, facts: Facts | None = None) -> None:
    """Write the merge of the named graphs of `store` into its default graph.

    With `facts`, collected while the named graphs were written with their copies (a new
    store's build), only the chosen values and authorships are added; without, the default
    graph is replaced by one made from the named graphs as they are.
    """
    if facts is not None:
        _load_batches(store, facts.merged())
        return
    with tempfile.TemporaryDirectory(prefix="kg-merge-", dir=scratch) as folder:
        store.clear_graph(_DEFAULT)
        copy = Path(folder) / "copy.nt"
        triples(store, _COPY).serialize(str(copy), RdfFormat.N_TRIPLES)
        with copy.open(encoding="utf-8") as lines:
            _load_batches(store, lines)
        with closing(Facts(Path(folder) / "facts.sqlite")) as read:
            read.read(store)
            _load_batches(store, read.merged())


def _load_batches(store: Store, lines: Iterable[str]) -> None:
    """Bulk-load N-Triples lines into the default graph a batch at a time: the loader's memory
    grows with what one call reads (3.4 GB of N-Triples at 10,000 profiles took 3.3 GB in one
    call)."""
    batch: list[str] = []
    size = 0
    for line in lines:
        batch.append(line)
        size += len(line)
        if size >= MERGED_BATCH_CHARS:
            _load(store, batch)
            batch, size = [], 0
    _load(store, batch)


def _load(store: Store, lines: list[str]) -> None:
    if lines:  # our own terms, already checked when the graphs were loaded
        store.bulk_load(input="".join(lines).encode(), format=RdfFormat.N_TRIPLES,
                        to_graph=_DEFAULT, lenient=True)


def _bool(value: Any) -> str:
    return _BOOLEANS[bool(value)]
