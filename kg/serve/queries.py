"""Saved queries (`queries/*.rq`) at /queries: a page to read them, JSON, and the raw files.

The catalog is read once per app (and version of the graph: `kg.serve.memo`): the files only
change with a redeploy, and a broken file should fail the first request loudly (a 500 with its
name in the log) rather than vanish from the list. The text we show and serve is
`portable_text`, so a query copied from here runs unchanged on any other endpoint holding this
graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)

from kg.config import QUERIES_DIR
from kg.serve.catalog import SavedQuery, load_catalog, portable_text
from kg.serve.config import get_config
from kg.serve.memo import memo

bp = Blueprint("queries", __name__, template_folder="templates")

#: app config key that points the catalog at another folder (tests, deployments)
DIRECTORY_CONFIG = "KG_QUERIES_DIR"
SPARQL_QUERY_TYPE = "application/sparql-query"


def saved_queries() -> dict[str, SavedQuery]:
    """The current app's saved queries by name, loaded on first use.

    Raises KgError (from `load_catalog`) when a file is not a valid saved query.
    """
    directory = Path(current_app.config.get(DIRECTORY_CONFIG, QUERIES_DIR))
    return memo("queries.catalog", lambda: {query.name: query
                                            for query in load_catalog(directory)})


def _text(query: SavedQuery) -> str:
    return portable_text(query.text, get_config().base)


def _entry(query: SavedQuery) -> dict[str, Any]:
    """What the list page and the JSON show of one query; links are root-relative."""
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "form": query.form,
        "query": _text(query),
        "yasgui": url_for("sparql.endpoint", saved=query.name),
        "url": url_for("queries.raw", name=query.name),
    }


def entries() -> list[dict[str, Any]]:
    """Every saved query as the list page, the JSON and Yasgui's page show it."""
    return [_entry(query) for query in saved_queries().values()]


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"],
                                               default="text/html")
    return best == "application/json"


@bp.route("/queries")
def listing() -> Response:
    """HTML for browsers, JSON for `Accept: application/json`."""
    if _wants_json():
        response = listing_json()
    else:
        response = Response(render_template("queries/list.html", queries=entries()))
    response.vary.add("Accept")
    return response


@bp.route("/queries.json")
def listing_json() -> Response:
    return jsonify(entries())


@bp.route("/queries/<name>.rq")
def raw(name: str) -> Response:
    """The query text as a SPARQL query document; 404 for a name we do not have."""
    query = saved_queries().get(name)
    if query is None:
        abort(404)
    return Response(_text(query), content_type=f"{SPARQL_QUERY_TYPE}; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{query.name}.rq"'})
