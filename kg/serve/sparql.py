"""The SPARQL 1.1 Protocol at /sparql: GET, POST form and POST direct queries.

Results are serialised by pyoxigraph straight from the engine: no per-row Python.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from pyoxigraph import QueryTriples

from kg.errors import QueryError
from kg.serve.negotiation import GRAPHS, RESULTS, choose
from kg.store.query import run_query

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


def _error(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _read_request() -> tuple[str | None, Response | None]:
    """The query text of a protocol request, or the error response it deserves."""
    if request.method == "GET":
        queries = request.args.getlist("query")
        if "update" in request.args:
            return None, _error(405, "updates are not accepted here: use POST to /update")
    else:
        media = request.mimetype
        if media == FORM:
            if "update" in request.form:
                return None, _error(403, "this endpoint answers queries only; updates are refused")
            queries = request.form.getlist("query")
        elif media == QUERY_TYPE:
            try:
                queries = [request.get_data().decode(request.mimetype_params.get("charset",
                                                                                  "utf-8"))]
            except (UnicodeDecodeError, LookupError):
                return None, _error(400, "the query body is not in the declared character set")
        elif media == UPDATE_TYPE:
            return None, _error(403, "this endpoint answers queries only; updates are refused")
        else:
            return None, _error(415, f"unsupported media type {media or '(none)'!r}: send "
                                     f"{FORM} or {QUERY_TYPE}")
    if len(queries) > 1:
        return None, _error(400, "exactly one query parameter is allowed")
    return (queries[0] if queries else None), None


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    config = current_app.extensions["kg"]
    query, problem = _read_request()
    if problem is not None:
        return problem
    if query is None:
        return _error(400, "missing 'query' parameter")
    try:
        result = run_query(config.store, query, config.base or "", union=config.union)
    except QueryError as e:
        return _error(400, str(e))
    table = GRAPHS if isinstance(result, QueryTriples) else RESULTS
    chosen = choose(request.accept_mimetypes, table, request.args.get("format"))
    if chosen is None:
        return _error(406, "none of the accepted media types can carry this result; "
                           f"available: {', '.join(table)}")
    media, fmt = chosen
    body = result.serialize(format=fmt)
    return Response(body, mimetype=media, headers={"Vary": "Accept"})
