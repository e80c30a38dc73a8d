"""Run the server: load the graph, start the query workers, listen with waitress.

`kg serve` parses options and calls `serve_local` or `serve_remote`; this module holds what
must happen, in order, between a store on disk (or a SPARQL server) and a listening socket.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import waitress
from flask import Flask
from pyoxigraph import RdfFormat

from kg.errors import KgError
from kg.serve.app import ServeConfig, create_app
from kg.serve.pool import QueryPool
from kg.serve.source import Source
from kg.store.remote import RemoteStore

Say = Callable[[str], None]


@dataclass(frozen=True)
class Listen:
    """Where and how the server listens, and what it may do."""

    host: str
    port: int
    timeout: float
    workers: int
    max_queued: int
    dumps: Path
    allow_update: bool
    update_token: str | None


def check(listen: Listen) -> None:
    """Refuse, before loading anything, what must not start. Raises KgError."""
    if listen.update_token and not listen.allow_update:
        raise KgError("--update-token needs --allow-update")
    if listen.allow_update and not listen.update_token and not _is_loopback(listen.host):
        raise KgError(f"refusing to open /update on {listen.host} without --update-token: "
                      "anyone who can reach it could change the graph")
    try:
        with socket.create_server((listen.host, listen.port)):
            pass
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        raise KgError(f"cannot listen on {listen.host}:{listen.port}: {reason}") from None


def serve_local(source: Source, listen: Listen, say: Say) -> None:
    """Serve a built store or an RDF file from memory, queries in worker processes."""
    check(listen)
    base = source.base()
    graph = source.load()
    with tempfile.TemporaryDirectory(prefix="kg-serve-") as scratch:
        # workers (and their replacements) load a private snapshot: neither a rebuild nor an
        # edit of the --data file can make them disagree
        snapshot = Path(scratch) / "snapshot.nq"
        graph.dump(str(snapshot), RdfFormat.N_QUADS)
        say(f"loading {len(graph):,} quads into {listen.workers} query worker(s)…")
        pool = QueryPool(Source("snapshot", snapshot), size=listen.workers,
                         timeout=listen.timeout, max_queued=listen.max_queued).start()
        config = _config(listen, store=graph, base=base, union=source.kind == "store",
                         pool=pool)
        try:
            _listen(create_app(config), listen, say)
        finally:
            pool.close()


def serve_remote(remote: RemoteStore, listen: Listen, say: Say) -> None:
    """Serve pages and forward /sparql to a SPARQL server."""
    check(listen)
    remote.timeout = listen.timeout
    info = remote.read_info()
    say(f"serving the graph of {remote.url}")
    _listen(create_app(_config(listen, store=remote, base=info.base, remote=remote)), listen,
            say)


def _config(listen: Listen, **what: object) -> ServeConfig:
    return ServeConfig(timeout=listen.timeout, allow_update=listen.allow_update,
                       update_token=listen.update_token, dumps_dir=listen.dumps,
                       **what)  # type: ignore[arg-type]


def _listen(app: Flask, listen: Listen, say: Say) -> None:
    where = f"http://{listen.host}:{listen.port}"
    say(f"serving on {where}/ — SPARQL at {where}/sparql"
        + (f", updates at {where}/update" if listen.allow_update else ""))
    waitress.serve(app, host=listen.host, port=listen.port,
                   threads=listen.workers + listen.max_queued + 2, ident="kg", _quiet=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
