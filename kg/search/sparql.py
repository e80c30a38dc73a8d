"""Full-text search inside SPARQL: the function `kg:search(?entity, "text")`.

SPARQL 1.1 lets an engine define extension functions (section 17.6), so a query that calls
`kg:search` is still a standard query sent over the standard protocol; our engine (pyoxigraph,
`custom_functions`) evaluates it. It returns the entity's score (an `xsd:double`) when the
entity is among the best `LIMIT` hits of the text, and an error otherwise, which leaves a
`BIND` unbound and makes a `FILTER` false:

    SELECT ?paper ?score {
      ?paper a schema:ScholarlyArticle .
      BIND(kg:search(?paper, "micro-expression") AS ?score) FILTER(BOUND(?score))
    } ORDER BY DESC(?score)

The hits of a text are computed once and kept (the function is called once per row). Only a
built store has an index: elsewhere (`--store URL`, `--data FILE`) the function is unknown and
leaves every row unbound (`kg query`, `kg serve`), or is refused as unknown (another engine).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from kg.errors import SearchError
from kg.mapping.vocab import KG, XSD
from kg.search.engine import SearchIndex, open_index

#: the function's IRI: `kg:search`
SEARCH = NamedNode(KG + "search")
#: hits of a text that `kg:search` scores; an entity past them scores nothing
LIMIT = 10_000
_DOUBLE = NamedNode(XSD + "double")

Function = Callable[..., Literal | None]


def search_functions(index: SearchIndex | None) -> dict[NamedNode, Function]:
    """The `custom_functions` of `pyoxigraph.Store.query` for `index`; without one,
    `kg:search` leaves every row unbound (the engine would refuse the query otherwise)."""
    if index is None:
        return {SEARCH: _unbound}

    def search(entity: object, text: object = None) -> Literal | None:
        if not isinstance(entity, NamedNode) or not isinstance(text, Literal):
            return None
        try:
            score = index.scores(text.value, LIMIT).get(entity.value)
        except SearchError:
            return None
        return None if score is None else Literal(repr(float(score)), datatype=_DOUBLE)

    return {SEARCH: search}


def functions_of_store(store_dir: Path) -> dict[NamedNode, Function]:
    """`search_functions` of the index of the built store at `store_dir` (`kg query`,
    `kg.query`)."""
    return search_functions(open_index(store_dir.resolve()))


def _unbound(*_terms: object) -> None:
    return None


@lru_cache(maxsize=4)
def functions_in(folder: str | None) -> dict[NamedNode, Function]:
    """`search_functions` of the index in `folder` (None: no index), opened once per process
    (query workers get the folder, not the open index)."""
    return search_functions(SearchIndex(Path(folder)) if folder is not None else None)
