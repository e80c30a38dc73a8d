"""The Flask application factory: one app per served graph, blueprints for each concern."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from pyoxigraph import Store

from kg.serve import sparql


@dataclass
class ServeConfig:
    """What the app serves and how.

    `base` is the graph's base IRI (None for a plain RDF file served with --data); `union`
    makes the default graph the union of all named graphs, as for a built store.
    """

    store: Store
    base: str | None = None
    union: bool = True
    max_body_bytes: int = 1 << 20


def create_app(config: ServeConfig) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["kg"] = config
    app.register_blueprint(sparql.bp)
    return app
