"""A remote SPARQL 1.1 server (Oxigraph server, Virtuoso, Fuseki, GraphDB) used as the store.

For graphs that outgrow one machine: `--store URL` names the server. It needs the SPARQL 1.1
Protocol for queries and updates and the Graph Store HTTP Protocol; for Oxigraph server its base
URL is enough (`/query`, `/update`, `/store`), other servers' paths are options (Virtuoso:
`/sparql,/sparql,/sparql-graph-crud`).

`RemoteStore` offers the part of `pyoxigraph.Store` the rest of scholarkg reads through
(`query`, `quads_for_pattern`, `len`), so pages, saved queries and `kg query` work unchanged.
Results are parsed by pyoxigraph; terms are written into queries only as pyoxigraph serialises
them, never as request text.

Virtuoso (told by its `Server` header) differs in ways this module evens out: its default graph
is the union of every graph it holds, so the merged graph lives in the named graph
`MERGED_GRAPH` and every query names that as its default graph (`default-graph-uri`), and the
build's named graphs when it uses GRAPH; it answers `GRAPH ?g { }` with one unbound row, and
cuts answers at ResultSetMaxRows. Its answers are evened out in `kg.store.virtuoso`; its update
requests are not one transaction: see `kg.build.remote`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Variable,
    parse,
    parse_query_results,
)

from kg.config import DEFAULT_SPARQL_PATHS
from kg.errors import KgError, QueryError, StoreError, StoreRefused, StoreTimeout
from kg.http_client import HttpClient, TooSlow, Unreachable
from kg.store.manifest import StoreInfo, info_from
from kg.store.query import header
from kg.store.virtuoso import RESULTS, accept_for, boolean_answer, even_out, query_form

#: what `build.json` holds for a local store is one triple in the remote's default graph, out
#: of the way of `GRAPH ?g` queries (all scholarkg data lives in named graphs)
MANIFEST_GRAPH = "urn:scholarkg:build"
MANIFEST_PREDICATE = "urn:scholarkg:manifest"
#: the merged graph on a server whose default graph is the union of all its graphs (Virtuoso)
MERGED_GRAPH = "urn:scholarkg:merged"
_NTRIPLES = "application/n-triples"
#: a query that may name graphs (a word GRAPH anywhere: a string or IRI holding it only costs
#: the list of graphs)
_GRAPH = re.compile(r"\bGRAPH\b", re.IGNORECASE)


#: the named graphs on Virtuoso, as those with a typed subject (every graph of a build has one):
#: it answers `GRAPH ?g { }` with nothing, and `GRAPH ?g { ?s ?p ?o }` reading every quad
#: (21 s at 100 profiles, against 0.01 s for this)
_LIST_GRAPHS = "SELECT DISTINCT ?g { GRAPH ?g { ?s a ?type } }"


def is_remote(store: str) -> bool:
    return store.startswith(("http://", "https://"))


def open_remote(url: str, sparql_paths: str = DEFAULT_SPARQL_PATHS) -> RemoteStore:
    """The server at `url` with `--sparql-paths` QUERY,UPDATE,STORE; raises KgError when they
    are not three paths."""
    parts = sparql_paths.split(",")
    if len(parts) != 3 or not all(p.startswith("/") for p in parts):
        raise KgError(f"--sparql-paths {sparql_paths!r}: give three paths, e.g. "
                      "/query,/update,/store")
    return RemoteStore(url, Paths(*parts))


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
        self._http = HttpClient(timeout)
        self._virtuoso: bool | None = None
        #: (manifest, the named graphs under it) on Virtuoso: see `_dataset`
        self._named: tuple[str, list[str]] = ("", [])

    # -- HTTP ---------------------------------------------------------------------------------
    @property
    def timeout(self) -> float:
        """Seconds a request may take to answer (`kg serve` sets its own --timeout)."""
        return self._http.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._http.timeout = seconds

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self._http.send(method, self.url + path, **kwargs)
        except TooSlow:
            raise StoreTimeout(f"the SPARQL store at {self.url} did not answer within "
                               f"{self.timeout:g} s") from None
        except Unreachable:
            raise StoreError(f"the SPARQL store at {self.url} does not answer (is it "
                             "running?)") from None

    def _post(self, path: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", path, **kwargs)

    @property
    def union_default(self) -> bool:
        """Whether the server's default graph is the union of all its graphs (Virtuoso), so
        that the merged graph is kept in `MERGED_GRAPH`; asked once, by the Server header."""
        if self._virtuoso is None:
            response = self._send("GET", self.paths.query, params={"query": "ASK {}"})
            response.close()
            self._virtuoso = response.headers.get("Server", "").startswith("Virtuoso/")
        return self._virtuoso

    def _dataset(self, query: str) -> list[tuple[str, str]]:
        """On Virtuoso, the protocol's dataset that gives a query what a local store does: the
        merged graph as default graph and, for a query with GRAPH, the build's named graphs
        (those under its base IRI), listed: Virtuoso's `GRAPH ?g` would also see the merged
        graph and its own system graphs, and it has no way to leave out only those."""
        if not self.union_default:
            return []
        dataset = [("default-graph-uri", MERGED_GRAPH)]
        if _GRAPH.search(query):
            dataset += [("named-graph-uri", g) for g in self._named_graphs()]
        return dataset

    def _named_graphs(self) -> list[str]:
        """The named graphs of the current build (every one but `MERGED_GRAPH` before the first
        build), listed again only when a build changed the manifest (one triple to read,
        where listing the graphs reads an index)."""
        manifest = self._manifest()
        if manifest != self._named[0] or not manifest:
            self._named = (manifest, [g.value for g in self._graphs_of(manifest)])
        return self._named[1]

    def _graphs_of(self, manifest: str) -> Iterator[NamedNode]:
        base = info_from(json.loads(manifest), None).base if manifest else ""
        for row in self._select(_LIST_GRAPHS, []):
            if row[0] is not None and row[0].value.startswith(base) \
                    and row[0].value != MERGED_GRAPH:
                yield row[0]

    def _select(self, query: str, params: list[tuple[str, str]]) -> list[Any]:
        response = self._post(self.paths.query, params=params, data={"query": query},
                              headers={"Accept": RESULTS})
        self._check(response, "query")
        rows = parse_query_results(even_out(response.content), format=QueryResultsFormat.JSON)
        assert isinstance(rows, QuerySolutions)
        return list(rows)

    def forward_query(self, query: str, accept: str,
                      params: list[tuple[str, str]]) -> requests.Response:
        """Send a protocol query as is and hand back the server's response (for /sparql).

        A query that names no dataset sees the merged graph as its default graph, as it does
        when the store is local."""
        named = any(k in ("default-graph-uri", "named-graph-uri") for k, _ in params)
        data = [("query", query), *(params if named else self._dataset(query))]
        if self.union_default:  # answers as the standard has them, in a type that fits
            form = query_form(query)
            if form is QueryBoolean:
                return boolean_answer(self._post(self.paths.query, data=data,
                                                 headers={"Accept": RESULTS}), accept)
            accept = accept_for(form, accept)
        return self._post(self.paths.query, data=data, headers={"Accept": accept},
                          stream=True)

    # -- the pyoxigraph.Store subset ----------------------------------------------------------
    def query(self, query: str, *, base_iri: str | None = None,
              prefixes: dict[str, str] | None = None, use_default_graph_as_union: bool = False,
              substitutions: dict[Variable, Any] | None = None, **_: Any) -> Any:
        """Evaluate `query` on the server; raises QueryError with the server's message."""
        text = header(base_iri, prefixes) + query
        virtuoso = self.union_default
        form = query_form(text) if virtuoso else None
        if substitutions:
            variables = " ".join(str(v) for v in substitutions)
            values = " ".join(str(t) for t in substitutions.values())
            table = f"\nVALUES ({variables}) {{ ({values}) }}"
            if form in (None, QuerySolutions):
                text += table
            else:  # Virtuoso takes a trailing VALUES only after a SELECT: join it inside
                end = text.rindex("}")
                text = text[:end] + table + "\n" + text[end:]
        accept = f"{RESULTS}, {_NTRIPLES};q=0.9"
        params = [(self.paths.union_parameter, "")] if use_default_graph_as_union and \
            self.paths.union_parameter else []
        if virtuoso:  # it answers with the first type it can, whatever the query's form
            params = self._dataset(text)
            if form is QueryTriples:
                accept = _NTRIPLES
        # the dataset goes in the body: a list of named graphs outgrows a URL
        response = self._post(self.paths.query, data=[("query", text), *params],
                              headers={"Accept": accept})
        if response.status_code == 400:
            raise QueryError(f"invalid SPARQL: {response.text.strip()}")
        self._check(response, "query")
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media == _NTRIPLES:
            return RemoteTriples(response.content)
        content = even_out(response.content) if virtuoso else response.content
        return parse_query_results(content, format=QueryResultsFormat.JSON)

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
        """The quads in named graphs (on Virtuoso, in the build's: counted 500 graphs at a
        time, since given them all as the dataset it runs out of query memory)."""
        if not self.union_default:
            result = self.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
            return int(next(iter(result))[0].value)
        graphs = [str(NamedNode(g)) for g in self._named_graphs()]
        total = 0
        for start in range(0, len(graphs), 500):
            listed = " ".join(graphs[start:start + 500])
            rows = self._select(f"SELECT (COUNT(*) AS ?n) {{ VALUES ?g {{ {listed} }} "
                                "GRAPH ?g { ?s ?p ?o } }", [])
            total += int(rows[0][0].value)
        return total

    def named_graphs(self) -> Iterator[NamedNode]:
        """The named graphs, as `pyoxigraph.Store.named_graphs` (on Virtuoso also its own
        system graphs, not `MERGED_GRAPH`, and only graphs with a typed subject: see
        `_LIST_GRAPHS`)."""
        if not self.union_default:
            yield from (row[0] for row in self.query("SELECT DISTINCT ?g { GRAPH ?g { } }"))
            return
        yield from self._graphs_of("")

    def _manifest(self) -> str:
        rows = self._select(f"SELECT ?m {{ <{MANIFEST_GRAPH}> <{MANIFEST_PREDICATE}> ?m }}",
                            [("default-graph-uri", MERGED_GRAPH)])
        return str(rows[0][0].value) if rows else ""

    # -- writing --------------------------------------------------------------------------------
    def default_graph(self) -> str:
        """How an update names the merged graph: `DEFAULT`, or `GRAPH <MERGED_GRAPH>`."""
        return f"GRAPH <{MERGED_GRAPH}>" if self.union_default else "DEFAULT"

    def in_default_graph(self, triples: str) -> str:
        """`triples` as a template or data block of the merged graph, for an update."""
        return f"GRAPH <{MERGED_GRAPH}> {{ {triples} }}" if self.union_default else triples

    def update(self, update: str) -> None:
        """Run a SPARQL Update; raises StoreError when the server refuses it. On Virtuoso the
        default graph it reads and writes is the merged graph, as in a local store (Virtuoso
        refuses `INSERT DATA` without GRAPH otherwise)."""
        dataset = [("using-graph-uri", MERGED_GRAPH)] if self.union_default else []
        response = self._post(self.paths.update, data=[("update", update), *dataset])
        self._check(response, "update")

    def put_graph(self, graph: NamedNode, ntriples: bytes) -> None:
        """Replace `graph` with the N-Triples `ntriples` (Graph Store HTTP Protocol PUT)."""
        try:
            response = self._send("PUT", self.paths.graph_store, params={"graph": graph.value},
                                  data=ntriples,
                                  headers={"Content-Type": _NTRIPLES})
        except StoreTimeout:
            raise
        except StoreError:
            raise StoreError(f"the SPARQL store at {self.url} went away") from None
        self._check(response, "graph store")

    def _check(self, response: requests.Response, what: str) -> None:
        cut = response.headers.get("X-SPARQL-MaxRows")
        if cut is not None:  # Virtuoso's sign that it answered only the first rows
            raise StoreError(f"the SPARQL store at {self.url} cut the answer at {cut} rows "
                             "(Virtuoso: raise ResultSetMaxRows in the [SPARQL] section of its "
                             "virtuoso.ini)")
        if response.status_code >= 400:
            raise StoreRefused(f"the SPARQL store at {self.url} refused the {what} request: "
                               f"HTTP {response.status_code} {response.text.strip()[:300]}",
                               response.status_code)

    def get_graph(self, graph: NamedNode | DefaultGraph) -> bytes:
        """The N-Triples of `graph`, the merged graph for DefaultGraph (Graph Store HTTP
        Protocol GET); nothing for a graph the server does not have."""
        name = graph.value if isinstance(graph, NamedNode) else \
            MERGED_GRAPH if self.union_default else None
        response = self._send("GET", self.paths.graph_store,
                              params={"graph": name} if name else {"default": ""},
                              headers={"Accept": _NTRIPLES})
        if response.status_code == 404:
            return b""
        self._check(response, "graph store")
        return response.content

    # -- the build manifest ------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """The `build.json` of the last `kg build --store URL`; raises StoreError when no build
        wrote one."""
        rows = list(self.query(f"SELECT ?m {{ <{MANIFEST_GRAPH}> <{MANIFEST_PREDICATE}> ?m }}"))
        if not rows:
            raise StoreError(f"{self.url}: no scholarkg graph here; build one with "
                             f"'kg build seeds/ --store {self.url}'")
        manifest: dict[str, Any] = json.loads(rows[0][0].value)
        return manifest

    def read_info(self) -> StoreInfo:
        """What the last `kg build --store URL` wrote; raises StoreError when none did."""
        return info_from(self.manifest(), None)
