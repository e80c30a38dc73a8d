"""Hostile input (issue 16): no traceback, no 500, no data dropped silently, every stage linear.

Each test is named for what broke and says which input broke it.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pyoxigraph import Literal, NamedNode, Quad, Store

from conftest import AS_OF, BASE, ROOT, SEED
from kg.build import build as build_remote
from kg.cli import main
from kg.errors import Problem
from kg.mapping.keyphrases import _NOISE, strip_noise
from kg.mapping.repositories import find_repositories
from kg.parse import parse_text
from kg.parse.profile import MAX_ABSTRACT, MAX_TITLE
from kg.serve import ServeConfig, create_app
from kg.store.nesting import MAX_NESTING, nesting
from kg.store.remote import RemoteStore
from servers import PAPERS, Oxigraph, Server

KG = [sys.executable, "-m", "kg"]
HEAD = "Ann Example\n\nCV\nh-index3\n4papers\n1,234citations\nNovelty10%\nAI Score5\n\n1 Papers\n\n"


def profile(abstract: str = "An abstract.", title: str = "A Title",
            authors: str = "Ann Example, Bo Li", head: str = HEAD) -> str:
    """A one-paper profile page: header on line 12, title 13, authors 15, abstract 17."""
    return f"{head}CVNov 21, 2022Code\n{title}\n\n{authors}\n\n{abstract}\n"


def build(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    page = tmp_path / "p.txt"
    page.write_text(text, encoding="utf-8")
    return subprocess.run([*KG, "build", str(page), "--store", str(tmp_path / "s"),
                           "--as-of", AS_OF.isoformat()], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_url_that_is_no_iri_ended_the_build_in_a_value_error(tmp_path: Path):
    """Abstract URLs `https://example.org/a?x=1|b`, `…%zz` and `https://[::1` made the store
    raise ValueError mid-build: now escaped, or left out, with a warning at file:line."""
    abstract = ("We release our code at https://example.org/a?x=1|b and\n"
                "https://github.com/ann/tool%zz\nand https://[::1 too.")
    done = build(tmp_path, profile(abstract))
    assert done.returncode == 0, done.stderr
    page = tmp_path / "p.txt"
    assert [line for line in done.stderr.splitlines() if line.startswith("warning:")] == [
        f"warning: {page}:17: URL 'https://example.org/a?x=1|b' is not a valid IRI: kept as "
        "https://example.org/a?x=1%7Cb",
        f"warning: {page}:18: URL 'https://github.com/ann/tool%zz' is not a valid IRI: kept as "
        "https://github.com/ann/tool%25zz",
        f"warning: {page}:19: URL 'https://[::1' left out: it cannot be an IRI (Invalid IPv6 "
        "URL)",
    ]
    done = subprocess.run([*KG, "query", "SELECT ?u { ?r schema:codeRepository ?u } ORDER BY ?u",
                           "--store", str(tmp_path / "s"), "--format", "csv"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.splitlines() == ["u", "https://example.org/a?x=1%7Cb",
                                        "https://github.com/ann/tool%25zz"]


def test_repository_warnings_name_the_line_of_each_url():
    warnings: list[Problem] = []
    urls = find_repositories("one\ntwo https://a.org/x^y\n\nfour https://[x/", warnings, "f.txt",
                             10)
    assert urls == ["https://a.org/x%5Ey"]
    assert [str(w) for w in warnings] == [
        "f.txt:11: URL 'https://a.org/x^y' is not a valid IRI: kept as https://a.org/x%5Ey",
        "f.txt:13: URL 'https://[x/' left out: it cannot be an IRI (Invalid IPv6 URL)",
    ]


def test_long_token_made_key_phrase_noise_removal_quadratic():
    """A 200 KB token in an abstract took 62 s (`\\S+\\.(?:com|…)/` retried from each of its
    characters); the long-token path gives exactly what the pattern gives, in one pass."""
    samples = ["a" * 300 + ".com/x{y}", "\\url{" + "b" * 300 + ".org/z}$", "x" * 400,
               "$" + "c" * 300 + "\\emph" + "d" * 10 + ".io/" + "e" * 5,
               "https://" + "f" * 300, "{" * 300 + "\\a.co/", "g.com/" + "h" * 300,
               "\\textbf" + "i" * 300 + ".co/j w.org/k"]
    for sample in samples:
        assert strip_noise(f"start {sample} end") == _NOISE.sub(" ", f"start {sample} end")
    assert strip_noise("a" * 10_000_000 + " word") == "a" * 10_000_000 + " word"


@pytest.mark.parametrize(("field", "line", "reason"), [
    ("title", 13, f"the title is 2,001 characters long; at most {MAX_TITLE:,} are read"),
    ("abstract", 17, f"the abstract is 100,001 characters long; at most {MAX_ABSTRACT:,} "
                     "are read"),
    ("authors", 15, "the author list is 100,001 characters long; at most 100,000 are read"),
    ("name", 1, "the name is 301 characters long; at most 300 are read"),
])
def test_field_over_its_size_limit_is_a_problem_at_its_line(field: str, line: int, reason: str):
    """A 1 MB title never finished building, a 50 MB abstract neither: each field has a
    documented limit, and a field over it is one file:line problem."""
    text = {"title": profile(title="T" * (MAX_TITLE + 1)),
            "abstract": profile("a" * (MAX_ABSTRACT + 1)),
            "authors": profile(authors="B" * 100_001),
            "name": profile(head=HEAD.replace("Ann Example", "N" * 301))}[field]
    assert problems_of(text) == [f"p.txt:{line}: {reason}"]


def test_fifty_megabyte_abstract_is_refused_at_once(tmp_path: Path):
    """A 50 MB abstract never finished building (validation re-parsed it); now one line."""
    done = build(tmp_path, profile("a" * 50_000_000))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{tmp_path / 'p.txt'}:17: the abstract is 50,000,000 characters long; at most "
        "100,000 are read",
        "kg: 1 problem(s) found; nothing was changed"]


def test_long_run_of_spaces_in_an_author_list_is_read_in_linear_time():
    """`,?\\s*et al\\.?$` was tried from each space of a run: a page with 100,000 spaces in an
    author list took minutes. The cut by hand gives the same names."""
    page = parse_text(profile(authors="Ann Example," + " " * 99_000 + "Bo Li ,  et al."), "p.txt",
                      AS_OF)
    assert page.papers[0].authors == ("Ann Example", "Bo Li") and page.papers[0].authors_cut
    for authors, names, cut in [("A, B et al", ("A", "B"), True), ("A, Bet al.", ("A", "B"), True),
                                ("A, B", ("A", "B"), False), ("A, B etal", ("A", "B etal"), False)]:
        paper = parse_text(profile(authors=authors), "p.txt", AS_OF).papers[0]
        assert (paper.authors, paper.authors_cut) == (names, cut)


def test_huge_h_index_vanished_from_numeric_filters():
    """`h-index99999999999999999999` was accepted, and the store, which compares 64-bit
    integers, left the profile out of every numeric filter: now a problem with the limit."""
    text = profile(head=HEAD.replace("h-index3", "h-index99999999999999999999"))
    assert problems_of(text) == [
        "p.txt:4: h-index 99999999999999999999 is too large (at most 1,000,000,000,000)"]
    assert parse_text(profile(head=HEAD.replace("h-index3", "h-index1,000,000,000,000")),
                      "p.txt", AS_OF).metrics.h_index == 10**12


@pytest.mark.parametrize(("where", "text", "expected"), [
    ("author", profile(authors="Ann Example, \u200b\u200d"),
     "p.txt:15: no letter or digit in the author name '\\u200b\\u200d'"),
    ("owner", profile(head=HEAD.replace("Ann Example", "\u2060\ufeff\u200c")),
     "p.txt:1: no letter or digit in the person name '\\u2060\\ufeff\\u200c'"),
])
def test_zero_width_name_was_accepted_as_a_person(where: str, text: str, expected: str):
    """Names made of zero-width characters only (U+200B, U+2060, …) became persons whose
    pages showed nothing."""
    assert problems_of(text) == [expected]


def problems_of(text: str) -> list[str]:
    from kg.errors import ProfileError

    with pytest.raises(ProfileError) as info:
        parse_text(text, "p.txt", AS_OF)
    return [str(p) for p in info.value.problems]


# -- the server --------------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    """The query workers of the server `pid` (not multiprocessing's resource tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
    return sorted(found)


def wait_dead(pid: int) -> None:
    """Until `pid` is gone or a zombie: bounded, the kill is already sent."""
    for _ in range(400):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not die")


@pytest.fixture(scope="module")
def server(seed_store_dir: Path) -> Iterator[Server]:
    s = Server("--store", str(seed_store_dir), "--workers", "2", "--timeout", "20")
    yield s
    s.stop()


@pytest.mark.parametrize(("name", "query", "depth"), [
    ("parentheses", "SELECT ?x { BIND(" + "(" * 5000 + "1" + ")" * 5000 + " AS ?x) }", 5002),
    ("braces", "SELECT * " + "{" * 5000 + "}" * 5000, 5000),
    ("negations", "SELECT ?x { BIND(" + "!" * 20000 + "true AS ?x) }", 20002),
])
def test_deep_nesting_killed_a_worker_and_answered_500(server, name, query, depth):
    """5,000 nested parentheses or braces, or 20,000 `!`, overflowed the engine's stack: the
    worker died and the answer was 500. Now 400 with the reason, before the engine sees it."""
    before = children(server.process.pid)
    response = server.query(query)
    assert (response.status_code, response.text) == (400, (
        f"this query is nested {depth:,} levels deep (brackets and prefix operators such as ! "
        f"count); at most {MAX_NESTING} are allowed\n"))
    assert children(server.process.pid) == before
    assert server.count() == "50"


def test_nesting_counts_no_brackets_in_strings_iris_or_comments():
    text = ('SELECT * { ?s <http://a/((((> "((((" . FILTER(?a != ?b && !BOUND(?c)) } # ((((\n'
            '?s ?p "1"^^xsd:int . FILTER(!(!(?x)))')
    assert nesting(text) == 5
    assert nesting("'''((((''' \"\"\"{{{{\"\"\" [ [ ] ]") == 2


def test_killed_worker_failed_its_query_with_500(server):
    """A query the engine cannot survive (BIND over a chain of 20,000 additions, nested in
    its parse tree, not in the text) killed its worker: 500, now 503 with a reason; the
    queries after it are answered."""
    chain = "SELECT ?x { BIND(" + "+".join(["1"] * 20_000) + " AS ?x) }"
    response = server.query(chain)
    assert (response.status_code, response.headers["Retry-After"]) == (503, "2")
    assert response.text == (
        "the worker running this query died (out of memory, or a crash in the SPARQL engine) "
        "and is being replaced. Try again shortly; the same request may fail the same way\n")
    assert [server.count() for _ in range(4)] == ["50"] * 4


def test_worker_killed_while_idle_failed_the_next_query(server):
    """A worker killed while idle (the system out of memory) failed the next query sent to
    it with 500: a dead worker is now replaced before a query reaches it."""
    workers = children(server.process.pid)
    assert len(workers) == 2
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    for pid in workers:
        wait_dead(pid)
    assert [server.count() for _ in range(4)] == ["50"] * 4
    assert not set(children(server.process.pid)) & set(workers)


def test_sending_an_update_to_sparql_said_querys(client):
    """An update POSTed to /sparql was told 'this URL takes SPARQL querys'."""
    response = client.post("/sparql", data="INSERT DATA {}",
                           headers={"Content-Type": "application/sparql-update"})
    assert (response.status_code, response.text) == (
        400, "this URL takes SPARQL queries; send updates to /update\n")


def test_pages_answered_500_while_the_remote_store_was_down(tmp_path: Path):
    """With `kg serve --store URL` and that store stopped, /sparql said 502 but every page
    answered 500. Pages now say 502 too, with the reason, and recover with the store."""
    oxigraph = Oxigraph(tmp_path / "db")
    try:
        build_remote([SEED], RemoteStore(oxigraph.url), base=BASE, as_of=AS_OF,
                     keyphrases=False)
        server = Server("--store", oxigraph.url)
        try:
            assert requests.get(f"{server.url}/person/guoying-zhao", timeout=30).status_code == 200
            oxigraph.stop()
            down = f"the SPARQL store at {oxigraph.url} does not answer (is it running?)\n"
            for path in ("/", "/person/guoying-zhao", "/person/guoying-zhao.ttl",
                         "/paper/nothing-here", "/topic/cs.CV"):
                response = requests.get(server.url + path, timeout=30)
                assert (response.status_code, response.text) == (502, down), path
            assert server.query(PAPERS).status_code == 502
            oxigraph.start()
            assert requests.get(f"{server.url}/person/guoying-zhao", timeout=30).status_code == 200
        finally:
            server.stop()
    finally:
        oxigraph.stop()


def trickle(sockets: list[socket.socket]) -> None:
    """One more byte of a request that never ends, on each socket."""
    for s in sockets:
        with contextlib.suppress(OSError):  # closed by the server: what it may do
            s.send(b"X")


@pytest.mark.slow
def test_slowloris_starved_a_normal_client(server):
    """200 connections sending a byte a second held all of waitress's 100 connections: a
    normal client got 2 answers and 2 timeouts in 10 s. Now it gets every answer."""
    slow = []
    try:
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(s)
        for _ in range(2):  # the server has taken them all in
            time.sleep(1)
            trickle(slow)
        answers = []
        for _ in range(5):
            answers.append(requests.get(f"{server.url}/sparql", params={"query": PAPERS},
                                        headers={"Accept": "text/csv"}, timeout=10).text)
            trickle(slow)
        assert answers == ["n\r\n50\r\n"] * 5
    finally:
        for s in slow:
            s.close()


def test_request_trickling_in_held_its_connection_for_ever(seed_store_dir: Path):
    """A request sent a byte at a time kept its connection as long as the bytes came; now it
    must arrive within --request-timeout of its first byte."""
    quick = Server("--store", str(seed_store_dir), "--workers", "1", "--request-timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", quick.port), timeout=5) as s:
            s.sendall(b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for _ in range(60):  # 30 s of trickling at the most; the limit is 1 s
                readable, _, _ = select.select([s], [], [], 0.5)
                if readable:
                    assert s.recv(1024) == b""  # closed, no answer
                    break
                s.send(b"X")
            else:
                raise AssertionError("the server kept a request trickling in for 30 s")
        assert quick.count() == "50"
    finally:
        quick.stop()


def memory_kb(pid: int) -> dict[str, int]:
    """Resident memory now (VmRSS) and at its peak (VmHWM) of a process, in KB."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM")}


@pytest.mark.slow
def test_large_answer_was_held_whole_by_the_worker_and_the_server(server):
    """`SELECT * … LIMIT 2000000` over a cross product (1 GB of JSON) left its worker holding
    1.1 GB after answering and the server peaking at 3.35 GB. Answers are streamed now: no
    process grows by more than a small part of an answer, and the answer is whole."""
    rows = 400_000
    processes = [server.process.pid, *children(server.process.pid)]
    before = {pid: memory_kb(pid) for pid in processes}
    response = requests.post(f"{server.url}/sparql", stream=True, timeout=120,
                             data={"query": f"SELECT * {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {rows}"},
                             headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200
    size = lines = 0
    for piece in response.iter_content(1 << 20):
        size += len(piece)
        lines += piece.count(b"\n")
    assert lines == rows + 1 and size > 120 * 2**20
    for pid in processes:
        after = memory_kb(pid)
        assert after["VmHWM"] - before[pid]["VmHWM"] < 40 * 2**10, (pid, before[pid], after)
    assert server.count() == "50"


def test_nul_byte_was_written_raw_into_html():
    """A name holding NUL and ESC (`A\\x00B\\x1b[31m`) was written raw into its page."""
    store = Store()
    person = NamedNode(BASE + "person/x")
    store.add(Quad(person, NamedNode("https://schema.org/name"), Literal("A\x00B\x1b[31m")))
    store.add(Quad(person, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   NamedNode("https://schema.org/Person")))
    page = create_app(ServeConfig(store=store, base=BASE)).test_client().get(
        "/person/x", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "\x00" not in page.text and "\x1b" not in page.text
    assert "<h1>A\u2400B\u241b[31m</h1>" in page.text


def test_escape_sequences_in_the_data_reached_the_terminal(runner, seed_store_dir: Path):
    """`kg query` printed literals raw in its table: an ESC sequence restyled the terminal and
    `[/x]` (rich markup) ended the command in a traceback."""
    query = 'SELECT ?x { BIND("a\\u001B[31m[/x] [bold]b" AS ?x) }'
    result = runner.invoke(main, ["query", query, "--store", str(seed_store_dir)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "a\u241b[31m[/x] [bold]b" in result.output


def test_kg_query_nested_5000_deep_crashed_the_command(seed_store_dir: Path):
    """Regression: `kg query` with 5,000 nested parentheses overflowed the engine's stack and
    the command died of a segmentation fault; it is refused with the reason now."""
    deep = "SELECT * WHERE { BIND(" + "(" * 5000 + "1" + ")" * 5000 + " AS ?x) }"
    done = subprocess.run([*KG, "query", deep, "--store", str(seed_store_dir)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stderr) == (1, (
        "kg: this query is nested 5,002 levels deep (brackets and prefix operators such as ! "
        "count); at most 100 are allowed\n"))


def test_an_escaped_hash_in_a_prefixed_name_hid_nesting_from_the_count():
    """`ex:a\\#` is a prefixed name, not a comment: the nesting after it on the line counts."""
    text = "PREFIX ex: <http://e/> SELECT * { BIND(ex:a\\# AS ?z) " + "(" * 200 + "1" \
           + ")" * 200 + " }"
    assert nesting(text) > MAX_NESTING
