"""Run the server: load the graph, start the query workers, listen with waitress.

`kg serve` parses options and calls `serve_local` or `serve_remote`; this module holds what
must happen, in order, between a store on disk (or a SPARQL server) and a listening socket.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from pyoxigraph import Store

from kg.errors import KgError
from kg.memory import size_text
from kg.search import SearchIndex, open_index
from kg.serve import http
from kg.serve.app import ServeConfig, create_app
from kg.serve.hosts import is_loopback, trusted_hosts
from kg.serve.pool import QueryPool
from kg.serve.source import GraphSource
from kg.store.files import load_snapshot, write_snapshot
from kg.store.local import open_read_only, read_info
from kg.store.remote import RemoteStore
from kg.store.scratch import scratch_folder
from kg.store.swap import copy_index, frozen_copy

#: what a quad costs in a pyoxigraph in-memory store with its indexes (measured: ~320 B)
BYTES_PER_QUAD_IN_MEMORY = 350

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
    #: "memory" (a copy of the graph per worker), "disk" (read where it lies) or "auto"
    mode: str = "auto"
    #: names the server is reached by besides loopback and `host` (`Host` is checked)
    public_hosts: tuple[str, ...] = ()
    #: IRI prefixes SPARQL `LOAD` may fetch from (none: LOAD is refused)
    load_from: tuple[str, ...] = ()
    #: seconds a request may take to arrive, from its first byte (slowloris)
    request_timeout: float = 20.0
    #: open connections kept at once
    max_connections: int = 1000
    #: resident bytes a query may add to its worker (None: no limit)
    query_memory: int | None = None


def check(listen: Listen) -> None:
    """Refuse, before loading anything, what must not start. Raises KgError."""
    if listen.update_token and not listen.allow_update:
        raise KgError("--update-token needs --allow-update")
    if listen.load_from and not listen.allow_update:
        raise KgError("--allow-load-from needs --allow-update")
    if listen.allow_update and not listen.update_token and not is_loopback(listen.host):
        raise KgError(f"refusing to open /update on {listen.host} without --update-token: "
                      "anyone who can reach it could change the graph")
    try:
        with socket.create_server((listen.host, listen.port)):
            pass
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        raise KgError(f"cannot listen on {listen.host}:{listen.port}: {reason}") from None


def serve_local(source: GraphSource, listen: Listen, say: Say) -> None:
    """Serve a built store or an RDF file, queries in worker processes.

    The graph is held in memory, a copy per worker, unless `listen.mode` (or, on "auto", its
    size) says to read it from disk.
    """
    check(listen)
    build = source.identity()  # of the build as named: a frozen copy has a name of its own
    if source.kind == "store" and reads_from_disk(source.path, listen, say):
        with ExitStack() as stack:
            try:
                path = stack.enter_context(frozen_copy(source.path))
            except OSError as e:
                say(f"cannot copy the store beside it ({e.strerror or e}): serving it in "
                    "place, so a rebuild meanwhile may fail queries until the server restarts")
                path = source.path
            _serve_from_disk(GraphSource("disk", path), listen, say, build)
        return
    base = source.base()
    with scratch_folder("serve") as scratch, ExitStack() as stack:
        # workers (and their replacements) load a private snapshot: neither a rebuild nor an
        # edit of the --data file can make them disagree
        snapshot = Path(scratch) / "snapshot.trig"
        pages = _pages_on_disk(source, listen, stack)
        own_copy, quads = _snapshot(source if pages is None else pages, snapshot,
                                    keep_copy=pages is None)
        say(f"loading {quads:,} quads into {listen.workers} query worker(s)…")
        pool = QueryPool(GraphSource("snapshot", snapshot), size=listen.workers,
                         timeout=listen.timeout, max_queued=listen.max_queued,
                         query_memory=listen.query_memory).start()
        try:
            config = _config(listen, store=own_copy(), base=base,
                             pool=pool, counts=_counts(source, listen),
                             modified=_modified(source, listen), build=build,
                             search=_search_index(source, say, Path(scratch)))
            _listen(create_app(config), listen, say)
        finally:
            pool.close()


def _pages_on_disk(source: GraphSource, listen: Listen, stack: ExitStack) -> GraphSource | None:
    """A frozen copy of the built store (`kg.store.swap.frozen_copy`, hard links) for the
    server's own reads (pages, completion, the service description) beside the workers'
    in-memory copies, or None where the server needs a copy in memory: a plain RDF file, a
    graph open to updates, a folder it cannot write beside.

    The pages are look-ups, as fast from RocksDB as from memory; a third in-memory copy made
    the start a third longer and took a third of the memory (1,000 profiles: ~3 GB, 40 s).
    """
    if source.kind != "store" or listen.allow_update:
        return None
    try:
        return GraphSource("disk", stack.enter_context(frozen_copy(source.path)))
    except OSError:
        return None  # loaded into memory, as before: nothing to tell


def _snapshot(source: GraphSource, snapshot: Path, keep_copy: bool = True
              ) -> tuple[Callable[[], Store], int]:
    """Write the graph of `source` to `snapshot` (`write_snapshot`) for the workers; returns
    what gives the server's own store, and the number of quads.

    A built store is read out of RocksDB once (90 s of a 230 s start at 1,000 profiles); where
    the server keeps a copy in memory (`keep_copy`), it loads the same snapshot in a thread
    while the workers load theirs, instead of loading its copy first and writing the snapshot
    from it after; otherwise its store is the one on disk, read-only.
    """
    if source.kind not in ("store", "disk"):
        graph = source.load()
        write_snapshot(graph, snapshot)
        return (lambda: graph), len(graph)
    disk, info = open_read_only(source.path)
    write_snapshot(disk, snapshot)
    if not keep_copy:
        pages = disk
        return (lambda: pages), info.counts.get("quads", 0)
    del disk
    loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-load-copy")
    copy = loader.submit(load_snapshot, snapshot)
    loader.shutdown(wait=False)  # the thread ends when the copy is loaded
    return copy.result, info.counts.get("quads", 0)


def reads_from_disk(build: Path, listen: Listen, say: Say) -> bool:
    """Whether to serve `build` from disk: asked for, or on "auto" when a copy per worker (and,
    with updates allowed, one for the pages) would take more than half the memory available
    now."""
    quads = read_info(build).counts.get("quads", 0)  # also: "no store here" comes first
    if listen.mode != "auto":
        on_disk = listen.mode == "disk"
    else:
        copies = listen.workers + (1 if listen.allow_update else 0)
        needed = quads * BYTES_PER_QUAD_IN_MEMORY * copies
        available = _available_memory()
        on_disk = available is not None and needed > available // 2
        if on_disk and available is not None:
            say(f"serving from disk: {copies} in-memory copies of {quads:,} quads "
                f"would take ~{size_text(needed)} of the {size_text(available)} available "
                "(--mode memory to insist)")
    if on_disk and listen.allow_update:
        raise KgError("--allow-update needs the graph in memory (--mode memory): a graph "
                      "served from disk is read-only")
    return on_disk


def _serve_from_disk(source: GraphSource, listen: Listen, say: Say, build: str | None) -> None:
    say(f"opening the store read-only in {listen.workers} query worker(s)…")
    pool = QueryPool(source, size=listen.workers, timeout=listen.timeout,
                     max_queued=listen.max_queued, query_memory=listen.query_memory).start()
    config = _config(listen, store=source.load(), base=source.base(), pool=pool,
                     counts=_counts(source, listen), modified=_modified(source, listen),
                     build=build, search=_search_index(source, say))
    try:
        _listen(create_app(config), listen, say)
    finally:
        pool.close()


def _search_index(source: GraphSource, say: Say, scratch: Path | None = None) -> SearchIndex | None:
    """The store's search index, read from `scratch` when given (a copy there, as hard links:
    a rebuild removes the build it replaces, index included, while this server lives)."""
    if source.kind not in ("store", "disk"):
        return None
    build = source.path.resolve()
    if scratch is not None:
        copy_index(build, scratch)
        build = scratch
    index = open_index(build)
    if index is None:
        say("this store has no search index (built before search existed): /search and "
            "/reconcile answer 501 until it is rebuilt with kg build --full")
    return index


def _counts(source: GraphSource, listen: Listen) -> dict[str, int] | None:
    """The build's own figures, while nothing can change the graph they describe."""
    if source.kind in ("store", "disk") and not listen.allow_update:
        return read_info(source.path).counts or None
    return None


def _modified(source: GraphSource, listen: Listen) -> str | None:
    """When the served build was made, while nothing can change it."""
    if source.kind in ("store", "disk") and not listen.allow_update:
        return read_info(source.path).built_at
    return None


def _available_memory() -> int | None:
    """Bytes of memory available to new work (Linux's MemAvailable); None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def serve_remote(remote: RemoteStore, listen: Listen, say: Say) -> None:
    """Serve pages and forward /sparql to a SPARQL server."""
    check(listen)
    remote.timeout = listen.timeout
    info = remote.read_info()
    say(f"serving the graph of {remote.url}")
    _listen(create_app(_config(listen, store=remote, base=info.base, remote=remote,
                               modified=info.built_at)), listen, say)


def _config(listen: Listen, **what: object) -> ServeConfig:
    base = what.get("base")
    return ServeConfig(timeout=listen.timeout, allow_update=listen.allow_update,
                       update_token=listen.update_token, dumps_dir=listen.dumps,
                       hosts=trusted_hosts(listen.host, listen.public_hosts,
                                           base if isinstance(base, str) else None),
                       load_from=listen.load_from, **what)  # type: ignore[arg-type]


def _listen(app: Flask, listen: Listen, say: Say) -> None:
    where = f"http://{listen.host}:{listen.port}"
    say(f"serving on {where}/ — SPARQL at {where}/sparql"
        + (f", updates at {where}/update" if listen.allow_update else ""))
    http.serve(app, listen.host, listen.port, threads=listen.workers + listen.max_queued + 2,
               request_timeout=listen.request_timeout, max_connections=listen.max_connections)


