"""The SPARQL endpoint of a real `kg serve` process on 127.0.0.1: protocol, limits, updates."""

from __future__ import annotations

import contextlib
import io
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef

from conftest import BASE, ROOT
from kg.cli import main
from servers import PAPERS, Server

#: a cross product of the whole graph with itself, four times: never finishes in time
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(seed_store_dir: Path) -> Iterator[Server]:
    s = Server("--store", str(seed_store_dir), "--workers", "1", "--max-queued", "0",
               "--timeout", "2")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def writable(tmp_path_factory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("w") / "data.ttl"
    data.write_text("<http://example.org/s> <http://example.org/p> 1 .\n")
    s = Server("--data", str(data), "--workers", "2", "--allow-update", "--update-token",
               "s3cret", "--timeout", "3")
    yield s
    s.stop()


def test_get_post_form_and_direct(server):
    q = {"query": PAPERS}
    assert requests.get(f"{server.url}/sparql", params=q, timeout=10).json()[
        "results"]["bindings"][0]["n"]["value"] == "50"
    direct = requests.post(f"{server.url}/sparql", data=PAPERS.encode(), timeout=10,
                           headers={"Content-Type": "application/sparql-query; charset=UTF-8"})
    assert direct.json()["results"]["bindings"][0]["n"]["value"] == "50"
    assert server.count() == "50"


@pytest.mark.parametrize(("accept", "media", "body"), [
    ("application/sparql-results+xml", "application/sparql-results+xml", "<literal"),
    ("text/csv", "text/csv", "n\r\n50\r\n"),
    ("text/tab-separated-values", "text/tab-separated-values", "?n\n50\n"),
    ("application/sparql-results+xml;q=0.2, application/sparql-results+json",
     "application/sparql-results+json", '"value":"50"'),
    ("*/*", "application/sparql-results+json", '"value":"50"'),
])
def test_results_content_negotiation(server, accept, media, body):
    response = server.query(PAPERS, accept=accept)
    assert response.headers["Content-Type"].split(";")[0] == media
    assert body in response.text
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
])
def test_graph_content_negotiation(server, accept, rdflib_format):
    construct = """CONSTRUCT { ?p schema:name ?t } WHERE { ?p a schema:ScholarlyArticle ;
                   schema:name ?t }"""
    response = server.query(construct, accept=accept)
    assert response.headers["Content-Type"].split(";")[0] == accept
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) == 50


def test_malformed_query_is_400_with_line_and_column(server):
    response = server.query("SELECT ?x WHERE {\n  ?x ?y }")
    assert response.status_code == 400
    assert response.text == "invalid query: error at 2:10: expected one of LATERAL, SERVICE, [_]\n"


def test_protocol_errors(server):
    two = requests.post(f"{server.url}/sparql", data=[("query", "ASK {}"), ("query", "ASK {}")],
                        timeout=10)
    assert (two.status_code, two.text) == (400, "exactly one 'query' parameter is allowed, "
                                                "got 2\n")
    plain = requests.post(f"{server.url}/sparql", data=b"ASK {}", timeout=10,
                          headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert requests.get(f"{server.url}/sparql", params={"query": "ASK {"},
                        timeout=10).status_code == 400
    none = server.query(PAPERS, accept="image/png")
    assert none.status_code == 406


def test_updates_are_refused_by_the_query_endpoint_and_change_nothing(server):
    insert = "INSERT DATA { <http://example.org/x> a <https://schema.org/ScholarlyArticle> }"
    form = requests.post(f"{server.url}/sparql", data={"update": insert}, timeout=10)
    direct = requests.post(f"{server.url}/sparql", data=insert.encode(), timeout=10,
                           headers={"Content-Type": "application/sparql-update"})
    as_query = server.query(insert)
    assert (form.status_code, direct.status_code, as_query.status_code) == (400, 400, 400)
    off = requests.post(f"{server.url}/update", data={"update": insert}, timeout=10)
    assert (off.status_code, off.text) == (
        404, "updates are off: start kg serve with --allow-update to open /update\n")
    assert server.count() == "50"


def test_runaway_query_times_out_and_the_service_recovers(server):
    started = time.monotonic()
    response = server.query(RUNAWAY)
    assert response.status_code == 504
    assert response.text == ("the query ran longer than the 2 s limit and was stopped; narrow it "
                             "down or add a LIMIT\n")
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 30
    asked = 0
    while time.monotonic() < deadline:  # the replacement worker loads in the background
        asked += 1  # a query not asked before: a kept answer would need no worker
        response = server.query(PAPERS + f"\n# after the runaway, {asked}")
        if response.status_code == 200:
            break
        assert response.status_code == 503
        time.sleep(0.2)
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "50"
    assert response.headers["Cache-Status"] == "kg; fwd=miss; stored"


def _refused_while_busy(server) -> tuple[requests.Response, requests.Response]:
    """A new query and a kept one, asked while the one worker runs the runaway query (2 s).

    The runaway's request may reach the server late on a busy machine (a fixed wait of 0.5 s
    failed in CI), so new queries are asked until one is refused; one of them may hold the
    worker when the runaway arrives, which is then refused itself: asked again."""
    deadline = time.monotonic() + 30
    asked = itertools.count()
    while time.monotonic() < deadline:
        answers: list[requests.Response] = []
        blocker = threading.Thread(target=lambda out=answers: out.append(server.query(RUNAWAY)))
        blocker.start()
        refused = None
        while refused is None and blocker.is_alive():
            response = server.query(PAPERS + f"\n# not asked before {next(asked)}")
            if response.status_code == 503:
                refused = response
        kept = server.query(PAPERS)
        blocker.join()
        if refused is not None and answers[0].status_code != 503:
            return refused, kept
        time.sleep(0.2)
    raise AssertionError("the runaway query never held the worker")


def test_beyond_the_concurrency_limit_is_503_with_retry_after(server):
    """A query not asked before waits for a worker; one whose answer is kept (the result
    cache) needs none, so it is answered even while every worker is busy."""
    assert server.query(PAPERS).status_code == 200
    response, kept = _refused_while_busy(server)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.text == "the endpoint is busy; try again shortly\n"
    assert (kept.status_code, kept.headers["Cache-Status"]) == (200, "kg; hit")


def test_body_over_the_limit_is_413(server):
    response = requests.post(f"{server.url}/sparql", timeout=10,
                             data=b"ASK {} #" + b"x" * (2 << 20),
                             headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


def test_cors(server):
    response = server.query(PAPERS, headers={"Origin": "https://elsewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(f"{server.url}/sparql", timeout=10, headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_service_description_without_query(server):
    response = requests.get(f"{server.url}/sparql", headers={"Accept": "text/turtle"}, timeout=10)
    graph = Graph().parse(data=response.text, format="turtle")
    rows = set(graph.query("""PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        SELECT ?e WHERE { ?s a sd:Service ; sd:endpoint ?e }"""))
    # the endpoint IRI VoID names, under the graph's base (not the address this test reached)
    void = Graph().parse(data=requests.get(f"{server.url}/.well-known/void", timeout=10).text,
                         format="turtle")
    assert [str(r[0]) for r in rows] == [str(o) for o in void.objects(
        None, URIRef("http://rdfs.org/ns/void#sparqlEndpoint"))] == [f"{BASE}sparql"]
    # the default graph is the merged graph the store holds, not a union the engine computes
    assert "UnionDefaultGraph" not in response.text
    saved = {str(o) for o in graph.objects(None, None) if str(o).endswith(".rq")}
    assert len(saved) == len(list((ROOT / "queries").glob("*.rq")))


def test_head_sparql_is_answered_like_get(writable):
    """HEAD /sparql without a query took the POST path: 415 where GET gives 200."""
    server = writable  # two workers: the runaway tests leave the one of `server` reloading
    for accept in ("text/turtle", "text/html"):
        got = requests.get(f"{server.url}/sparql", headers={"Accept": accept}, timeout=10)
        head = requests.head(f"{server.url}/sparql", headers={"Accept": accept}, timeout=10)
        assert (head.status_code, head.headers["Content-Type"], head.content) == (
            200, got.headers["Content-Type"], b"")
    query = {"query": "ASK {}"}
    head = requests.head(f"{server.url}/sparql", params=query, timeout=10,
                         headers={"Accept": "application/sparql-results+json"})
    assert (head.status_code, head.headers["Content-Type"]) == (
        200, "application/sparql-results+json")


def test_update_needs_the_token_and_reaches_every_worker(writable):
    insert = "INSERT DATA { <http://example.org/s> <http://example.org/p> 2 }"
    anonymous = requests.post(f"{writable.url}/update", data={"update": insert}, timeout=10)
    assert anonymous.status_code == 401
    authorised = requests.post(f"{writable.url}/update", data={"update": insert}, timeout=10,
                               headers={"Authorization": "Bearer s3cret"})
    assert authorised.status_code == 204
    counts = {writable.count("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") for _ in range(6)}
    assert counts == {"2"}  # both workers, whichever answers
    bad = requests.post(f"{writable.url}/update", data={"update": "INSERT DATA {"}, timeout=10,
                        headers={"Authorization": "Bearer s3cret"})
    assert bad.status_code == 400 and bad.text.startswith("invalid update: error at 1:")


def test_data_file_is_served_as_is_without_union(writable):
    assert writable.count("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == "0"


def test_update_without_token_only_on_loopback(runner, tmp_path: Path):
    data = tmp_path / "d.nt"
    data.write_text("")
    result = runner.invoke(main, ["serve", "--data", str(data), "--allow-update",
                                  "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert result.output == ("kg: refusing to open /update on 0.0.0.0 without --update-token: "
                             "anyone who can reach it could change the graph\n")


def test_bad_data_file_names_file_and_line(runner, tmp_path: Path):
    data = tmp_path / "bad.ttl"
    data.write_text("<http://example.org/s> <http://example.org/p> .\n")
    result = runner.invoke(main, ["serve", "--data", str(data)])
    assert result.exit_code == 1
    assert result.output.startswith(f"kg: {data}: Parser error at line 1 column 47: ")


def test_multipart_is_not_a_query(server):
    response = requests.post(f"{server.url}/sparql", timeout=10,
                             files={"query": ("q.rq", io.BytesIO(b"ASK {}"))})
    assert response.status_code == 415


def test_service_is_refused_and_no_request_leaves_the_server(server):
    """Regression: SERVICE made the server fetch any URL a visitor named (SSRF)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(1)
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/internal-admin"
    try:
        response = server.query(f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
        assert (response.status_code, response.text) == (400, (
            "federated queries (SERVICE) are disabled on this endpoint: it does not fetch "
            "other URLs on a visitor's behalf\n"))
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    # the word in a variable, a prefixed name or a string is no SERVICE clause
    fine = server.query('PREFIX service: <http://example.org/> SELECT ?service '
                        '{ BIND("SERVICE" AS ?service) FILTER(?service != service:x) }')
    assert fine.status_code == 200


def test_update_from_another_site_is_refused(writable):
    insert = "INSERT DATA { <http://example.org/csrf> <http://example.org/p> 1 }"
    token = {"Authorization": "Bearer s3cret"}
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = requests.post(f"{writable.url}/update", data={"update": insert}, timeout=10,
                                 headers={**token, **headers})
        assert (response.status_code, response.text) == (
            403, "updates from other sites' pages are refused\n")
    bare = requests.post(f"{writable.url}/update", data={"update": insert}, timeout=10,
                         headers={"Authorization": "s3cret"})
    assert bare.status_code == 401
    assert writable.count("SELECT (COUNT(*) AS ?n) { <http://example.org/csrf> ?p ?o }") == "0"
    same_site = requests.post(f"{writable.url}/update", data={"update": insert}, timeout=10,
                              headers={"Authorization": "bearer s3cret",
                                       "Origin": writable.url})
    assert same_site.status_code == 204


def test_nondeterministic_updates_leave_every_copy_the_same(writable):
    """Regression: each worker evaluated the update itself, so blank nodes and UUID() differed
    from worker to worker."""
    token = {"Authorization": "Bearer s3cret"}
    for update in ("INSERT { <http://example.org/u> <http://example.org/id> ?u } "
                   "WHERE { BIND(STRUUID() AS ?u) }",
                   "INSERT DATA { <http://example.org/b> <http://example.org/to> _:x }"):
        response = requests.post(f"{writable.url}/update", data={"update": update}, timeout=10,
                                 headers=token)
        assert response.status_code == 204
    answers = {server_answer(writable, "SELECT ?v { VALUES ?p { <http://example.org/id> "
                                       "<http://example.org/to> } ?s ?p ?v } ORDER BY ?p")
               for _ in range(8)}
    assert len(answers) == 1


def test_runaway_update_times_out_and_changes_nothing(writable):
    before = writable.count("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    values = " ".join(str(i) for i in range(2000))
    runaway = ("INSERT { ?a <http://example.org/x> ?d } WHERE { "
               + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "abcd") + " }")
    response = requests.post(f"{writable.url}/update", data={"update": runaway}, timeout=30,
                             headers={"Authorization": "Bearer s3cret"})
    assert (response.status_code, response.text) == (504, (
        "the update ran longer than the 3 s limit and was stopped; nothing was changed\n"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the killed worker comes back in the background
        answer = writable.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
        if answer.status_code == 200:
            break
        time.sleep(0.2)
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == before


def server_answer(server: Server, query: str) -> str:
    response = server.query(query)
    assert response.status_code == 200, response.text
    return response.text


def test_from_and_default_graph_uri_are_not_overridden(server):
    """Regression: `FROM <urn:nothing>` was ignored on a built store (the union default graph
    option overrode the query's dataset): COUNT(*) answered 3,680 instead of 0."""
    assert server.count("SELECT (COUNT(*) AS ?n) FROM <urn:nothing> WHERE { ?s ?p ?o }") == "0"
    profile = "http://127.0.0.1:8000/graph/000_4bcbefa2e1da6666"
    assert server.count(f"SELECT (COUNT(*) AS ?n) FROM <{profile}> "
                        "WHERE { ?p a schema:ProfilePage }") == "1"
    response = requests.post(f"{server.url}/sparql", timeout=10,
                             params={"default-graph-uri": "urn:nothing"},
                             data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                             headers={"Accept": "application/sparql-results+json"})
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_a_served_build_dates_its_documents(server, seed_store_dir):
    """Each entity document of a built store carries the build's date as dcterms:modified."""
    from kg.store import read_info

    response = requests.get(f"{server.url}/person/guoying-zhao", timeout=10,
                            headers={"Accept": "application/n-triples"})
    assert response.url == f"{server.url}/person/guoying-zhao.nt"  # after the 303
    built_at = read_info(seed_store_dir.resolve()).built_at
    assert (f'<http://127.0.0.1:8000/person/guoying-zhao.nt> <http://purl.org/dc/terms/modified> '
            f'"{built_at}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .') in response.text


def test_a_snapshot_keeps_blank_node_labels(tmp_path):
    """Every query worker loads the same snapshot: its blank nodes must keep their labels (the
    bulk loader would give each copy fresh ones)."""
    from kg.store.files import load_snapshot

    plain = tmp_path / "plain.nq"
    plain.write_text('<http://e/s> <http://e/p> "a_ b" <http://e/g> .\n')
    labelled = tmp_path / "labelled.nq"
    labelled.write_text('_:x1 <http://e/p> "y" .\n')
    empty = tmp_path / "empty.nq"
    empty.write_text("")
    assert [str(q) for q in load_snapshot(plain)] == ['<http://e/s> <http://e/p> "a_ b" <http://e/g>']
    assert [str(q) for q in load_snapshot(labelled)] == ['_:x1 <http://e/p> "y"']
    assert len(load_snapshot(empty)) == 0


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_snapshot_written_a_graph_at_a_time_holds_every_quad(tmp_path, threads: int):
    """`write_snapshot` reads graphs in threads into TriG: the same quads come back, blank
    nodes with their labels, wherever the graph and whichever thread wrote it."""
    from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store

    from kg.store.files import load_snapshot, write_snapshot

    e = "http://e/"
    s, p, b = NamedNode(e + "s"), NamedNode(e + "p"), BlankNode("x1")
    odd = Literal('two\nlines, a "quote" and a tab\t', language="en")
    quads = [Quad(s, p, odd, DefaultGraph()), Quad(b, p, s, DefaultGraph()),
             Quad(s, p, b, NamedNode(e + "g1")), Quad(b, p, Literal("1"), BlankNode("g2")),
             *(Quad(s, p, Literal(str(i)), NamedNode(f"{e}g{i}")) for i in range(3, 40))]
    store = Store()
    store.extend(quads)
    store.add_graph(NamedNode(e + "empty"))
    path = tmp_path / "snapshot.trig"
    write_snapshot(store, path, threads=threads)
    assert sorted(str(q) for q in load_snapshot(path)) == sorted(str(q) for q in quads)
    assert [f.name for f in tmp_path.iterdir()] == ["snapshot.trig"]  # the parts joined


def test_graph_sizes_past_the_timeout_name_the_graphs_without_sizes(seed_store_dir):
    """Counting every graph runs in a query worker under the pool's limits (~40 s at 10,000
    profiles); a count stopped (past the timeout, or no worker free in time) leaves the
    description naming the graphs without sizes, never a 500."""
    from pyoxigraph import NamedNode

    from kg.serve.pool import PooledQueries, QueryPool, Timeout
    from kg.serve.service_description import graph_sizes, service_description
    from kg.serve.source import GraphSource

    def runaway() -> None:
        with contextlib.suppress(Timeout):
            queries.query(RUNAWAY)

    names = ["http://example.org/g2", "http://example.org/g1"]
    pool = QueryPool(GraphSource("disk", seed_store_dir), size=1, timeout=3.0,
                     queue_wait=0.2).start()
    try:
        queries = PooledQueries(pool, BASE)
        graphs = graph_sizes(queries, names)
        assert graphs.default == 3075 and all(n is not None for _, n in graphs.named)
        # the one worker held for 3 s: a timeout of 0 or 0.1 ms did not stop a count of the
        # seed for sure (the worker may answer before the front polls; 1 run in 4 failed)
        holder = threading.Thread(target=runaway)
        holder.start()
        while pool._idle.qsize() and holder.is_alive():  # until the runaway holds the worker
            time.sleep(0.01)
        graphs = graph_sizes(queries, names)
        holder.join()
    finally:
        pool.close()
    assert graphs.default is None
    assert graphs.named == [(name, None) for name in sorted(names)]
    description = service_description("http://x/sparql", None, [], "http://x/queries", graphs)
    void_triples = NamedNode("http://rdfs.org/ns/void#triples")
    assert list(description.quads_for_pattern(None, void_triples, None)) == []


#: every pair of triples of the seed, sorted: the engine must hold all ~9.5 M before the first
#: answer, growing its worker by gigabytes within seconds
HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
#: the same pairs counted: seconds of work in a few megabytes
SLOW_AND_SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
#: the same pairs, each once: the engine keeps every row it sent to drop repeats
STREAMING = "SELECT DISTINCT * WHERE { ?a ?b ?c . ?d ?e ?f }"


def test_a_query_past_its_memory_budget_is_stopped_and_the_pool_recovers(seed_store_dir):
    from kg.serve.pool import MemoryLimit, PooledQueries, QueryPool
    from kg.serve.source import GraphSource

    pool = QueryPool(GraphSource("disk", seed_store_dir), size=1, timeout=60.0,
                     query_memory=64 << 20).start()
    try:
        queries = PooledQueries(pool, BASE)
        started = time.monotonic()
        with pytest.raises(MemoryLimit):
            queries.query(HUNGRY)
        assert time.monotonic() - started < 30  # stopped for its memory, not its time
        # the replacement answers a query slow enough to be watched and small in memory: its
        # budget counts from what it holds with the graph loaded, not from nothing
        rows = list(queries.query(SLOW_AND_SMALL))
    finally:
        pool.close()
    assert rows[0]["n"].value == str(3075 * 3075)


def test_an_answer_growing_while_it_streams_is_cut_short(seed_store_dir):
    """A DISTINCT sends rows as it finds them while its set of rows seen grows: the budget is
    watched between the pieces of a streamed answer too."""
    from kg.serve.pool import QueryJob, QueryPool
    from kg.serve.source import GraphSource

    pool = QueryPool(GraphSource("disk", seed_store_dir), size=1, timeout=60.0,
                     query_memory=64 << 20).start()
    try:
        media, body = pool.run(QueryJob(text=STREAMING, base=BASE, graph_prefixes=True,
                                        results_media="text/csv", graph_media=None))
        assert not isinstance(body, bytes)  # streamed
        with pytest.raises(RuntimeError) as error:
            for _ in body:
                pass
    finally:
        pool.close()
    assert str(error.value) == ("the answer needed more memory than a query may use and was "
                                "cut short")


def test_a_query_past_its_memory_budget_is_503_with_the_reason(seed_store_dir):
    s = Server("--store", str(seed_store_dir), "--workers", "1", "--timeout", "60",
               "--query-memory", "64M")
    try:
        assert s.count() == "50"  # within the budget
        response = s.query(HUNGRY)
    finally:
        s.stop()
    assert response.status_code == 503
    assert response.text == ("the query needed more than the 64 MB of memory one may use here "
                             "and was stopped; narrow it down\n")
    assert "Retry-After" not in response.headers  # the same query would fail the same way
