"""A pool of worker processes that answer SPARQL, so one query cannot take the service down.

pyoxigraph cannot cancel a query. Each worker holds its own in-memory copy of the graph; a
query that outlives the timeout gets its worker killed (freeing the core at once) and a fresh
worker started in the background. At most `size` queries run at once and at most `max_queued`
wait, each for at most `queue_wait` seconds: past that the caller gets `Busy` (503), never a
hang. An update, when allowed, is evaluated once, by one worker under the same timeout, which
then writes its whole graph as a snapshot; every other copy (the other workers, replacements,
the store behind the pages) loads that snapshot, so all copies are the same even when the update
made blank nodes or called UUID(), RAND() or NOW().

A worker may also die on its own: killed by the system when memory runs out, or by a query the
engine cannot survive. The query it was answering gets `WorkerDied` (503); a worker found dead
before it was given a query is replaced and the query goes to another, so a death never reaches
the queries after it.

A query may also be given a memory budget: the resident memory its worker may gain over
what it held when it loaded the graph. The server watches a worker whose answer is late and
kills it past the budget (`MemoryLimit`, 503), so one query cannot take the machine's memory:
at 10,000 profiles a counted three-way cross product took the server from 0.4 to 10.7 GB in
its 30 s; with a 2 GB budget it is stopped after 4 s, at 2.3 GB. A worker gives
back what the engine freed after every slow query, or it would stay at its peak.

An answer is serialised in the worker. Up to `PIECE` bytes it comes back in one message; a
larger one is streamed, a piece at a time, while the worker is still writing it: neither the
worker nor the server ever holds a whole large answer (a 1 GB cross product once left a worker
holding 1.1 GB after answering, and the server peaking at 3.35 GB), and the timeout covers the
answer as well as the query.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    parse_query_results,
)

from kg.mapping.vocab import prefixes
from kg.memory import give_back, resident
from kg.search.sparql import functions_in
from kg.serve.negotiation import GRAPHS, RESULTS
from kg.serve.source import GraphSource
from kg.store.files import load_snapshot, write_snapshot
from kg.store.scratch import make_scratch

log = logging.getLogger(__name__)
_CONTEXT = multiprocessing.get_context("spawn")


class Busy(Exception):
    """Every worker is busy and the queue is full or the wait ran out."""


class Timeout(Exception):
    """The query ran past the timeout; its worker was killed."""


class WorkerDied(Exception):
    """The worker answering died (killed by the system, or by a query the engine could not
    survive); it is being replaced."""


class MemoryLimit(Exception):
    """The query's worker grew past its memory budget (`budget` bytes); it was killed and is
    being replaced."""

    def __init__(self, budget: int) -> None:
        super().__init__(budget)
        self.budget = budget


class EngineRefused(Exception):
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
    results_media: str | None
    graph_media: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    #: the search index folder behind `kg:search` (`kg.search.sparql`); None: no search
    search_index: str | None = None


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


#: how often (seconds) the server looks at the memory of a worker whose answer is late; queries
#: answered sooner are never looked at
WATCH = 0.1

#: answers up to this size travel in one message (their status known before a byte is sent);
#: larger ones are streamed in pieces of about this size
PIECE = 1 << 20


def execute_query(store: Any, job: QueryJob) -> tuple[str, bytes]:
    """Run `job` on `store`; returns (media type, body). Also used in-process by tests.

    Raises EngineRefused for a query the engine refuses, NotAcceptable when the chosen media
    types cannot carry the result.
    """
    media, result, fmt = _evaluate(store, job)
    try:
        return media, result.serialize(format=fmt)
    except (SyntaxError, ValueError) as e:
        raise EngineRefused(str(e)) from None


def _evaluate(store: Any, job: QueryJob) -> tuple[str, Any, Any]:
    """(media type, lazy result, serialisation format) of `job`; raises as `execute_query`."""
    options: dict[str, Any] = {"base_iri": job.base}
    if job.graph_prefixes:
        options["prefixes"] = prefixes()
    if job.default_graphs:
        options["default_graph"] = [NamedNode(g) for g in job.default_graphs]
    if job.named_graphs:
        options["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    options["custom_functions"] = functions_in(job.search_index)
    try:
        result = store.query(job.text, **options)
        is_graph = isinstance(result, QueryTriples)
        media = job.graph_media if is_graph else job.results_media
        if media is None:
            raise NotAcceptable(is_graph)
        table = GRAPHS if is_graph else RESULTS
        return media, result, table[media]
    except (SyntaxError, ValueError) as e:
        raise EngineRefused(str(e)) from None


class _Pieces:
    """Where a worker serialises an answer: kept whole up to PIECE bytes, else sent on as
    ("stream", media, first piece), ("piece", None, piece)…, then ("end", None, b"")."""

    def __init__(self, conn: Connection, media: str) -> None:
        self.conn, self.media = conn, media
        self.buffer = bytearray()
        self.streaming = False

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= PIECE:
            self.conn.send(("piece" if self.streaming else "stream", None if self.streaming
                            else self.media, bytes(self.buffer)))
            self.streaming = True
            self.buffer.clear()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes when it is done; pieces go when they are full."""

    def finish(self) -> None:
        if self.streaming:
            if self.buffer:
                self.conn.send(("piece", None, bytes(self.buffer)))
            self.conn.send(("end", None, b""))
        else:
            self.conn.send(("ok", self.media, bytes(self.buffer)))


def _answer_query(conn: Connection, store: Any, job: QueryJob) -> None:
    """Evaluate `job` and send its answer, whole or in pieces. Raises EngineRefused or
    NotAcceptable (and anything else) only while nothing has been sent yet."""
    media, result, fmt = _evaluate(store, job)
    pieces = _Pieces(conn, media)
    try:
        result.serialize(pieces, format=fmt)
    except Exception as e:
        if pieces.streaming:  # the answer has begun: the server cuts it short
            conn.send(("failed", f"{type(e).__name__}: {e}", b""))
            return
        if isinstance(e, SyntaxError | ValueError):
            raise EngineRefused(str(e)) from None
        raise
    pieces.finish()


def execute_update(store: Any, job: UpdateJob) -> None:
    """Raises EngineRefused for an update the engine refuses."""
    options: dict[str, Any] = {"base_iri": job.base}
    if job.graph_prefixes:
        options["prefixes"] = prefixes()
    try:
        store.update(job.text, **options)
    except (SyntaxError, ValueError) as e:
        raise EngineRefused(str(e)) from None


def _serve(conn: Connection, source: GraphSource) -> None:
    """A worker's life: load the graph, then answer jobs until the pipe closes."""
    store = source.load()
    give_back()  # the parser's buffers: `loaded`, the base of the memory budget, is the graph
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            if isinstance(job, UpdateJob):
                execute_update(store, job)
                write_snapshot(store, Path(job.snapshot))
                give_back()
                conn.send(("ok", None, b""))
            elif isinstance(job, ReloadJob):
                store = load_snapshot(Path(job.snapshot))
                give_back()
                conn.send(("ok", None, b""))
            else:
                started = time.monotonic()
                _answer_query(conn, store, job)
                if time.monotonic() - started > WATCH:
                    give_back()  # back near the loaded size, which the budget is counted from
        except EngineRefused as e:
            conn.send(("bad", str(e), b""))
        except NotAcceptable as e:
            conn.send(("unacceptable", e.graph, b""))
        except Exception as e:  # a fault of ours: report, keep serving
            conn.send(("error", f"{type(e).__name__}: {e}", b""))


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    #: resident bytes once the graph was loaded: the base of a query's memory budget (None:
    #: not known, as when it died at once; then it is not watched)
    loaded: int | None = None
    #: when its memory was last looked at (monotonic seconds)
    checked: float = 0.0

    def measure_loaded(self) -> None:
        """Take the base of the memory budget, with the graph just loaded (a dead worker's
        reads 0: not known)."""
        self.loaded = resident(self.process.pid) or None


@dataclass
class QueryPool:
    """`size` workers over `source`, each query bounded by `timeout` seconds."""

    source: GraphSource
    size: int = 2
    timeout: float = 30.0
    max_queued: int = 8
    queue_wait: float = 10.0
    #: resident bytes a query may add to its worker (None: no limit)
    query_memory: int | None = None
    #: last in, first out: the worker that answered last answers next, so that one worker's
    #: caches (RocksDB's block cache, on disk) stay warm while queries come one at a time
    _idle: queue.LifoQueue[_Worker] = field(default_factory=queue.LifoQueue, init=False)
    _waiting: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _update_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)
    _workers: set[_Worker] = field(default_factory=set, init=False)
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
        worker.measure_loaded()

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` and put a fresh one in the pool when it is ready (in the background)."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self._workers.discard(worker)

        def respawn() -> None:
            delay = 1.0
            while not self._closed:
                fresh = None
                try:
                    fresh = self._spawn()
                    self._await_ready(fresh)
                except Exception:  # e.g. out of memory: the pool must not stay short for good
                    if fresh is not None:
                        fresh.process.kill()
                        self._workers.discard(fresh)
                    if self._closed:  # killed by close() while it loaded: nothing went wrong
                        return
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

    def run(self, job: QueryJob) -> tuple[str, bytes | Iterator[bytes]]:
        """(media type, body) of `job`: the body whole, or, for a large answer, an iterator of
        its pieces that holds the worker until it is exhausted or closed.

        Raises Busy, Timeout, MemoryLimit, WorkerDied, EngineRefused or NotAcceptable.
        """
        worker = self._hand_over(job)
        deadline = time.monotonic() + self.timeout
        status, detail, body = self._receive(worker, deadline)
        if status == "stream":
            return detail, self._stream(worker, body, deadline)
        self._idle.put(worker)
        return _answer(status, detail, body)

    def _hand_over(self, job: QueryJob) -> _Worker:
        """A live worker that has been sent `job`. One found dead (killed while idle) is
        replaced and the next one tried: the query has not run, it need not fail."""
        for _ in range(self.size + 1):
            worker = self._acquire()
            # an idle worker has nothing to say: a readable pipe is the EOF of a dead one
            if worker.process.is_alive() and not worker.conn.poll(0):
                try:
                    worker.conn.send(job)
                    worker.checked = time.monotonic()
                    return worker
                except OSError:  # it died just now
                    pass
            log.warning("a query worker had died while idle (exit code %s); replacing it",
                        worker.process.exitcode)
            self._replace(worker)
        raise WorkerDied()

    def _receive(self, worker: _Worker, deadline: float) -> tuple[str, Any, bytes]:
        """The worker's next message; on Timeout, MemoryLimit or WorkerDied the worker is
        replaced."""
        try:
            while (left := deadline - time.monotonic()) > 0:
                ready = worker.conn.poll(min(left, WATCH) if self.query_memory else left)
                # looked at every WATCH seconds, also while an answer streams in piece after
                # piece (a DISTINCT grows as it streams)
                if self.query_memory and time.monotonic() - worker.checked >= WATCH:
                    worker.checked = time.monotonic()
                    if self._over_budget(worker):
                        self._replace(worker)
                        raise MemoryLimit(self.query_memory)
                if ready:
                    message: tuple[str, Any, bytes] = worker.conn.recv()
                    return message
        except (EOFError, OSError):
            log.error("a query worker died while answering (exit code %s); replacing it",
                      worker.process.exitcode if not worker.process.is_alive() else None)
            self._replace(worker)
            raise WorkerDied() from None
        self._replace(worker)
        raise Timeout()

    def _over_budget(self, worker: _Worker) -> bool:
        assert self.query_memory is not None
        if worker.loaded is None:
            return False
        grown = resident(worker.process.pid) - worker.loaded
        if grown <= self.query_memory:
            return False
        log.warning("a query grew its worker by %d MB (budget %d MB); stopping it",
                    grown >> 20, self.query_memory >> 20)
        return True

    def _stream(self, worker: _Worker, first: bytes, deadline: float) -> Iterator[bytes]:
        """The pieces of a large answer. Cut short (the worker killed, the pieces ending in an
        exception so that the client sees a truncated answer, never a complete-looking one)
        when the deadline passes, the worker dies or fails, or the client goes away."""
        finished = False
        try:
            yield first
            while True:
                status, detail, piece = self._receive(worker, deadline)
                if status == "end":
                    finished = True
                    return
                if status != "piece":
                    raise RuntimeError(f"the answer failed while it was being sent: {detail}")
                yield piece
        except Timeout:
            raise RuntimeError(f"the answer ran past the {self.timeout:g} s limit and was cut "
                               "short") from None
        except WorkerDied:
            raise RuntimeError("the query worker died while sending the answer") from None
        except MemoryLimit:
            raise RuntimeError("the answer needed more memory than a query may use and was "
                               "cut short") from None
        finally:
            if finished:
                self._idle.put(worker)
            elif worker in self._workers:  # cut short: it may be mid-piece, start afresh
                self._replace(worker)

    def update(self, job: UpdateJob) -> Path:
        """Evaluate `job` in one worker and bring every worker to its result.

        Returns the snapshot (TriG) of the updated graph, for the caller's own copy. Raises
        EngineRefused, Timeout, MemoryLimit or WorkerDied (nothing changed anywhere), or Busy.
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
                first = held.pop(0)  # its copy may end half-changed: replaced unless it ends
                try:
                    first.conn.send(replace(job, snapshot=str(snapshot)))
                    first.checked = time.monotonic()
                except OSError:
                    self._replace(first)
                    raise WorkerDied() from None
                answer = self._receive(first, time.monotonic() + self.timeout)
                held.insert(0, first)
                _answer(*answer)
                # before any replacement below starts: it must load the updated graph
                previous, self.source = self.source, GraphSource("snapshot", snapshot)
                sent = {}
                for worker in held[1:]:  # they load at once, each in its process
                    try:
                        worker.conn.send(ReloadJob(str(snapshot)))
                        sent[worker] = True
                    except OSError:
                        sent[worker] = False
                for worker in list(held[1:]):
                    try:
                        status, detail, _ = (worker.conn.recv() if sent[worker]
                                             else ("died", "it had died", b""))
                    except (EOFError, OSError):
                        status, detail = "died", "it died"
                    if status != "ok":
                        log.error("a query worker could not load the snapshot: %s", detail)
                        held.remove(worker)
                        self._replace(worker)
                for worker in held:  # each now holds the updated graph
                    worker.measure_loaded()
                if previous.path.parent == self._scratch:
                    previous.path.unlink(missing_ok=True)
                return snapshot
            finally:
                for worker in held:
                    self._idle.put(worker)

    def _next_snapshot(self) -> Path:
        if self._scratch is None:
            self._scratch = make_scratch("updates")
        self._snapshots += 1
        return self._scratch / f"snapshot-{self._snapshots}.trig"

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


#: what `PooledQueries` asks the workers for
_JSON = "application/sparql-results+json"


class PooledQueries:
    """The pool seen as a store that answers SELECT queries (`kg.store.query.solutions`), for
    what the server itself asks of the whole graph: run under the pool's timeout, in a worker,
    never holding the front's threads or memory."""

    def __init__(self, pool: QueryPool, base: str) -> None:
        self.pool, self.base = pool, base

    def query(self, text: str, **_options: Any) -> QuerySolutions:
        """Raises Busy, Timeout, MemoryLimit, WorkerDied or EngineRefused as `QueryPool.run`."""
        media, body = self.pool.run(QueryJob(text=text, base=self.base, graph_prefixes=True,
                                             results_media=_JSON, graph_media=None))
        data = body if isinstance(body, bytes) else b"".join(body)
        result = parse_query_results(data, QueryResultsFormat.JSON)
        assert isinstance(result, QuerySolutions), media
        return result


def _answer(status: str, detail: Any, body: bytes) -> tuple[str, bytes]:
    if status == "ok":
        return detail, body
    if status == "bad":
        raise EngineRefused(detail)
    if status == "unacceptable":
        raise NotAcceptable(detail)
    raise RuntimeError(detail)
