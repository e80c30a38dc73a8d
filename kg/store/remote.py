"""A remote SPARQL 1.1 server (Oxigraph server, Fuseki, GraphDB, Virtuoso) used as the store.

For graphs that outgrow one machine: `--store URL` names the server. It needs the SPARQL 1.1
Protocol for queries and updates and the Graph Store HTTP Protocol; for Oxigraph server its base
URL is enough (`/query`, `/update`, `/store`), other servers' paths are options.

`RemoteStore` offers the part of `pyoxigraph.Store` the rest of scholarkg reads through
(`query`, `quads_for_pattern`, `len`), so pages, saved queries and `kg query` work unchanged.
Results are parsed by pyoxigraph; terms are written into queries only as pyoxigraph serialises
them, never as request text.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Variable,
    parse,
    parse_query_results,
)

from kg.errors import QueryError, StoreError, StoreRefused, StoreTimeout
from kg.store.manifest import StoreInfo, info_from
from kg.store.query import header

#: what `build.json` holds for a local store is one triple in the remote's default graph, out
#: of the way of `GRAPH ?g` queries (all scholarkg data lives in named graphs)
MANIFEST_GRAPH = "urn:scholarkg:build"
MANIFEST_PREDICATE = "urn:scholarkg:manifest"
_RESULTS = "application/sparql-results+json"


def is_remote(store: str) -> bool:
    return store.startswith(("http://", "https://"))


@dataclass
class Paths:
    query: str = "/query"
    update: str = "/update"
    graph_store: str = "/store"
    #: the URL parameter asking the server for the union default graph (Oxigraph's); empty when
    #: the server is configured for it instead (Fuseki: tdb2:unionDefaultGraph)
    union_parameter: str = "union-default-graph"


class RemoteTriples:
    """The graph a remote CONSTRUCT or DESCRIBE returned, like pyoxigraph's QueryTriples."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[Any]:
        return (q.triple for q in parse(self._data, format=RdfFormat.N_TRIPLES))

    def serialize(self, output: Any = None, format: RdfFormat = RdfFormat.N_TRIPLES) -> bytes:
        from pyoxigraph import serialize

        return serialize(iter(self), output, format) or b""


class RemoteStore:
    """A SPARQL server reached over HTTP; raises StoreError when it does not answer."""

    def __init__(self, url: str, paths: Paths | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.paths = paths or Paths()
        self.timeout = timeout
        self._local = threading.local()

    # -- HTTP -------------------------------------------------------------------------------
    @property
    def session(self) -> requests.Session:
        """One session per thread: a requests.Session is not safe to share between threads."""
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        session: requests.Session = self._local.session
        return session

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self.url + path, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise StoreTimeout(f"the SPARQL store at {self.url} did not answer within "
                               f"{self.timeout:g} s") from None
        except requests.ConnectionError:
            raise StoreError(f"the SPARQL store at {self.url} does not answer (is it "
                             "running?)") from None

    def _post(self, path: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", path, **kwargs)

    def forward_query(self, query: str, accept: str,
                      params: list[tuple[str, str]]) -> requests.Response:
        """Send a protocol query as is and hand back the server's response (for /sparql)."""
        return self._post(self.paths.query, params=list(params), data={"query": query},
                          headers={"Accept": accept}, stream=True)

    # -- the pyoxigraph.Store subset ----------------------------------------------------------
    def query(self, query: str, *, base_iri: str | None = None,
              prefixes: dict[str, str] | None = None, use_default_graph_as_union: bool = False,
              substitutions: dict[Variable, Any] | None = None, **_: Any) -> Any:
        """Evaluate `query` on the server; raises QueryError with the server's message."""
        text = header(base_iri, prefixes) + query
        if substitutions:
            variables = " ".join(str(v) for v in substitutions)
            values = " ".join(str(t) for t in substitutions.values())
            text += f"\nVALUES ({variables}) {{ ({values}) }}"
        accept = f"{_RESULTS}, application/n-triples;q=0.9"
        params = [(self.paths.union_parameter, "")] if use_default_graph_as_union and \
            self.paths.union_parameter else []
        response = self._post(self.paths.query, params=params, data={"query": text},
                              headers={"Accept": accept})
        if response.status_code == 400:
            raise QueryError(f"invalid SPARQL: {response.text.strip()}")
        self._check(response, "query")
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media == "application/n-triples":
            return RemoteTriples(response.content)
        return parse_query_results(response.content, format=QueryResultsFormat.JSON)

    def quads_for_pattern(self, s: Any, p: Any, o: Any, g: Any = None) -> Iterator[Quad]:
        terms = {"s": s, "p": p, "o": o}
        pattern = " ".join(str(t) if t is not None else f"?{k}" for k, t in terms.items())
        if isinstance(g, DefaultGraph):
            where, graph = f"{{ {pattern} }}", None
        elif g is not None:
            where, graph = f"{{ GRAPH {g} {{ {pattern} }} }}", g
        else:
            where, graph = f"{{ GRAPH ?g {{ {pattern} }} }}", None
        result = self.query(f"SELECT * WHERE {where}")
        assert isinstance(result, QuerySolutions)
        for row in result:
            yield Quad(s or row["s"], p or row["p"], o or row["o"],
                       graph or (row["g"] if g is None else DefaultGraph()))

    def __len__(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
        return int(next(iter(result))[0].value)

    def named_graphs(self) -> Iterator[NamedNode]:
        for row in self.query("SELECT DISTINCT ?g { GRAPH ?g { } }"):
            yield row[0]

    # -- writing --------------------------------------------------------------------------------
    def update(self, update: str) -> None:
        response = self._post(self.paths.update, data={"update": update})
        self._check(response, "update")

    def put_graph(self, graph: NamedNode, ntriples: bytes) -> None:
        """Replace `graph` with the N-Triples `ntriples` (Graph Store HTTP Protocol PUT)."""
        try:
            response = self._send("PUT", self.paths.graph_store, params={"graph": graph.value},
                                  data=ntriples,
                                  headers={"Content-Type": "application/n-triples"})
        except StoreTimeout:
            raise
        except StoreError:
            raise StoreError(f"the SPARQL store at {self.url} went away") from None
        self._check(response, "graph store")

    def _check(self, response: requests.Response, what: str) -> None:
        if response.status_code >= 400:
            raise StoreRefused(f"the SPARQL store at {self.url} refused the {what} request: "
                               f"HTTP {response.status_code} {response.text.strip()[:300]}",
                               response.status_code)

    # -- the build manifest ------------------------------------------------------------------
    def read_info(self) -> StoreInfo:
        """What the last `kg build --store URL` wrote; raises StoreError when none did."""
        rows = list(self.query(f"SELECT ?m {{ <{MANIFEST_GRAPH}> <{MANIFEST_PREDICATE}> ?m }}"))
        if not rows:
            raise StoreError(f"{self.url}: no scholarkg graph here; build one with "
                             f"'kg build seeds/ --store {self.url}'")
        return info_from(json.loads(rows[0][0].value), None)
