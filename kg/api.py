"""The Python API, for notebooks and scripts: query a built store, or open it with rdflib.

`kg.query` runs SPARQL the way `kg query` does (the merged default graph, the common prefixes
predeclared, relative IRIs against the graph's base) and returns plain rows. `kg.dataset` hands
the store to rdflib as a `Dataset` backed by Oxigraph (oxrdflib), for code written against
rdflib's API: its queries run on Oxigraph's engine, not on rdflib's slow one.
"""

from __future__ import annotations

from pathlib import Path

from oxrdflib import OxigraphStore
from pyoxigraph import QuerySolutions
from rdflib import Dataset
from rdflib.term import Node

from kg.config import DEFAULT_STORE
from kg.errors import QueryError
from kg.mapping.vocab import prefixes
from kg.search.sparql import functions_of_store
from kg.store import open_read_only, run_query
from kg.store.convert import to_rdflib

__all__ = ["dataset", "query"]

Row = dict[str, Node | None]


def query(sparql: str, store: str | Path = DEFAULT_STORE) -> list[Row]:
    """The rows of a SELECT query on the built store at `store`, as {variable: rdflib term}.

    rdflib terms rather than strings, so that a number or a date keeps its datatype
    (`row["n"].toPython()`); an unbound variable is None. Every row is read before the store is
    closed, so nothing holds the store open afterwards.

    Raises StoreError when there is no store at `store`, QueryError when the query is invalid
    or is not a SELECT query (`dataset(store).query(...)` answers ASK and CONSTRUCT).
    """
    db, info = open_read_only(Path(store))
    result = run_query(db, sparql, info.base,
                       custom_functions=functions_of_store(Path(store)))
    if not isinstance(result, QuerySolutions):
        raise QueryError("kg.query answers SELECT queries; use kg.dataset(store).query(...) "
                         "for ASK, CONSTRUCT and DESCRIBE")
    names = [v.value for v in result.variables]
    return [{n: None if row[n] is None else to_rdflib(row[n]) for n in names} for row in result]


def dataset(store: str | Path = DEFAULT_STORE) -> Dataset:
    """The built store at `store` as a read-only rdflib `Dataset` backed by Oxigraph.

    Its default graph is the merged graph (as on the endpoint; `default_union=False`), every
    profile, term set and link source a named graph; `kg:`, `schema:` and the other common
    prefixes are bound, so its queries need no PREFIX lines. Writing to it raises RuntimeError: a
    built store is replaced by `kg build`, never edited in place.

    Raises StoreError when there is no store at `store`.
    """
    db, info = open_read_only(Path(store))
    graphs = Dataset(store=OxigraphStore(store=db), default_union=False)
    for name, namespace in prefixes().items():
        graphs.bind(name, namespace, override=True)
    return graphs
