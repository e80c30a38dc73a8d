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
]


@pytest.fixture()
def clients(store, search_index) -> tuple[Client, Client, object]:
    def app():  # type: ignore[no-untyped-def]
        return create_app(ServeConfig(store=store, base=BASE, build="seed", search=search_index))

    fast, flask_only = app(), app()
    return (fast.test_client(), Client(flask_only.wsgi_app.inner, Response),  # type: ignore[attr-defined]
            fast.wsgi_app)


def _post(client: Client, body: object, headers: dict[str, str]) -> Response:
    data = body if isinstance(body, str) else urlencode(body)  # type: ignore[arg-type]
    headers = {"Content-Type": FORM, "Host": "127.0.0.1:8000", **headers}
    return client.post("/sparql", data=data.encode("utf-8"), headers=headers)


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
