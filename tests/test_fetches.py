"""A public endpoint never fetches what a visitor names: SERVICE, LOAD, DNS rebinding.

Each test runs a real `kg serve` process and a real listener on 127.0.0.1 and checks both the
answer and that nothing reached the listener.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import requests

from kg.serve.fetches import LOAD_REFUSED, SERVICE_REFUSED, Refused, check_query, check_update
from servers import Server

TOKEN = {"Authorization": "Bearer s3cret"}


class Listener:
    """A TCP socket on 127.0.0.1 that records whether anyone connected."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.5)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def was_called(self) -> bool:
        try:
            connection, _ = self.socket.accept()
        except TimeoutError:
            return False
        connection.close()
        return True


@pytest.fixture()
def listener() -> Iterator[Listener]:
    it = Listener()
    yield it
    it.socket.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Iterator[str]:
    """A real HTTP server with one Turtle file, as a place LOAD may be allowed to read."""
    root = tmp_path_factory.mktemp("files")
    (root / "data.ttl").write_text("<http://example.org/loaded> <http://example.org/p> 7 .\n")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def writable(tmp_path_factory, files: str) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("w") / "data.ttl"
    data.write_text("<http://example.org/s> <http://example.org/p> 1 .\n")
    s = Server("--data", str(data), "--workers", "1", "--allow-update", "--update-token",
               "s3cret", "--allow-load-from", f"{files}/", "--public-host", "kg.example.org")
    yield s
    s.stop()


#: SERVICE clauses a text scanner can miss; each must be refused
HIDDEN_SERVICES = [
    # the hostile tester's query: `\#` ends a prefixed name, it starts no comment
    "PREFIX ex: <http://e/> SELECT ?x WHERE {{ BIND(ex:a\\# AS ?z) "
    "SERVICE <{url}/x> {{ ?x ?y ?w }} }}",
    "PREFIX ex: <http://e/> SELECT ?x WHERE {{ BIND(ex:a\\u0023 AS ?z) "
    "SERVICE <{url}/x> {{ ?x ?y ?w }} }}",
    "SELECT * WHERE {{ # a comment with a brace }}\n sErViCe <{url}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{ OPTIONAL {{ {{ SERVICE SILENT <{url}/x> {{ ?s ?p ?o }} }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }} }}",
    'SELECT * WHERE {{ BIND("}} # " AS ?x) SERVICE <{url}/x> {{ ?s ?p ?o }} }}',
    "PREFIX s: <{url}/> SELECT * WHERE {{ SERVICE s:x {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("query", HIDDEN_SERVICES)
def test_service_refusal_cannot_be_bypassed(writable, listener, query):
    """Regression: the text scanner took `\\#` in `ex:a\\#` for a comment, and the server
    POSTed to the SERVICE named after it and answered 200 with what came back."""
    response = writable.query(query.format(url=listener.url))
    assert response.status_code == 400, response.text
    assert "SERVICE" in response.text
    assert not listener.was_called()


def test_service_inside_an_update_is_refused(writable, listener):
    update = ("PREFIX ex: <http://e/> INSERT { ?x ?y ?w } WHERE { BIND(ex:a\\# AS ?z) "
              f"SERVICE <{listener.url}/x> {{ ?x ?y ?w }} }}")
    response = requests.post(f"{writable.url}/update", data={"update": update}, timeout=10,
                             headers=TOKEN)
    assert response.status_code == 400
    assert not listener.was_called()


def test_the_word_service_elsewhere_is_no_service_clause(writable):
    response = writable.query('PREFIX service: <http://example.org/> SELECT ?service '
                              '{ BIND("SERVICE" AS ?service) FILTER(?service != service:x) }')
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == [
        {"service": {"type": "literal", "value": "SERVICE"}}]


def test_load_is_refused_unless_allowed(writable, listener, files):
    """Regression: `LOAD <url>` loaded whatever a listener served, `LOAD <file:…>` read files
    of the server's machine (500)."""
    for source in (f"{listener.url}/data.ttl", "file:///etc/passwd", f"{files}.evil/data.ttl"):
        response = requests.post(f"{writable.url}/update", data={"update": f"LOAD <{source}>"},
                                 timeout=10, headers=TOKEN)
        assert response.status_code == 403, response.text
        assert response.text == (f"LOAD <{source}> is refused: kg serve allows loading only "
                                 f"from {files}/\n")
    assert not listener.was_called()
    allowed = requests.post(f"{writable.url}/update", timeout=30, headers=TOKEN,
                            data={"update": f"LOAD <{files}/data.ttl>"})
    assert allowed.status_code == 204, allowed.text
    assert writable.count("SELECT ?n { <http://example.org/loaded> ?p ?n }") == "7"


def test_dns_rebinding_is_refused(writable):
    """Regression: with --allow-update on loopback, an INSERT DATA naming `Host: evil.example`
    and a matching Origin (a page whose name was rebound to 127.0.0.1) was accepted."""
    port = writable.port
    evil = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}", **TOKEN}
    insert = "INSERT DATA { <http://example.org/rebound> <http://example.org/p> 1 }"
    response = requests.post(f"{writable.url}/update", data={"update": insert}, timeout=10,
                             headers=evil)
    assert (response.status_code, response.text) == (400, (
        f"this server does not answer as 'evil.example:{port}': start kg serve with "
        "--public-host NAME for each name it is reached by\n"))
    read = requests.get(f"{writable.url}/sparql", params={"query": "ASK {}"}, timeout=10,
                        headers={"Host": f"evil.example:{port}"})
    assert read.status_code == 400
    assert writable.count("SELECT (COUNT(*) AS ?n) { <http://example.org/rebound> ?p ?o }") == "0"
    for host in (f"localhost:{port}", f"LOCALHOST:{port}", f"127.0.0.1:{port}",
                 "kg.example.org"):
        answer = requests.get(f"{writable.url}/sparql", params={"query": "ASK {}"},
                              timeout=10, headers={"Host": host})
        assert answer.status_code == 200, host


def test_public_host_without_updates_is_refused_on_other_names(tmp_path: Path):
    data = tmp_path / "data.ttl"
    data.write_text("<http://example.org/s> <http://example.org/p> 1 .\n")
    s = Server("--data", str(data), "--workers", "1")
    try:
        answer = requests.get(f"{s.url}/", timeout=10, headers={"Host": "evil.example"})
        assert answer.status_code == 400
    finally:
        s.stop()


@pytest.mark.parametrize(("text", "status", "message"), [
    ("LOAD <http://example.org/x>", 403, LOAD_REFUSED),
    ("load silent <http://example.org/x> into graph <http://g>", 403, LOAD_REFUSED),
    ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }", 400, SERVICE_REFUSED),
])
def test_check_update_refuses(text, status, message):
    with pytest.raises(Refused) as refused:
        check_update(text)
    assert (refused.value.status, str(refused.value)) == (status, message)


def test_load_from_an_allowed_prefix_resolves_prefixed_names():
    check_update("PREFIX f: <http://files.example/> LOAD f:a.ttl",
                 load_from=["http://files.example/"])
    with pytest.raises(Refused):
        check_update("PREFIX f: <http://other.example/> LOAD f:a.ttl",
                     load_from=["http://files.example/"])


def test_a_request_that_mentions_service_and_cannot_be_parsed_is_refused():
    with pytest.raises(Refused) as refused:
        check_query("SELECT * WHERE { BIND(" + "(" * 3000 + "1" + ")" * 3000
                    + " AS ?x) SERVICE <http://x/> {} }")
    assert refused.value.status == 400
    assert "nested too deeply" in str(refused.value)
    check_query("SELECT * WHERE { ?s ?p 'no such keyword here' }")  # not parsed at all
