"""The seed over a real HTTP server: the count a new user asks for first."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

QUERY = ("PREFIX schema: <https://schema.org/>\n"
         "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }")


def _count(response) -> str:
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    return json.load(response)["results"]["bindings"][0]["n"]["value"]


def test_get_returns_50_papers(live_server):
    url = f"{live_server}/sparql?" + urllib.parse.urlencode({"query": QUERY})
    with urllib.request.urlopen(url, timeout=10) as response:
        assert _count(response) == "50"


def test_post_form_and_direct_return_50_papers(live_server):
    form = urllib.request.Request(
        f"{live_server}/sparql", data=urllib.parse.urlencode({"query": QUERY}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(form, timeout=10) as response:
        assert _count(response) == "50"
    direct = urllib.request.Request(f"{live_server}/sparql", data=QUERY.encode(),
                                    headers={"Content-Type": "application/sparql-query"})
    with urllib.request.urlopen(direct, timeout=10) as response:
        assert _count(response) == "50"
