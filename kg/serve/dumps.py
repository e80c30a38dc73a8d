"""Published files: the dumps at /dumps/, VoID at /.well-known/void, the JSON-LD @context."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    send_from_directory,
)
from pyoxigraph import RdfFormat, parse, serialize

from kg.config import VOID_FILE
from kg.formats import of_file
from kg.mapping.vocab import prefix_map
from kg.metadata.context import CONTEXT_PATH, context
from kg.metadata.void import Release, void_description
from kg.serve.config import get_config
from kg.serve.memo import memo
from kg.serve.negotiation import GRAPHS, choose

bp = Blueprint("dumps", __name__, template_folder="templates")


def _files() -> list[dict[str, object]]:
    folder = get_config().dumps_dir
    if folder is None or not folder.is_dir():
        return []
    return [{"name": p.name, "bytes": p.stat().st_size}
            for p in sorted(folder.iterdir()) if p.is_file() and not p.name.endswith(".partial")]


@bp.route("/dumps/")
def listing() -> Response:
    files = _files()
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == \
            "application/json":
        return Response(json.dumps(files), mimetype="application/json")
    return Response(render_template("dumps/list.html", files=files), mimetype="text/html")


@bp.route("/dumps/<name>")
def download(name: str) -> Response:
    folder = get_config().dumps_dir
    if folder is None:
        abort(404)
    known = of_file(name)
    media = known.media_type if known is not None else None
    if name.endswith(".gz"):
        media = "application/gzip"
    return send_from_directory(folder, name, mimetype=media, max_age=0)


@bp.route(f"/{CONTEXT_PATH}")
def jsonld_context() -> Response:
    base = get_config().base or request.url_root
    body = json.dumps({"@context": context(base)}, indent=2)
    return Response(body, mimetype="application/ld+json",
                    headers={"Access-Control-Allow-Origin": "*"})


@bp.route("/.well-known/void")
def void() -> Response:
    """The VoID written with the dumps, or (no export yet) one generated from the graph."""
    config = get_config()
    base = config.base or request.url_root
    written = config.dumps_dir / VOID_FILE if config.dumps_dir is not None else None
    if written is not None and written.is_file():
        # parsed once per version of the file (an export may replace it meanwhile), never
        # loaded into a Store: that would turn xsd:nonNegativeInteger into xsd:integer
        version = (str(written), written.stat().st_mtime_ns)
        description = memo(("void.written", version), lambda: [
            q.triple for q in parse(path=str(written), format=RdfFormat.TURTLE)])
    else:  # counted once per graph: the counts are full-graph aggregates
        now = datetime.now(UTC).isoformat(timespec="seconds")
        description = memo("void.generated", lambda: void_description(
            config.store, Release(base, now, now), []))
    media, fmt = choose(request.accept_mimetypes, GRAPHS) or ("text/turtle", RdfFormat.TURTLE)
    body = serialize(description, format=fmt, prefixes=prefix_map("void"))
    return Response(body, mimetype=media, headers={"Vary": "Accept"})
