"""The /sparql fast path (`kg.serve.fastpath`) answers exactly as Flask's view does.

Two apps over the seed store, each with its own result cache: one as `create_app` makes it (the
fast path in front), one reached past the fast path (Flask alone). Every request goes to both;
status, headers and body must be identical, and the fast path must have answered exactly the
requests it is meant to (the others it hands to Flask untouched, body included).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import Response
from werkzeug.test import Client

from conftest import BASE
from kg.serve.app import create_app
from kg.serve.config import ServeConfig
from servers import PAPERS

FORM = "application/x-www-form-urlencoded"
JSON = "application/sparql-results+json"
CONSTRUCT = "CONSTRUCT { ?p a schema:ScholarlyArticle } WHERE { ?p a schema:ScholarlyArticle }"

#: (name, body, headers, answered by the fast path)
REQUESTS = [
    ("form", {"query": PAPERS}, {"Accept": JSON}, True),
    ("form, no Accept", {"query": PAPERS}, {}, True),
    ("direct", PAPERS, {"Content-Type": "application/sparql-query", "Accept": "text/csv"}, True),
    ("form, format and default graph",
     {"query": PAPERS, "format": "xml", "default-graph-uri": "urn:nothing"}, {}, True),
    ("construct", {"query": CONSTRUCT}, {"Accept": "text/turtle"}, True),
    ("ask", {"query": "ASK { ?s ?p ?o }"}, {"Accept": "application/sparql-results+xml"}, True),
    ("syntax error", {"query": "SELECT nothing"}, {}, True),
    ("nothing acceptable", {"query": PAPERS}, {"Accept": "image/png"}, True),
    ("volatile", {"query": "SELECT (STRLEN(STR(NOW())) > 0 AS ?now) {}"}, {}, True),
    ("kept the first time", {"query": PAPERS + " # again"}, {}, True),
    ("kept the second time", {"query": PAPERS + " # again"}, {}, True),
    ("SERVICE", {"query": "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }"}, {}, False),
    ("two queries", [("query", PAPERS), ("query", PAPERS)], {}, False),
    ("an update", {"query": PAPERS, "update": "CLEAR ALL"}, {}, False),
    ("latin-1", {"query": PAPERS}, {"Content-Type": f"{FORM}; charset=latin-1"}, False),
    ("another host", {"query": PAPERS}, {"Host": "evil.example"}, False),
    ("too deep", {"query": "SELECT * {" + "{" * 200 + "}" * 200 + "}"}, {}, False),
    ("direct SERVICE", "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }",
     {"Content-Type": "application/sparql-query"}, False),
    ("an unknown format", {"query": PAPERS, "format": "yaml"}, {}, True),
    ("charset named", {"query": PAPERS}, {"Content-Type": f"{FORM}; charset=utf-8"}, True),
    ("not UTF-8 escaped", "query=SELECT%FF", {}, False),
    ("conditional", {"query": PAPERS}, {"If-None-Match": '"x"'}, False),
]


@pytest.fixture()
def clients(store, search_index) -> tuple[Client, Client, object]:
    def app():  # type: ignore[no-untyped-def]
        return create_app(ServeConfig(store=store, base=BASE, build="seed", search=search_index))

    fast, flask_only = app(), app()
    return (fast.test_client(), Client(flask_only.wsgi_app.inner, Response),  # type: ignore[attr-defined]
            fast.wsgi_app)


def _post(client: Client, body: object, headers: dict[str, str], path: str = "/sparql"
          ) -> Response:
    data = body if isinstance(body, str) else urlencode(body)  # type: ignore[arg-type]
    headers = {"Content-Type": FORM, "Host": "127.0.0.1:8000", **headers}
    return client.post(path, data=data.encode("utf-8"), headers=headers)


def test_the_fast_path_answers_as_flask_does(clients):
    fast, flask_only, middleware = clients
    expected = 0
    for name, body, headers, answered_fast in REQUESTS:
        ours, theirs = _post(fast, body, headers), _post(flask_only, body, headers)
        assert (ours.status_code, sorted(ours.headers.items()), ours.data) == (
            theirs.status_code, sorted(theirs.headers.items()), theirs.data), name
        expected += answered_fast
        assert middleware.answered == expected, name


def test_what_the_fast_path_answers(clients):
    fast, _, _ = clients
    answer = _post(fast, {"query": PAPERS}, {"Accept": JSON})
    assert answer.status_code == 200
    assert answer.json["results"]["bindings"][0]["n"]["value"] == "50"
    assert answer.headers["Cache-Status"] == "kg; fwd=miss; stored"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" not in answer.headers  # a POST carries no tag
    again = _post(fast, {"query": PAPERS}, {"Accept": JSON})
    assert (again.headers["Cache-Status"], again.data) == ("kg; hit", answer.data)
    wrong = _post(fast, {"query": "SELECT nothing"}, {})
    assert (wrong.status_code, wrong.headers["Cache-Control"]) == (400, "no-store")
    assert wrong.data.decode().startswith("invalid query: ")


def test_a_query_string_leaves_the_request_to_flask(clients):
    fast, flask_only, middleware = clients
    ours = _post(fast, {"query": PAPERS}, {}, "/sparql?default-graph-uri=urn:nothing")
    theirs = _post(flask_only, {"query": PAPERS}, {}, "/sparql?default-graph-uri=urn:nothing")
    assert (ours.status_code, ours.data) == (theirs.status_code, theirs.data)
    assert middleware.answered == 0


class _FailingStore:
    """A store whose disk has gone: the engine raises what no check foresees."""

    def query(self, *_args: object, **_options: object) -> None:
        raise OSError("Input/output error")


def test_a_fault_is_answered_by_flask_error_handling_on_both_paths():
    def app():  # type: ignore[no-untyped-def]
        return create_app(ServeConfig(store=_FailingStore(), base=BASE,  # type: ignore[arg-type]
                                      build="seed"))

    fast, flask_only = app(), app()
    ours = _post(fast.test_client(), {"query": PAPERS}, {})
    theirs = _post(Client(flask_only.wsgi_app.inner, Response), {"query": PAPERS}, {})
    assert fast.wsgi_app.answered == 1
    assert ours.status_code == 500
    assert (ours.status_code, sorted(ours.headers.items()), ours.data) == (
        theirs.status_code, sorted(theirs.headers.items()), theirs.data)


def test_a_before_request_hook_it_does_not_know_stops_the_fast_path(store):
    from kg.serve.fastpath import FastSparql

    config = ServeConfig(store=store, base=BASE)
    app = create_app(config)
    app.before_request(lambda: None)
    with pytest.raises(RuntimeError, match="teach kg.serve.fastpath the new one"):
        FastSparql(app, config)


def test_negotiation_keeps_only_short_headers_and_known_formats():
    from kg.serve.negotiation import _negotiate_kept, negotiate

    _negotiate_kept.cache_clear()
    assert negotiate("text/csv") == ("text/csv", None)
    assert negotiate("text/turtle", "json") == ("application/sparql-results+json", None)
    assert negotiate("x/" + "y" * 2000) == (None, None)
    assert negotiate(None, "yaml" * 500) == (None, None)
    assert _negotiate_kept.cache_info().currsize == 2
