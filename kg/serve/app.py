"""The Flask application factory: one app per served graph, one blueprint per concern.

- `sparql`: the SPARQL 1.1 Protocol at /sparql (and /update when allowed)
- `queries`: the saved queries of `queries/*.rq` at /queries
- `pages`: the home page, a page for every entity IRI, the ontology
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, request
from pyoxigraph import Store

from kg.config import DEFAULT_LICENSE
from kg.errors import StoreError, StoreTimeout
from kg.search import SearchIndex
from kg.serve import assets, dumps, pages, queries, reconcile, search, sparql
from kg.serve.hosts import LOOPBACK_NAMES, host_name
from kg.serve.pool import QueryPool
from kg.store.remote import RemoteStore
from kg.text import visible

log = logging.getLogger(__name__)

#: Pages use only our own scripts and styles; nothing is loaded from other sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


@dataclass
class ServeConfig:
    """What the app serves and how.

    `base` is the graph's base IRI (None for a plain RDF file served with --data); `union`
    makes the default graph the union of all named graphs (a remote store built before the
    merged default graph; a built store has its merged graph as its default graph).
    """

    store: Store
    base: str | None = None
    union: bool = False
    max_body_bytes: int = 1 << 20
    #: worker processes for /sparql; None runs queries in-process (no timeout: embedding, tests)
    pool: QueryPool | None = None
    timeout: float = 30.0
    allow_update: bool = False
    update_token: str | None = None
    update_lock: threading.Lock = field(default_factory=threading.Lock)
    #: the folder `kg export` wrote, served at /dumps/ (None: no dumps)
    dumps_dir: Path | None = None
    #: a remote SPARQL store: /sparql and /update are forwarded to it (then `store` is it too)
    remote: RemoteStore | None = None
    #: the figures `kg build` counted, for a built store served without updates: counting
    #: again takes a minute at 10,000 profiles, and the first visitor of / would wait for it
    counts: dict[str, int] | None = None
    #: when the served build was made (build.json's built_at): each entity document's
    #: dcterms:modified; None for a graph that may change (updates allowed, a --data file)
    modified: str | None = None
    #: the licence each entity document states (kg export --license for the dumps)
    license: str = DEFAULT_LICENSE
    #: the host names requests may name (`Host`), against DNS rebinding; None accepts any
    hosts: frozenset[str] | None = LOOPBACK_NAMES
    #: IRI prefixes a SPARQL `LOAD` may fetch from; empty refuses every LOAD
    load_from: tuple[str, ...] = ()
    #: the build's full-text index (/search, /reconcile, `kg:search`); None: no search
    search: SearchIndex | None = None


def create_app(config: ServeConfig) -> Flask:
    app = Flask(__name__, static_folder="static")
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    # every value a template prints: a NUL or ESC from the data shows as ␀ or ␛, never raw
    app.jinja_env.finalize = lambda value: visible(value) if type(value) is str else value
    app.extensions["kg"] = config
    app.register_blueprint(sparql.bp)
    app.register_blueprint(sparql.update_bp if config.allow_update else sparql.update_off_bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(reconcile.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(assets.bp)

    @app.before_request
    def _known_host() -> Response | None:
        if config.hosts is None or host_name(request.headers.get("Host")) in config.hosts:
            return None
        return Response(f"this server does not answer as {request.headers.get('Host')!r}: "
                        "start kg serve with --public-host NAME for each name it is reached "
                        "by\n", status=400, mimetype="text/plain")

    @app.errorhandler(StoreError)
    def _store_failed(e: StoreError) -> Response:
        """A remote store that is down or failing: the gateway's answer (502, 504 when it was
        too slow), never a 500, which would blame this server."""
        log.error("a page could not be read from the store: %s", e)
        status = 504 if isinstance(e, StoreTimeout) else 502
        return Response(f"{e}\n", status=status, mimetype="text/plain",
                        headers={"Retry-After": "10"} if status == 502 else {})

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app
