"""What one served graph is and how it is served, and how a request's code reaches it.

The application factory stores a `ServeConfig` in the app; blueprints read it through
`get_config()`, in the manner of the Flask tutorial's `get_db`, rather than importing the app
module (which imports them).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from pyoxigraph import Store

from kg.config import DEFAULT_LICENSE
from kg.search import SearchIndex
from kg.serve.hosts import LOOPBACK_NAMES
from kg.serve.pool import QueryPool
from kg.store.remote import RemoteStore

_KEY = "kg"


@dataclass
class ServeConfig:
    """What the app serves and how.

    `base` is the graph's base IRI (None for a plain RDF file served with --data). Queries see
    the store's default graph: for a built store, the merged graph (`kg.store.merge`).
    """

    store: Store
    base: str | None = None
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
    #: what identifies the served graph in ETags (`kg.serve.caching`): drawn from build.json
    #: for a built store, from the file for --data; None (a remote store, whose graph may
    #: change under us, or an embedded app) sends no ETags and keeps no query results
    build: str | None = None
    #: seconds a client or proxy may reuse a page or query result without asking again
    #: (`Cache-Control: max-age`); with updates allowed it must ask every time (`no-cache`)
    max_age: int = 300
    #: the /sparql result cache: at most this many bytes (0: no cache) and this many answers
    result_cache_bytes: int = 64 << 20
    result_cache_entries: int = 1024
    #: updates this server applied: part of the graph's version (`version`)
    updates: int = 0

    def version(self) -> Hashable:
        """What changes whenever the served graph may have: values derived from the graph are
        kept per version (`kg.serve.memo`)."""
        return self.build, self.updates

    def graph_changed(self) -> None:
        """An update changed the graph: every value kept for the old graph is dropped at its
        next look-up, and ETags change. Called after the new graph is in place (see
        `Memo.get`). The new build identity is random, so two servers of one build that
        applied different updates never share an ETag."""
        self.updates += 1
        if self.build is not None:
            self.build = secrets.token_hex(8)


def get_config() -> ServeConfig:
    """The configuration of the app handling the current request."""
    config: ServeConfig = current_app.extensions[_KEY]
    return config


def install(app_extensions: dict, config: ServeConfig) -> None:  # type: ignore[type-arg]
    """Make `config` the one `get_config()` returns in the app owning `app_extensions`."""
    app_extensions[_KEY] = config
