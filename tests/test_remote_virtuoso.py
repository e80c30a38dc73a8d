"""Virtuoso 7.2 behind `--store URL --sparql-paths /sparql,/sparql,/sparql-graph-crud`: the
seed facts, `kg build`, `kg serve`, rebuilds and failed switches, on a real `virtuoso-t` started
on 127.0.0.1 (tests/servers.py). Virtuoso's default graph is the union of all its graphs, so
the merged graph lives in a named graph of its own (kg.store.remote.MERGED_GRAPH)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import test_seed_facts as facts
from pyoxigraph import QueryBoolean, QueryTriples, RdfFormat, parse

from conftest import AS_OF, BASE, DATA, SEED, select, value
from kg.build import build as build_remote
from kg.cli import main
from kg.errors import StoreError
from kg.store.local import open_read_only
from kg.store.remote import MERGED_GRAPH, Paths, RemoteStore
from kg.store.virtuoso import query_form
from servers import (
    VIRTUOSO_PATHS,
    Server,
    Virtuoso,
    free_port,
    virtuoso,
    wait_until_answers,
)

__all__ = ["virtuoso"]  # the session's server, a fixture of tests/servers.py

SECOND = DATA / "second_profile.txt"
#: every seed fact, as tests/test_remote.py runs them on oxigraph serve (those listing every
#: named graph too: queries with GRAPH are given the build's graphs, not Virtuoso's own)
FACTS = [getattr(facts, name) for name in sorted(dir(facts)) if name.startswith("test_")]


def remote_of(server: Virtuoso) -> RemoteStore:
    return RemoteStore(server.url, Paths(*VIRTUOSO_PATHS.split(",")))


def ours(store: RemoteStore) -> list[str]:
    """The named graphs of the scholarkg graph, staged ones included."""
    return sorted(g.value for g in store.named_graphs() if g.value.startswith(BASE))


@pytest.fixture
def seeded(virtuoso: Virtuoso) -> RemoteStore:
    """The seed built into the session's Virtuoso (again only when a test changed it)."""
    store = remote_of(virtuoso)
    if virtuoso.holds != "seed":
        virtuoso.clear()
        build_remote([SEED], store, base=BASE, as_of=AS_OF)
        virtuoso.holds = "seed"
    return store


@pytest.fixture
def empty(virtuoso: Virtuoso) -> RemoteStore:
    virtuoso.clear()
    virtuoso.holds = None
    return remote_of(virtuoso)


@pytest.mark.slow
@pytest.mark.parametrize("fact", FACTS, ids=[f.__name__ for f in FACTS])
def test_seed_facts_hold_on_virtuoso(seeded, fact):
    fact(seeded)


@pytest.mark.slow
def test_kg_build_query_and_stats_with_virtuoso_paths(runner, empty, virtuoso):
    """Regression: `kg build --store URL` on Virtuoso ended in `AttributeError: 'NoneType'
    object has no attribute 'value'` in named_graphs(): Virtuoso answers `GRAPH ?g { }` with
    one row that binds nothing."""
    paths = ["--store", virtuoso.url, "--sparql-paths", VIRTUOSO_PATHS]
    result = runner.invoke(main, ["build", str(SEED), *paths, "--as-of", "2026-11-24"])
    assert result.exit_code == 0, result.output
    virtuoso.holds = "seed"
    result = runner.invoke(main, ["query", "SELECT (COUNT(DISTINCT ?p) AS ?n) "
                                  "{ ?p a schema:ScholarlyArticle }", *paths, "--format", "csv"])
    assert result.output.splitlines() == ["n", "50"]
    result = runner.invoke(main, ["query", "ASK { ?p schema:name \"Guoying Zhao\" }", *paths])
    assert result.output == "true\n"
    result = runner.invoke(main, ["query", "CONSTRUCT { ?p schema:name ?n } WHERE { "
                                  "?p a schema:Person ; schema:name ?n "
                                  "FILTER(?n = \"Guoying Zhao\") }", *paths])
    assert result.exit_code == 0, result.output
    assert result.output == (f"<{BASE}person/guoying-zhao> <https://schema.org/name> "
                             '"Guoying Zhao" .\n')
    result = runner.invoke(main, ["stats", *paths, "--json"])
    counts = json.loads(result.output)
    assert (counts["profiles"], counts["papers"], counts["persons"], counts["graphs"]) == (
        1, 50, 74, 3)
    result = runner.invoke(main, ["validate", *paths])
    assert (result.exit_code, result.output.splitlines()[:2]) == (
        0, ["Validation Report", "Conforms: True"])
    result = runner.invoke(main, ["query", "SELEC", *paths])
    assert result.exit_code == 1 and result.output.startswith("kg: invalid SPARQL: ")


@pytest.mark.slow
def test_the_merged_graph_is_a_graph_of_its_own_and_hidden_from_graph_queries(seeded):
    assert value(seeded, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } FILTER(?g = ?m) "
                 f"VALUES ?m {{ <{MERGED_GRAPH}> }} }}") == "0"
    assert value(seeded, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{MERGED_GRAPH}> {{ ?s ?p ?o }} }}"
                 ) == "0"
    assert MERGED_GRAPH not in {g.value for g in seeded.named_graphs()}
    assert value(seeded, "SELECT (COUNT(*) AS ?n) { ?s kg:hasCode true }") == \
        value(seeded, "SELECT (COUNT(*) AS ?n) { ?s kg:hasCode ?c FILTER(?c) }")
    rows = select(seeded, "SELECT ?c (COUNT(*) AS ?n) { ?s kg:hasCode ?c } GROUP BY ?c "
                  "ORDER BY ?c")
    assert [r["c"] for r in rows] == ["false", "true"]  # Virtuoso says 0 and 1


def test_an_answer_virtuoso_cut_short_is_an_error_not_a_result(seeded, virtuoso):
    """Virtuoso answers only the first ResultSetMaxRows rows (10,000 by default) and says so
    in a header alone: counts and copies would silently come out short."""
    with pytest.raises(StoreError) as info:
        select(seeded, "SELECT ?s ?t { ?s ?p ?o . ?t a schema:DefinedTerm }")
    assert str(info.value) == (
        f"the SPARQL store at {virtuoso.url} cut the answer at 10000 rows (Virtuoso: raise "
        "ResultSetMaxRows in the [SPARQL] section of its virtuoso.ini)")
    assert value(seeded, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o . ?t a schema:DefinedTerm }") \
        == str(3076 * (5 + 233))  # the merged graph's triples and its manifest × topics and
    # key phrases


@pytest.mark.slow
def test_rebuild_replaces_graphs_and_drops_removed_profiles_on_virtuoso(empty, virtuoso):
    build_remote([SEED, SECOND], empty, base=BASE, as_of=AS_OF, keyphrases=False)
    assert ours(empty) == [BASE + "graph/000_4bcbefa2e1da6666", BASE + "graph/second_profile",
                           BASE + "graph/terms/arxiv"]
    # (not `GRAPH ?g { }`: Virtuoso answers it with one row binding nothing)
    assert value(empty, "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == "3"
    build_remote([SECOND], empty, base=BASE, as_of=AS_OF, keyphrases=False)
    assert ours(empty) == [BASE + "graph/second_profile", BASE + "graph/terms/arxiv"]
    assert list(empty.read_info().sources) == [str(SECOND)]
    assert value(empty, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a schema:ProfilePage }") == "1"


@pytest.mark.slow
def test_a_build_whose_staged_graphs_vanished_changes_nothing_on_virtuoso(empty):
    """Virtuoso's MOVE of a missing graph empties the graph it was to replace and succeeds,
    and its update requests are no transaction: the build sees first that every staged graph
    is still there."""
    build_remote([SEED], empty, base=BASE, as_of=AS_OF, keyphrases=False)
    before = sorted(str(q) for q in empty.quads_for_pattern(None, None, None, None))

    def drop_staged(graph: str) -> None:  # what a concurrent build's clean-up did
        staged = [g for g in ours(empty) if ".staging/" in g]
        empty.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in staged))

    with pytest.raises(StoreError, match=r"the staged graph .* is gone from .*; the graphs the "
                                         "store serves are unchanged"):
        build_remote([SEED], empty, base=BASE, as_of=AS_OF.replace(day=23), keyphrases=False,
                     progress=drop_staged)
    assert sorted(str(q) for q in empty.quads_for_pattern(None, None, None, None)) == before
    assert empty.read_info().as_of == "2026-11-24"


@pytest.mark.slow
def test_virtuoso_gone_mid_build_leaves_current_graphs(tmp_path):
    server = Virtuoso(tmp_path / "virtuoso")  # its own: killed, it recovers from its log
    try:
        _gone_mid_build(server)
    finally:
        server.stop()


def _gone_mid_build(server: Virtuoso) -> None:
    store = remote_of(server)
    build_remote([SEED], store, base=BASE, as_of=AS_OF, keyphrases=False)
    before = value(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    with pytest.raises(StoreError) as info:
        build_remote([SEED, SECOND], store, base=BASE, as_of=AS_OF.replace(day=23),
                     keyphrases=False, progress=lambda graph: server.stop())
    assert str(info.value) == (f"the SPARQL store at {server.url} went away; the build "
                               "stopped during the upload and the graphs the store serves are "
                               "unchanged")
    server.start()
    assert [g for g in ours(store) if ".staging/" not in g] == [
        BASE + "graph/000_4bcbefa2e1da6666", BASE + "graph/terms/arxiv"]
    assert value(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == before
    assert store.read_info().as_of == "2026-11-24"
    build_remote([SEED], store, base=BASE, as_of=AS_OF, keyphrases=False,
                 stale_after=timedelta(0))
    assert ours(store) == [BASE + "graph/000_4bcbefa2e1da6666", BASE + "graph/terms/arxiv"]


@pytest.mark.slow
def test_kg_serve_on_top_of_virtuoso(seeded, virtuoso):
    server = Server("--store", virtuoso.url, "--sparql-paths", VIRTUOSO_PATHS)
    url = server.url
    try:
        answer = requests.post(f"{url}/sparql", timeout=60, data={
            "query": "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a schema:ScholarlyArticle }"},
            headers={"Accept": "application/sparql-results+json"})
        assert answer.json()["results"]["bindings"][0]["n"]["value"] == "50"
        graphs = requests.post(f"{url}/sparql", timeout=60, data={
            "query": "SELECT DISTINCT ?g { GRAPH ?g { ?s a schema:ProfilePage } }"},
            headers={"Accept": "application/sparql-results+json"})
        assert [row["g"]["value"] for row in graphs.json()["results"]["bindings"]] == [
            BASE + "graph/000_4bcbefa2e1da6666"]
        ask = requests.post(f"{url}/sparql", timeout=60, data={
            "query": "ASK { ?p a schema:Person }"},
            headers={"Accept": "application/sparql-results+json"})
        assert ask.json() == {"head": {}, "boolean": True}  # Virtuoso: a table with 1
        ask = requests.post(f"{url}/sparql", timeout=60, data={
            "query": "ASK { ?p a schema:Nothing }"}, headers={"Accept": "text/csv"})
        assert (ask.headers["Content-Type"], ask.text) == ("text/csv", "false")
        for accept in ("*/*", "text/turtle", "application/n-triples"):
            graph = requests.post(f"{url}/sparql", timeout=60, data={
                "query": "CONSTRUCT { ?p schema:name ?n } WHERE { ?p a schema:Person ; "
                         "schema:name \"Guoying Zhao\", ?n }"}, headers={"Accept": accept})
            media = graph.headers["Content-Type"].split(";")[0]
            assert media in ("text/turtle", "application/n-triples"), (accept, media)
            assert [str(t) for t in parse(graph.content, format=RdfFormat.from_media_type(
                media))] == [f'<{BASE}person/guoying-zhao> <https://schema.org/name> '
                             '"Guoying Zhao"']
        bad = requests.post(f"{url}/sparql", data={"query": "SELEC"}, timeout=60)
        assert bad.status_code == 400 and bad.text.startswith("invalid query: ")
        page = requests.get(f"{url}/person/guoying-zhao", timeout=60,
                            headers={"Accept": "text/html"})
        assert page.status_code == 200 and "<h1>Guoying Zhao</h1>" in page.text
        turtle = requests.get(f"{url}/person/guoying-zhao.ttl", timeout=60)
        assert '"Guoying Zhao"' in turtle.text
        saved = requests.get(f"{url}/queries.json", timeout=60)
        assert saved.status_code == 200
    finally:
        server.stop()


def _urls(virtuoso: Virtuoso) -> list[str]:
    return ["--store", virtuoso.url, "--sparql-paths", VIRTUOSO_PATHS]


def _dump(runner, store: list[str], out: Path) -> set[str]:
    """The N-Quads `kg export` writes, less the times of link runs (they ran apart)."""
    def timed(line: str) -> bool:
        return "/link" in line and "XMLSchema#dateTime>" in line  # link runs, links

    result = runner.invoke(main, ["export", *store, "--out", str(out), "--format", "nq",
                                  "--no-validate"])
    assert result.exit_code == 0, result.output
    return {line for line in (out / "scholarkg.nq").read_text().splitlines()
            if not timed(line)}


@pytest.mark.slow
def test_kg_diff_and_export_of_a_virtuoso_build_match_the_local_build(runner, empty, virtuoso,
                                                                     tmp_path):
    local = tmp_path / "store"
    build_remote([SEED], local, base=BASE, as_of=AS_OF, keyphrases=False)
    build_remote([SEED], empty, base=BASE, as_of=AS_OF, keyphrases=False)
    result = runner.invoke(main, ["diff", str(local), virtuoso.url, "--sparql-paths",
                                  VIRTUOSO_PATHS])
    assert (result.exit_code, result.output) == (0, "no differences\n")
    remote_dump = _dump(runner, _urls(virtuoso), tmp_path / "remote")
    assert len(remote_dump) == len(open_read_only(local)[0])  # every quad, each once
    assert remote_dump == _dump(runner, ["--store", str(local)], tmp_path / "local")
    empty.update(f"INSERT DATA {{ GRAPH <{BASE}graph/000_4bcbefa2e1da6666> {{ "
                 f"<{BASE}person/guoying-zhao> <https://schema.org/name> \"G. Zhao\" }} }}")
    result = runner.invoke(main, ["diff", str(local), virtuoso.url, "--sparql-paths",
                                  VIRTUOSO_PATHS, "--json"])
    assert json.loads(result.output)["graphs"] == {
        BASE + "graph/000_4bcbefa2e1da6666": {"added": 1, "removed": 0}}


@pytest.mark.slow
def test_kg_link_writes_its_graph_into_virtuoso_and_a_rebuild_keeps_it(runner, empty,
                                                                       virtuoso, tmp_path):
    """The link graph goes to the server, its links reach the merged graph, and a rebuild of
    the profiles keeps both, as in a local store (compared with one linked the same way)."""
    local = tmp_path / "store"
    build_remote([SEED], local, base=BASE, as_of=AS_OF, keyphrases=False)
    build_remote([SEED], empty, base=BASE, as_of=AS_OF, keyphrases=False)
    for store in (_urls(virtuoso), ["--store", str(local)]):
        result = runner.invoke(main, ["link", "arxiv", *store])
        assert result.exit_code == 0, result.output
    assert result.output.endswith(f"wrote 5 links (72 quads) to the arxiv link graph of "
                                  f"{local}\n")
    seen_also = "SELECT (COUNT(*) AS ?n) { ?topic rdfs:seeAlso ?page }"
    assert value(empty, seen_also) == "5"
    build_remote([SEED], empty, base=BASE, as_of=AS_OF, keyphrases=False)
    assert value(empty, seen_also) == "5"
    assert ours(empty) == [BASE + "graph/000_4bcbefa2e1da6666", BASE + "graph/links/arxiv",
                           BASE + "graph/terms/arxiv"]
    assert _dump(runner, _urls(virtuoso), tmp_path / "remote") == \
        _dump(runner, ["--store", str(local)], tmp_path / "local")
    result = runner.invoke(main, ["link", "arxiv", *_urls(virtuoso), "--dry-run"])
    assert result.output.endswith("dry run: 5 links (0 matched entities) would be written; "
                                  "nothing was changed\n")


def test_telling_a_query_form_calls_no_service(tmp_path):
    """A query's form is found by pyoxigraph evaluating it on an empty store, which would call
    a SERVICE (an ASK at once) from our process for anyone's query: then the form is unknown."""
    calls = tmp_path / "served"
    port = free_port()
    with calls.open("w") as log:  # http.server logs each request it answers there
        server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                                   "127.0.0.1", "--directory", str(tmp_path)],
                                  stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/")
        before = calls.read_text()
        query = f"ASK {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        assert query_form(query) is None
        assert query_form("ASK { ?s ?p ?o }") is QueryBoolean
        assert query_form("DESCRIBE <x:y>") is QueryTriples
        assert calls.read_text() == before  # no request reached the server
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.slow
def test_an_update_without_graph_changes_the_merged_graph_on_virtuoso(seeded, virtuoso):
    """As `kg serve --allow-update` does on a local store; Virtuoso refused `INSERT DATA`
    without GRAPH ("No plain default graph specified")."""
    virtuoso.holds = None  # changed below
    seeded.update(f'INSERT DATA {{ <{BASE}person/x> <https://schema.org/name> "X" }}')
    assert value(seeded, f'SELECT ?n {{ <{BASE}person/x> schema:name ?n }}') == "X"
    assert value(seeded, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s schema:name \"X\" } }") == "0"
    seeded.update(f"DELETE WHERE {{ <{BASE}person/x> ?p ?o }}")
    assert value(seeded, f"SELECT (COUNT(*) AS ?n) {{ <{BASE}person/x> ?p ?o }}") == "0"
