"""The Flask application factory: one app per served graph, one blueprint per concern.

- `sparql`: the SPARQL 1.1 Protocol at /sparql (and /update when allowed)
- `queries`: the saved queries of `queries/*.rq` at /queries
- `pages`: the home page, a page for every entity IRI, the ontology
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request

from kg.errors import StoreError, StoreTimeout
from kg.serve import assets, completion, dumps, pages, queries, reconcile, search, sparql
from kg.serve.caching import http_caching
from kg.serve.config import ServeConfig, install
from kg.serve.fastpath import FastSparql
from kg.serve.hosts import host_allowed
from kg.text import visible

__all__ = ["ServeConfig", "create_app"]

log = logging.getLogger(__name__)

#: Pages use only our own scripts and styles; nothing is loaded from other sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def create_app(config: ServeConfig) -> Flask:
    app = Flask(__name__, static_folder="static")
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    # every value a template prints: a NUL or ESC from the data shows as ␀ or ␛, never raw
    app.jinja_env.finalize = lambda value: visible(value) if type(value) is str else value
    install(app.extensions, config)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(sparql.update_bp if config.allow_update else sparql.update_off_bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(reconcile.bp)
    app.register_blueprint(completion.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(assets.bp)

    @app.before_request
    def _known_host() -> Response | None:
        if host_allowed(config.hosts, request.headers.get("Host")):
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

    app.after_request(security_headers)
    http_caching(app)
    app.wsgi_app = FastSparql(app, config)  # type: ignore[method-assign]
    return app


def security_headers(response: Response) -> Response:
    """Every answer: no script, style or frame from elsewhere, no content sniffing."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
