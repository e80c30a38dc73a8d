"""A remote SPARQL store: a real `oxigraph serve` process on 127.0.0.1 behind `--store URL`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
import test_seed_facts as facts

from conftest import AS_OF, BASE, DATA, SEED, value
from kg.build import build as build_remote
from kg.cli import main
from kg.errors import StoreError
from kg.store.remote import RemoteStore
from servers import Oxigraph, Server

SECOND = DATA / "second_profile.txt"
FACTS = [getattr(facts, name) for name in sorted(dir(facts)) if name.startswith("test_")]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory) -> Iterator[Oxigraph]:
    server = Oxigraph(tmp_path_factory.mktemp("oxigraph") / "db")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote(oxigraph: Oxigraph) -> RemoteStore:
    build_remote([SEED], RemoteStore(oxigraph.url), base=BASE, as_of=AS_OF)
    return RemoteStore(oxigraph.url)


@pytest.mark.slow
@pytest.mark.parametrize("fact", FACTS, ids=[f.__name__ for f in FACTS])
def test_seed_facts_hold_on_oxigraph_serve(remote, fact):
    fact(remote)


@pytest.mark.slow
def test_cli_build_query_and_stats_with_a_url(runner, tmp_path):
    server = Oxigraph(tmp_path / "db")
    try:
        result = runner.invoke(main, ["build", str(SEED), "--store", server.url,
                                      "--as-of", "2026-11-24"])
        assert result.exit_code == 0, result.output
        result = runner.invoke(main, ["query", "SELECT (COUNT(DISTINCT ?p) AS ?n) "
                                      "{ ?p a schema:ScholarlyArticle }", "--store", server.url,
                                      "--format", "csv"])
        assert result.output.splitlines() == ["n", "50"]
        result = runner.invoke(main, ["stats", "--store", server.url, "--json"])
        assert '"persons": 74' in result.output
    finally:
        server.stop()
    result = runner.invoke(main, ["stats", "--store", server.url])
    assert result.exit_code == 1
    assert result.output == (f"kg: the SPARQL store at {server.url} does not answer (is it "
                             "running?)\n")


@pytest.mark.slow
def test_rebuild_replaces_graphs_and_drops_removed_profiles(tmp_path):
    server = Oxigraph(tmp_path / "db")
    try:
        store = RemoteStore(server.url)
        build_remote([SEED, SECOND], store, base=BASE, as_of=AS_OF, keyphrases=False)
        assert value(store, "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { } }") == "3"
        build_remote([SECOND], store, base=BASE, as_of=AS_OF, keyphrases=False)
        assert sorted(g.value for g in store.named_graphs()) == [
            BASE + "graph/second_profile", BASE + "graph/terms/arxiv"]
        assert list(store.read_info().sources) == [str(SECOND)]
    finally:
        server.stop()


@pytest.mark.slow
def test_a_profile_named_like_a_term_set_stages_apart(tmp_path):
    """Regression: staged under the last segment of their IRI, graph/arxiv (of arxiv.txt) and
    graph/terms/arxiv overwrote each other and the switch failed."""
    named = tmp_path / "arxiv.txt"
    named.write_bytes(SECOND.read_bytes())
    server = Oxigraph(tmp_path / "db")
    try:
        store = RemoteStore(server.url)
        build_remote([named], store, base=BASE, as_of=AS_OF, keyphrases=False)
        assert sorted(g.value for g in store.named_graphs()) == [
            BASE + "graph/arxiv", BASE + "graph/terms/arxiv"]
        count = "SELECT (COUNT(*) AS ?n) {{ GRAPH <{}> {{ ?s a schema:{} }} }}"
        assert value(store, count.format(BASE + "graph/arxiv", "ProfilePage")) == "1"
        assert value(store, count.format(BASE + "graph/arxiv", "DefinedTerm")) == "0"
        assert value(store, count.format(BASE + "graph/terms/arxiv", "ProfilePage")) == "0"
        assert value(store, count.format(BASE + "graph/terms/arxiv", "DefinedTermSet")) == "1"
    finally:
        server.stop()


@pytest.mark.slow
def test_server_gone_mid_build_leaves_current_graphs(tmp_path):
    server = Oxigraph(tmp_path / "db")
    try:
        _gone_mid_build(server)
    finally:
        server.stop()


def _gone_mid_build(server: Oxigraph) -> None:
    store = RemoteStore(server.url)
    build_remote([SEED], store, base=BASE, as_of=AS_OF, keyphrases=False)
    before = sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))
    with pytest.raises(StoreError) as info:
        build_remote([SEED, SECOND], store, base=BASE, as_of=AS_OF.replace(day=23),
                     keyphrases=False, progress=lambda graph: server.stop())
    assert str(info.value) == (f"the SPARQL store at {server.url} went away; the build stopped "
                               "during the upload and the graphs the store serves are unchanged")
    server.start()
    graphs = {g.value for g in store.named_graphs()}
    staged = {g for g in graphs if g.startswith(BASE + "graph/.staging/")}  # not current
    assert graphs - staged == {BASE + "graph/000_4bcbefa2e1da6666", BASE + "graph/terms/arxiv"}
    assert len(staged) == 1
    current = sorted(str(q) for q in store.quads_for_pattern(
        None, None, None, None) if ".staging/" not in q.graph_name.value)
    assert current == before
    assert store.read_info().as_of == "2026-11-24"
    build_remote([SEED], store, base=BASE, as_of=AS_OF, keyphrases=False)  # may be a live one's
    assert len([g for g in store.named_graphs() if ".staging/" in g.value]) == 1
    build_remote([SEED], store, base=BASE, as_of=AS_OF, keyphrases=False,
                 stale_after=timedelta(0))
    assert sorted(g.value for g in store.named_graphs()) == [
        BASE + "graph/000_4bcbefa2e1da6666", BASE + "graph/terms/arxiv"]


@pytest.mark.slow
def test_a_build_whose_staged_graphs_vanished_changes_nothing(tmp_path):
    """Regression: MOVE SILENT of a staged graph another build had dropped emptied the graph
    it was meant to replace, and the build still reported success."""
    server = Oxigraph(tmp_path / "db")
    store = RemoteStore(server.url)
    try:
        build_remote([SEED], store, base=BASE, as_of=AS_OF, keyphrases=False)
        before = len(store)

        def drop_staged(graph: str) -> None:  # what a concurrent build's clean-up did
            staged = [g.value for g in store.named_graphs() if ".staging/" in g.value]
            store.update(" ;\n".join(f"DROP GRAPH <{g}>" for g in staged))

        with pytest.raises(StoreError, match="refused the update request"):
            build_remote([SEED], store, base=BASE, as_of=AS_OF.replace(day=23),
                         keyphrases=False, progress=drop_staged)
        assert len(store) == before
        assert store.read_info().as_of == "2026-11-24"
    finally:
        server.stop()


@pytest.mark.slow
def test_kg_serve_on_top_of_a_remote_store(remote, oxigraph):
    server = Server("--store", oxigraph.url)
    url = server.url
    try:
        answer = requests.post(f"{url}/sparql", timeout=10, data={
            "query": "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a schema:ScholarlyArticle }"},
            headers={"Accept": "application/sparql-results+json"})
        assert answer.json()["results"]["bindings"][0]["n"]["value"] == "50"
        # the remote graph may change under us (a build to the same URL): no ETag, no result
        # kept, and every reuse checked
        got = requests.get(f"{url}/sparql", timeout=10, params={"query": "ASK {}"},
                           headers={"Accept": "application/sparql-results+json"})
        assert got.status_code == 200 and got.json()["boolean"] is True
        assert "ETag" not in got.headers and "Cache-Status" not in got.headers
        assert got.headers["Cache-Control"] == "no-cache"
        bad = requests.post(f"{url}/sparql", data={"query": "SELEC"}, timeout=10)
        assert bad.status_code == 400 and bad.text.startswith("invalid query: ")
        page = requests.get(f"{url}/person/guoying-zhao", timeout=10,
                            headers={"Accept": "text/html"})
        assert page.status_code == 200 and "<h1>Guoying Zhao</h1>" in page.text
        assert "ETag" not in page.headers and page.headers["Cache-Control"] == "no-cache"
        turtle = requests.get(f"{url}/person/guoying-zhao.ttl", timeout=10)
        assert '"Guoying Zhao"' in turtle.text
        saved = requests.get(f"{url}/queries.json", timeout=10)
        assert saved.status_code == 200
    finally:
        server.stop()


def test_a_killed_upload_leaves_its_staged_graphs_out_of_what_is_served(runner, tmp_path):
    """Regression: after `oxigraph serve` was killed mid-upload and restarted, `kg stats` and
    `kg query` counted the staged graphs as data (108 profiles instead of 1): the union default
    graph held them. Queries now see the merged default graph, which staging never touches."""
    server = Oxigraph(tmp_path / "db")
    store = RemoteStore(server.url)
    try:
        build_remote([SEED], store, base=BASE, as_of=AS_OF, keyphrases=False)

        def kill(_graph: str) -> None:  # the server goes away after the first upload
            if server.process.poll() is None:
                server.stop()

        with pytest.raises(StoreError):
            build_remote([SEED, SECOND], store, base=BASE, as_of=AS_OF, keyphrases=False,
                         progress=kill)
        server.start()
        assert [g.value for g in store.named_graphs() if ".staging/" in g.value]  # left over
        stats = runner.invoke(main, ["stats", "--store", server.url, "--json"])
        assert stats.exit_code == 0, stats.output
        assert '"profiles": 1' in stats.output and '"papers": 50' in stats.output
        query = runner.invoke(main, ["query", "SELECT (COUNT(*) AS ?n) { ?p a schema:Person }",
                                     "--store", server.url, "--format", "csv"])
        assert query.output == "n\n74\n"
    finally:
        server.stop()


def test_a_profile_named_merged_does_not_collide_with_the_merged_graph(tmp_path):
    """Regression (found in review): the merged graph was staged under the name a profile file
    `merged.txt` stages its graph under; the switch then failed, or mixed the two."""
    named = tmp_path / "merged.txt"
    shutil.copy(SEED, named)
    server = Oxigraph(tmp_path / "db")
    store = RemoteStore(server.url)
    try:
        build_remote([named], store, base=BASE, as_of=AS_OF, keyphrases=False)
        assert value(store, "SELECT (COUNT(*) AS ?n) { ?p a schema:ScholarlyArticle }") == "50"
        assert value(store, f"""SELECT (COUNT(*) AS ?n) {{ GRAPH <{BASE}graph/merged> {{
                                ?p a schema:ScholarlyArticle }} }}""") == "50"
    finally:
        server.stop()


@pytest.mark.slow
def test_kg_diff_and_export_read_oxigraph_serve_as_the_local_build(runner, remote, oxigraph,
                                                                   seed_store_dir, tmp_path):
    """The copy of a server's build (named graphs, and the merged graph from the Graph Store's
    default graph) is the build: nothing differs from the same build made locally."""
    result = runner.invoke(main, ["diff", str(seed_store_dir), oxigraph.url])
    assert (result.exit_code, result.output) == (0, "no differences\n")
    dumps = []
    for store, out in ((oxigraph.url, tmp_path / "remote"), (str(seed_store_dir),
                                                             tmp_path / "local")):
        result = runner.invoke(main, ["export", "--store", store, "--out", str(out),
                                      "--format", "nq", "--no-validate"])
        assert result.exit_code == 0, result.output
        dumps.append((out / "scholarkg.nq").read_bytes())
    assert dumps[0] == dumps[1] and dumps[0].count(b"\n") == 3075 + 3046 + 27 + 2
