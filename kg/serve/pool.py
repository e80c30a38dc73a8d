"""A pool of worker processes that answer SPARQL, so one query cannot take the service down.

pyoxigraph cannot cancel a query. Each worker holds its own in-memory copy of the graph; a
query that outlives the timeout gets its worker killed (freeing the core at once) and a fresh
worker started in the background. At most `size` queries run at once and at most `max_queued`
wait, each for at most `queue_wait` seconds: past that the caller gets `Busy` (503), never a
hang. An update, when allowed, is evaluated once, by one worker under the same timeout, which
then writes its whole graph as a snapshot; every other copy (the other workers, replacements,
the store behind the pages) loads that snapshot, so all copies are the same even when the update
made blank nodes or called UUID(), RAND() or NOW().
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, QueryTriples, RdfFormat

from kg.mapping.vocab import prefixes
from kg.serve.negotiation import GRAPHS, RESULTS
from kg.serve.source import Source
from kg.store.files import load_snapshot

log = logging.getLogger(__name__)
_CONTEXT = multiprocessing.get_context("spawn")


class Busy(Exception):
    """Every worker is busy and the queue is full or the wait ran out."""


class Timeout(Exception):
    """The query ran past the timeout; its worker was killed."""


class BadRequest(Exception):
    """The engine refused the request (syntax error, bad IRI): the client's fault."""


class NotAcceptable(Exception):
    """No acceptable media type can carry this kind of result."""

    def __init__(self, graph: bool) -> None:
        self.graph = graph


@dataclass(frozen=True)
class QueryJob:
    """A query and how to run and serialise it; sent to a worker as is."""

    text: str
    #: the IRI relative IRIs resolve against
    base: str
    #: predeclare the graph's prefixes (schema:, kg:, …): only for a built graph
    graph_prefixes: bool
    union: bool
    results_media: str | None
    graph_media: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateJob:
    text: str
    base: str
    graph_prefixes: bool = False
    #: where the worker that evaluates the update writes the resulting graph (N-Quads)
    snapshot: str = ""


@dataclass(frozen=True)
class ReloadJob:
    """Replace the worker's graph with a snapshot another worker wrote."""

    snapshot: str


def execute_query(store: Any, job: QueryJob) -> tuple[str, bytes]:
    """Run `job` on `store`; returns (media type, body). Also used in-process by tests.

    Raises BadRequest for a query the engine refuses, NotAcceptable when the chosen media
    types cannot carry the result.
    """
    options: dict[str, Any] = {"base_iri": job.base}
    if job.graph_prefixes:
        options["prefixes"] = prefixes(job.base)
    if job.default_graphs:
        options["default_graph"] = [NamedNode(g) for g in job.default_graphs]
    elif job.union:
        options["use_default_graph_as_union"] = True
    if job.named_graphs:
        options["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.text, **options)
        is_graph = isinstance(result, QueryTriples)
        media = job.graph_media if is_graph else job.results_media
        if media is None:
            raise NotAcceptable(is_graph)
        table = GRAPHS if is_graph else RESULTS
        return media, result.serialize(format=table[media])
    except (SyntaxError, ValueError) as e:
        raise BadRequest(str(e)) from None


def execute_update(store: Any, job: UpdateJob) -> None:
    """Raises BadRequest for an update the engine refuses."""
    options: dict[str, Any] = {"base_iri": job.base}
    if job.graph_prefixes:
        options["prefixes"] = prefixes(job.base)
    try:
        store.update(job.text, **options)
    except (SyntaxError, ValueError) as e:
        raise BadRequest(str(e)) from None


def _serve(conn: Connection, source: Source) -> None:
    """A worker's life: load the graph, then answer jobs until the pipe closes."""
    store = source.load()
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            if isinstance(job, UpdateJob):
                execute_update(store, job)
                store.dump(job.snapshot, RdfFormat.N_QUADS)
                conn.send(("ok", None, b""))
            elif isinstance(job, ReloadJob):
                store = load_snapshot(Path(job.snapshot))
                conn.send(("ok", None, b""))
            else:
                media, body = execute_query(store, job)
                conn.send(("ok", media, body))
        except BadRequest as e:
            conn.send(("bad", str(e), b""))
        except NotAcceptable as e:
            conn.send(("unacceptable", e.graph, b""))
        except Exception as e:  # a fault of ours: report, keep serving
            conn.send(("error", f"{type(e).__name__}: {e}", b""))


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection


@dataclass
class QueryPool:
    """`size` workers over `source`, each query bounded by `timeout` seconds."""

    source: Source
    size: int = 2
    timeout: float = 30.0
    max_queued: int = 8
    queue_wait: float = 10.0
    _idle: queue.Queue = field(default_factory=queue.Queue, init=False)
    _waiting: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _update_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)
    _workers: set = field(default_factory=set, init=False)
    _scratch: Path | None = field(default=None, init=False)
    _snapshots: int = field(default=0, init=False)

    def start(self) -> QueryPool:
        """Start every worker and wait until each has loaded the graph."""
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            self._await_ready(worker)
            self._idle.put(worker)
        return self

    def _spawn(self) -> _Worker:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_serve, args=(child, self.source),
                                   daemon=True, name="kg-query-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._workers.add(worker)
        return worker

    @staticmethod
    def _await_ready(worker: _Worker) -> None:
        try:
            message = worker.conn.recv()
        except EOFError:
            raise RuntimeError("a query worker died while loading the graph") from None
        assert message == ("ready",), message

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` and put a fresh one in the pool when it is ready (in the background)."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self._workers.discard(worker)

        def respawn() -> None:
            delay = 1.0
            while not self._closed:
                try:
                    fresh = self._spawn()
                    self._await_ready(fresh)
                except Exception:  # e.g. out of memory: the pool must not stay short for good
                    log.exception("a query worker failed to start; retrying in %.0f s", delay)
                    time.sleep(delay)
                    delay = min(delay * 2, 60)
                    continue
                self._idle.put(fresh)
                return

        threading.Thread(target=respawn, daemon=True, name="kg-respawn").start()

    def _acquire(self) -> _Worker:
        """An idle worker: at once if there is one, else after a bounded wait in a bounded queue."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._waiting >= self.max_queued:
                raise Busy()
            self._waiting += 1
        try:
            return self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            raise Busy() from None
        finally:
            with self._lock:
                self._waiting -= 1

    def run(self, job: QueryJob) -> tuple[str, bytes]:
        """(media type, body) of `job`; raises Busy, Timeout, BadRequest or NotAcceptable."""
        worker = self._acquire()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                self._replace(worker)
                worker = None
                raise Timeout()
            status, detail, body = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            if worker is not None:
                self._replace(worker)
                worker = None
            raise RuntimeError("a query worker died") from None
        finally:
            if worker is not None:
                self._idle.put(worker)
        return _answer(status, detail, body)

    def update(self, job: UpdateJob) -> Path:
        """Evaluate `job` in one worker and bring every worker to its result.

        Returns the snapshot (N-Quads) of the updated graph, for the caller's own copy. Raises
        BadRequest or Timeout (nothing changed anywhere), or Busy.
        """
        with self._update_lock:
            held = []
            try:
                for _ in range(self.size):
                    held.append(self._idle.get(timeout=self.queue_wait + self.timeout))
            except queue.Empty:
                for worker in held:
                    self._idle.put(worker)
                raise Busy() from None
            try:
                snapshot = self._next_snapshot()
                first = held[0]
                first.conn.send(replace(job, snapshot=str(snapshot)))
                if not first.conn.poll(self.timeout):
                    held.remove(first)
                    self._replace(first)  # its copy may be half-changed: start afresh
                    raise Timeout()
                _answer(*first.conn.recv())
                for worker in held[1:]:
                    worker.conn.send(ReloadJob(str(snapshot)))
                for worker in list(held[1:]):
                    status, detail, _ = worker.conn.recv()
                    if status != "ok":
                        log.error("a query worker could not load the snapshot: %s", detail)
                        held.remove(worker)
                        self._replace(worker)
                previous, self.source = self.source, Source("snapshot", snapshot)
                if previous.path.parent == self._scratch:
                    previous.path.unlink(missing_ok=True)
                return snapshot
            finally:
                for worker in held:
                    self._idle.put(worker)

    def _next_snapshot(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="kg-updates-"))
        self._snapshots += 1
        return self._scratch / f"snapshot-{self._snapshots}.nq"

    def close(self) -> None:
        """Stop every worker, busy or idle."""
        self._closed = True
        for worker in list(self._workers):
            worker.conn.close()
            worker.process.kill()
            worker.process.join(5)
        self._workers.clear()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)


def _answer(status: str, detail: Any, body: bytes) -> tuple[str, bytes]:
    if status == "ok":
        return detail, body
    if status == "bad":
        raise BadRequest(detail)
    if status == "unacceptable":
        raise NotAcceptable(detail)
    raise RuntimeError(detail)
