"""Run SPARQL on a store the way every entry point (CLI, server, saved queries) must.

Queries see the merged graph (the store's default graph, `kg.store.merge`) unless they name
graphs, may use the common prefixes without declaring them, and resolve relative IRIs against
the graph's base IRI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples, Store

from kg.errors import QueryError
from kg.mapping.vocab import prefixes
from kg.store.nesting import TooDeep, check_nesting

if TYPE_CHECKING:
    from kg.store.remote import RemoteStore, RemoteTriples

Result = QuerySolutions | QueryBoolean | QueryTriples


def run_query(store: Store | RemoteStore, query: str, base: str | None = None,
              **options: Any) -> Result:
    """Evaluate `query`; raises QueryError with the parser's line and column when it is invalid,
    or when it nests deeper than the engine can parse without overflowing its stack."""
    try:
        check_nesting(query)
    except TooDeep as e:
        raise QueryError(str(e)) from None
    try:
        return store.query(
            query,
            base_iri=base,
            prefixes=prefixes(),
            **options,
        )
    except SyntaxError as e:
        raise QueryError(f"invalid SPARQL: {e}") from None


def solutions(store: Store | RemoteStore, query: str, base: str | None = None, **options: Any
              ) -> QuerySolutions:
    """The rows of a SELECT query; raises QueryError as `run_query` does, TypeError for a
    query of another form (a bug of the caller's)."""
    result = run_query(store, query, base, **options)
    if not isinstance(result, QuerySolutions):
        raise TypeError(f"expected a SELECT query, got {type(result).__name__}")
    return result


def records(store: Store | RemoteStore, query: str, base: str | None = None,
            **options: Any) -> list[dict[str, Any]]:
    """The rows of a SELECT query as dicts, variable name → term (None where unbound)."""
    return as_records(solutions(store, query, base, **options))


def as_records(result: QuerySolutions) -> list[dict[str, Any]]:
    """Rows of solutions, however obtained (a store, or a server's parsed answer), as dicts."""
    names = [v.value for v in result.variables]
    return [{n: row[n] for n in names} for row in result]


def triples(store: Store | RemoteStore, query: str, base: str | None = None,
            **options: Any) -> QueryTriples | RemoteTriples:
    """The triples of a CONSTRUCT or DESCRIBE query (see `solutions`): pyoxigraph's, or a
    server's (`RemoteTriples`, which iterate and serialise alike)."""
    result = run_query(store, query, base, **options)
    if isinstance(result, QuerySolutions | QueryBoolean):
        raise TypeError(f"expected a CONSTRUCT or DESCRIBE query, got {type(result).__name__}")
    return result


def header(base: str | None, prefixes: dict[str, str] | None = None) -> str:
    """The BASE and PREFIX lines that give a query sent elsewhere what `run_query` gives it."""
    lines = [f"BASE <{base}>"] if base else []
    lines += [f"PREFIX {name}: <{iri}>" for name, iri in (prefixes or {}).items()]
    return "".join(line + "\n" for line in lines)


def scalar(store: Store | RemoteStore, query: str, base: str) -> Any:
    """The first value of the first row, as a Python value (for counts and stats)."""
    for row in solutions(store, query, base):
        term = row[0]
        if term is None:
            return None
        value = term.value
        return int(value) if value.lstrip("-").isdigit() else value
    return None
