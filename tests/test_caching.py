"""HTTP caching of a real `kg serve`: ETags, 304, Cache-Control, and the /sparql result cache."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conftest import AS_OF, SEED
from kg.serve.caching import LARGEST, ResultCache
from kg.serve.memo import Memo
from kg.serve.pool import QueryJob
from kg.serve.scanner import is_volatile
from servers import PAPERS, Server

JSON = "application/sparql-results+json"
#: the Cache-Control of a page or query result of a read-only build
READ_ONLY = "public, max-age=300, must-revalidate"
PROFILE = "/profile/000_4bcbefa2e1da6666"


@pytest.fixture(scope="module")
def server(seed_store_dir: Path) -> Iterator[Server]:
    s = Server("--store", str(seed_store_dir), "--workers", "1", "--timeout", "10")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("cw") / "data.ttl"
    data.write_text("<http://example.org/s> <http://example.org/p> 1 .\n")
    s = Server("--data", str(data), "--workers", "1", "--allow-update", "--update-token",
               "s3cret", "--timeout", "10")
    yield s
    s.stop()


def _get(server: Server, query: str, accept: str = JSON, **headers: str) -> requests.Response:
    return requests.get(f"{server.url}/sparql", params={"query": query}, timeout=30,
                        headers={"Accept": accept, **headers})


def test_the_same_get_twice_has_one_etag_and_the_second_is_kept(server):
    query = PAPERS + " # twice"
    first, second = _get(server, query), _get(server, query)
    assert first.status_code == second.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) == 34  # strong, 32 hex
    assert second.headers["ETag"] == tag
    assert first.headers["Cache-Control"] == second.headers["Cache-Control"] == READ_ONLY
    assert first.headers["Vary"] == second.headers["Vary"] == "Accept"
    assert (first.headers["Cache-Status"], second.headers["Cache-Status"]) == (
        "kg; fwd=miss; stored", "kg; hit")
    assert first.content == second.content
    assert second.json()["results"]["bindings"][0]["n"]["value"] == "50"


def test_if_none_match_is_304_without_a_body(server):
    query = PAPERS + " # revalidated"
    tag = _get(server, query).headers["ETag"]
    again = _get(server, query, **{"If-None-Match": tag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == READ_ONLY
    assert again.headers["Vary"] == "Accept"
    assert "Content-Type" not in again.headers
    assert "Cache-Status" not in again.headers  # answered before the result cache is asked
    head = requests.head(f"{server.url}/sparql", params={"query": query}, timeout=30,
                         headers={"Accept": JSON, "If-None-Match": f'"other", {tag}'})
    assert head.status_code == 304
    other = _get(server, query, **{"If-None-Match": '"something-else"'})
    assert (other.status_code, other.headers["ETag"]) == (200, tag)
    assert other.json()["results"]["bindings"][0]["n"]["value"] == "50"


def test_a_post_is_answered_from_the_result_cache_without_an_etag(server):
    query = PAPERS + " # posted"
    tag = _get(server, query).headers["ETag"]
    posted = server.query(query, headers={"If-None-Match": tag})
    assert posted.status_code == 200  # If-None-Match is for GET and HEAD only
    assert posted.headers["Cache-Status"] == "kg; hit"
    assert "ETag" not in posted.headers and "Cache-Control" not in posted.headers
    assert posted.content == _get(server, query).content


def test_another_accept_has_another_etag_and_its_own_answer(server):
    query = PAPERS + " # two media types"
    json = _get(server, query)
    csv = _get(server, query, "text/csv", **{"If-None-Match": json.headers["ETag"]})
    assert csv.status_code == 200  # the JSON answer's tag does not stand for the CSV one
    assert csv.headers["ETag"] != json.headers["ETag"]
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.text == "n\r\n50\r\n"
    assert csv.headers["Cache-Status"] == "kg; fwd=miss; stored"


@pytest.mark.parametrize(("query", "accept"), [
    ("SELECT ?name WHERE { ?p schema:name ?name } ORDER BY ?name", JSON),
    ("SELECT ?name WHERE { ?p schema:name ?name } ORDER BY ?name", "text/tab-separated-values"),
    ("ASK { ?p a schema:Person }", "application/sparql-results+xml"),
    ("CONSTRUCT { ?p schema:name ?n } WHERE { ?p a schema:Person ; schema:name ?n }",
     "application/n-triples"),
])
def test_a_kept_answer_is_the_answer_computed_anew(server, query, accept):
    """The kept answer, byte for byte and with the same headers, against the same query made
    new to the cache by a comment."""
    kept_first, kept = _get(server, query, accept), _get(server, query, accept)
    fresh = _get(server, query + "\n# asked anew", accept)
    assert (kept_first.headers["Cache-Status"], kept.headers["Cache-Status"],
            fresh.headers["Cache-Status"]) == ("kg; fwd=miss; stored", "kg; hit",
                                               "kg; fwd=miss; stored")
    assert kept.status_code == fresh.status_code == 200
    assert kept.headers["Content-Type"] == fresh.headers["Content-Type"]
    assert len(kept.content) > 20 and kept.content == fresh.content


def test_errors_carry_no_etag_and_are_not_kept(server):
    for _ in range(2):
        bad = _get(server, "SELECT ?x WHERE { ?x")
        assert bad.status_code == 400 and bad.text.startswith("invalid query")
        assert "ETag" not in bad.headers and "Cache-Status" not in bad.headers
        assert bad.headers["Cache-Control"] == "no-store"
    unacceptable = _get(server, "ASK {}", "text/turtle")
    assert unacceptable.status_code == 406 and "ETag" not in unacceptable.headers
    missing = requests.get(f"{server.url}/profile/no-such-profile", timeout=10)
    assert missing.status_code == 404 and "ETag" not in missing.headers
    assert missing.headers["Cache-Control"] == "no-store"


def test_a_query_calling_now_or_a_random_function_is_never_kept(server):
    query = "SELECT (STRUUID() AS ?u) WHERE {}"
    first, second = _get(server, query), _get(server, query)
    assert first.status_code == second.status_code == 200
    for answer in (first, second):
        assert answer.headers["Cache-Status"] == "kg; fwd=bypass"
        assert answer.headers["Cache-Control"] == "no-store"
        assert "ETag" not in answer.headers
    values = [a.json()["results"]["bindings"][0]["u"]["value"] for a in (first, second)]
    assert values[0] != values[1]


def test_pages_have_an_etag_per_format_and_answer_304(server):
    html = requests.get(f"{server.url}{PROFILE}.html", timeout=10,
                        headers={"Accept": "text/html"})
    turtle = requests.get(f"{server.url}{PROFILE}.ttl", timeout=10,
                          headers={"Accept": "text/turtle"})
    assert html.status_code == turtle.status_code == 200 and "Guoying Zhao" in html.text
    assert html.headers["Cache-Control"] == turtle.headers["Cache-Control"] == READ_ONLY
    assert html.headers["ETag"] != turtle.headers["ETag"]
    again = requests.get(f"{server.url}{PROFILE}.html", timeout=10, headers={
        "Accept": "text/html", "If-None-Match": html.headers["ETag"]})
    assert (again.status_code, again.content, again.headers["ETag"]) == (
        304, b"", html.headers["ETag"])
    home = requests.get(f"{server.url}/", timeout=10)
    assert home.status_code == 200 and home.headers["Cache-Control"] == READ_ONLY
    # the dumps are files an export may replace while we serve: not tagged here
    assert "ETag" not in requests.get(f"{server.url}/dumps/", timeout=10).headers


def test_an_update_changes_the_etag_and_drops_the_kept_answers(writable):
    """With updates allowed every reuse is checked (`no-cache`), and after an update the old
    tag no longer matches and the kept count is not handed out."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = _get(writable, count)
    assert before.headers["Cache-Control"] == "no-cache"
    assert _get(writable, count).headers["Cache-Status"] == "kg; hit"
    assert _get(writable, count, **{"If-None-Match": before.headers["ETag"]}).status_code == 304
    insert = requests.post(f"{writable.url}/update", timeout=10, headers={
        "Authorization": "Bearer s3cret"}, data={
        "update": "INSERT DATA { <http://example.org/s> <http://example.org/p> 2 }"})
    assert insert.status_code == 204
    assert "ETag" not in insert.headers and insert.headers.get("Cache-Status") is None
    after = _get(writable, count, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["Cache-Status"] == "kg; fwd=miss; stored"
    assert after.json()["results"]["bindings"][0]["n"]["value"] == "2"
    assert after.headers["ETag"] != before.headers["ETag"]


def _build(sources: Path, store: Path) -> None:
    subprocess.run([sys.executable, "-m", "kg", "build", str(sources), "--store", str(store),
                    "--as-of", AS_OF.isoformat()], check=True, capture_output=True)


@pytest.mark.slow
def test_a_rebuild_changes_the_etag(tmp_path: Path):
    """A rebuild of the same profiles makes another build: a client holding the old tag gets
    the new answer, not a 304. Two servers of one build give one tag (it is the build's, not
    the server's)."""
    sources, store = tmp_path / "profiles", tmp_path / "store"
    sources.mkdir()
    shutil.copy(SEED, sources)
    _build(sources, store)
    tags = []
    for rebuild in (False, False, True):
        if rebuild:
            _build(sources, store)
        server = Server("--store", str(store), "--workers", "1")
        try:
            # one name for the three servers, as behind a proxy: the tag covers the URL
            same_name = {"Host": "127.0.0.1:8000"}
            answer = _get(server, PAPERS, **same_name,
                          **({"If-None-Match": tags[0]} if tags else {}))
            assert answer.status_code == (200 if rebuild else 304 if tags else 200)
            tags.append(answer.headers["ETag"])
        finally:
            server.stop()
    assert tags[0] == tags[1] != tags[2]


def test_the_embedded_app_without_a_build_identity_sends_no_etag(client):
    """An app made by create_app without `build` (tests, embedding) and a remote store: what
    they serve may change, so no tag and `no-cache`."""
    page = client.get(f"{PROFILE}.html")
    assert page.status_code == 200
    assert "ETag" not in page.headers and page.headers["Cache-Control"] == "no-cache"


# --- the parts, on their own ---------------------------------------------------------------------

def _job(text: str) -> QueryJob:
    return QueryJob(text=text, base="http://example.org/", graph_prefixes=False,
                    results_media=JSON, graph_media=None)


def test_result_cache_is_bounded_in_entries_and_bytes():
    by_count = ResultCache(max_bytes=10_000, max_entries=4)  # each entry counts >= 2,500 bytes
    for i in range(6):
        assert by_count.put(_job(f"ASK {{}} # {i}"), JSON, b"x")
    assert by_count.size == (4, 10_000)
    assert by_count.get(_job("ASK {} # 0")) is None and by_count.get(_job("ASK {} # 1")) is None
    assert by_count.get(_job("ASK {} # 5")) == (JSON, b"x")
    by_bytes = ResultCache(max_bytes=3 * 4096, max_entries=1000)
    for i in range(4):
        assert by_bytes.put(_job(f"ASK {{}} # {i}"), JSON, b"y" * 3000)
    assert by_bytes.size[0] == 3  # 3 x (3,000 + text + 512) fit in 12,288 bytes, 4 do not


def test_result_cache_drops_the_least_recently_used_and_refuses_large_answers():
    cache = ResultCache(max_bytes=3 * 1024, max_entries=3)
    for i in range(3):
        cache.put(_job(f"q{i}"), JSON, b"z")
    assert cache.get(_job("q0")) is not None  # used: now the most recent
    cache.put(_job("q3"), JSON, b"z")
    assert [cache.get(_job(f"q{i}")) is not None for i in range(4)] == [True, False, True, True]
    large = ResultCache(max_bytes=64 << 20, max_entries=10)
    assert not large.put(_job("big"), JSON, b"b" * (LARGEST + 1))
    assert large.put(_job("edge"), JSON, b"b" * LARGEST)
    assert large.get(_job("big")) is None and large.size[0] == 1


def test_memo_keeps_a_value_per_version_and_only_what_keep_allows():
    memo, computed = Memo(), []

    def compute(value: str) -> str:
        computed.append(value)
        return value

    assert memo.get(("b1", 0), "a", lambda: compute("one")) == "one"
    assert memo.get(("b1", 0), "a", lambda: compute("two")) == "one"
    assert memo.get(("b1", 1), "a", lambda: compute("three")) == "three"  # an update
    assert memo.get(("b1", 1), "empty", lambda: compute(""), keep=bool) == ""
    assert memo.get(("b1", 1), "empty", lambda: compute("later"), keep=bool) == "later"
    assert computed == ["one", "three", "", "later"] and len(memo) == 2


@pytest.mark.parametrize(("text", "volatile"), [
    ("SELECT (NOW() AS ?t) {}", True),
    ("select (rand() as ?r) {}", True),
    ("SELECT * { BIND(UUID() AS ?u) }", True),
    ("SELECT * { BIND(struuid() AS ?u) }", True),
    ('SELECT * { ?s ?p "NOW()" }  # RAND() in a comment', False),
    ("SELECT ?now ?rand { ?now <http://example.org/RAND> ex:uuid }", False),
    ("SELECT (COUNT(*) AS ?random) { ?s ?p ?o }", False),
    ("SELECT (N\\u004FW() AS ?t) {}", True),  # the engine undoes codepoint escapes first
    ('SELECT * { ?s ?p ?o FILTER(CONTAINS(?o, "C:\\\\Users")) }', False),
])
def test_volatile_calls_are_told_from_names_strings_and_comments(text, volatile):
    assert is_volatile(text) is volatile


def test_memo_once_computes_a_value_once_while_others_wait():
    """At 10,000 profiles every first visitor of /sparql counting the graph at once kept the
    server from starting: `once` lets one compute and the others wait for its value."""
    import threading
    import time

    memo, calls = Memo(), []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.3)
        return "sizes"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(
        memo.get(("b1", 0), "sizes", slow, once=True))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (results, len(calls)) == (["sizes"] * 8, 1)
