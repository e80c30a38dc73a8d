"""Full-text search at /search (HTML for browsers, JSON by Accept or `?format=json`), and its
OpenSearch description at /opensearch.xml, so a browser can add the search box as an engine.

Searches are answered by the build's index (`kg.search`): a graph without one (a remote store,
an RDF file served with --data, a store built before search) answers 501, since it is the
server, not the request, that lacks something. A search the index cannot take (no words, too
long, an unknown type) is the client's: 400, with the reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request

from kg.errors import SearchError
from kg.search import SearchIndex, SearchResult
from kg.search.index import KINDS
from kg.serve.config import get_config

bp = Blueprint("search", __name__, template_folder="templates")

#: hits per page
PAGE_SIZE = 20
#: the query parameter of each facet, and the name of the facet in the index
FACETS = {"type": "kind", "year": "year", "topic": "topic"}
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
_NO_INDEX = ("this graph has no search index: search needs a store built by kg build "
             "(not --store URL or --data FILE); rebuild an older store with kg build --full")




def search_index() -> SearchIndex | None:
    """The served graph's index, or None."""
    return get_config().search


def _wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _error(status: int, message: str, as_json: bool) -> Response:
    if as_json:
        response = jsonify({"error": message})
        response.status_code = status
        return response
    body = render_template("search/results.html", q=request.args.get("q", ""), error=message,
                           result=None, filters={}, link=_link)
    return Response(body, status=status, mimetype="text/html")


@bp.get("/search")
def search() -> Response:
    """Ranked hits of `q`, filtered by `type`, `year` and `topic` (each may repeat), a page
    (`page`, from 1) of PAGE_SIZE at a time."""
    as_json = _wants_json()
    index = search_index()
    if index is None:
        return _error(501, _NO_INDEX, as_json)
    q = request.args.get("q", "")
    filters = {name: request.args.getlist(name) for name in FACETS}
    if not q.strip() and not as_json:  # the empty form
        return Response(render_template("search/results.html", q="", error=None, result=None,
                                        filters=filters, link=_link), mimetype="text/html")
    try:
        years = [int(y) for y in filters["year"]]
        page = int(request.args.get("page", "1"))
    except ValueError:
        return _error(400, "year and page must be whole numbers", as_json)
    if not 1 <= page <= 500:
        return _error(400, "page must be from 1 to 500", as_json)
    try:
        result = index.search(q, kinds=filters["type"], years=years, topics=filters["topic"],
                              offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    except SearchError as e:
        return _error(400, str(e), as_json)
    if as_json:
        return jsonify(_json(result, filters, page))
    body = render_template("search/results.html", q=q, error=None, result=result,
                           filters=filters, page=page, pages=_pages(result), link=_link,
                           path=_path, kinds=KINDS)
    return Response(body, mimetype="text/html", headers={"Vary": "Accept"})


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    """The OpenSearch 1.1 description of /search, with absolute URLs (browsers require them)."""
    body = render_template("search/opensearch.xml", root=request.url_root)
    return Response(body, mimetype=OPENSEARCH_TYPE)


def _path(iri: str) -> str:
    """The local page of an IRI of the graph (every hit is one)."""
    base = get_config().base or ""
    return "/" + iri[len(base):] if base and iri.startswith(base) else iri


def _pages(result: SearchResult) -> int:
    return max(1, -(-result.total // PAGE_SIZE))


def _link(q: str, filters: dict[str, list[str]], page: int = 1, toggle: tuple[str, str] |
          None = None) -> str:
    """/search with `q`, `filters` (a facet value switched on or off by `toggle`) and `page`."""
    chosen = {name: list(values) for name, values in filters.items()}
    if toggle is not None:
        name, value = toggle
        values = chosen.setdefault(name, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
    pairs = [("q", q)] + [(name, v) for name, values in chosen.items() for v in values]
    if page > 1:
        pairs.append(("page", str(page)))
    return "/search?" + urlencode(pairs)


def _json(result: SearchResult, filters: dict[str, list[str]], page: int) -> dict[str, Any]:
    return {
        "q": result.text,
        "total": result.total,
        "page": page,
        "pages": _pages(result),
        "pageSize": PAGE_SIZE,
        "filters": {name: values for name, values in filters.items() if values},
        "results": [{**hit.to_json(), "path": _path(hit.iri)} for hit in result.hits],
        "facets": {name: [{"value": value, "count": count}
                          for value, count in result.facets[field]]
                   for name, field in FACETS.items()},
    }
