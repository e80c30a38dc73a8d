"""Where reference data comes from: a SPARQL endpoint, or dump files read from disk.

An RDF dump (N-Triples or Turtle, gzip or not) is streamed through pyoxigraph's parser into a
temporary on-disk store, keeping only the predicates the source's queries use; the same SPARQL
then runs on it as on the source's endpoint, so both modes share one code path. Results from an
endpoint are parsed by pyoxigraph (SPARQL 1.1 JSON results); HTTP goes through
`kg.http_client`, as for a remote store.
"""

from __future__ import annotations

import gzip
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol, cast
from urllib.parse import urlsplit

from pyoxigraph import (
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)

from kg.errors import KgError, Problem
from kg.http_client import HttpClient, TooSlow, Unreachable
from kg.store.query import as_records, records

#: progress(task, done, total): called as work advances (total None when unknown)
TaskProgress = Callable[[str, int, int | None], None]
Row = dict[str, object]
_GZIP_MAGIC = b"\x1f\x8b"
_FORMATS = {".nt": RdfFormat.N_TRIPLES, ".ttl": RdfFormat.TURTLE}


def no_progress(_task: str, _done: int, _total: int | None) -> None:
    """The progress callback that shows nothing."""


class Sparql(Protocol):
    """Anything that answers a SELECT query with rows of pyoxigraph terms."""

    def select(self, query: str) -> list[Row]: ...


@contextmanager
def open_dump(path: Path, progress: TaskProgress = no_progress) -> Iterator[IO[bytes]]:
    """The bytes of `path`, gunzipped when it starts like a gzip file, reporting how much of
    the file has been read as `reading <name>`; raises KgError when it cannot be read."""
    try:
        raw = path.open("rb")
    except OSError as e:
        raise KgError(f"{path}: cannot read the dump ({e.strerror or e})") from None
    with raw:
        size = path.stat().st_size
        gzipped = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        inner = cast(IO[bytes], gzip.GzipFile(fileobj=raw)) if gzipped else raw
        task = f"reading {path.name}"
        counted = _Counted(inner, lambda: progress(task, raw.tell(), size))
        try:
            yield io.BufferedReader(counted, 1 << 20)
        except (OSError, EOFError) as e:  # a truncated or corrupt gzip file
            raise KgError(f"{path}: cannot read the dump ({e})") from None
        progress(task, size, size)


def rdf_format(path: Path) -> RdfFormat:
    """N-Triples or Turtle, from the name (`.nt`, `.ttl`, either with `.gz`); raises KgError."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    fmt = _FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise KgError(f"{path}: cannot tell the format of this dump; name it .nt or .ttl "
                      "(optionally .gz)")
    return fmt


def _syntax_problem(path: Path, error: SyntaxError) -> KgError:
    """`file:line: reason (column c)` from pyoxigraph's SyntaxError."""
    message = str(error.msg)
    if message.startswith("Parser error at line") and ": " in message:
        message = message.split(": ", 1)[1]
    where = f" (column {error.offset})" if error.offset else ""
    return KgError(str(Problem(str(path), error.lineno or 0, message + where)))


class _Counted(io.RawIOBase):
    """A byte stream that calls `report` after every read (for the progress bar)."""

    def __init__(self, inner: IO[bytes], report: Callable[[], None]) -> None:
        self._inner, self._report = inner, report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self._report()
        return len(data)


def read_rdf_dump(path: Path, keep: frozenset[NamedNode], progress: TaskProgress,
                  keep_quad: Callable[[Quad], bool] | None = None) -> Iterator[Quad]:
    """The quads of an RDF dump whose predicate is in `keep` (and pass `keep_quad`).

    Raises KgError `file:line: reason` when the dump is not valid N-Triples or Turtle.
    """
    fmt = rdf_format(path)
    with open_dump(path, progress) as stream:
        try:
            for quad in parse(stream, fmt):
                if quad.predicate in keep and (keep_quad is None or keep_quad(quad)):
                    yield quad
        except SyntaxError as e:
            raise _syntax_problem(path, e) from None


class StoreSparql:
    """SPARQL over a pyoxigraph store (a dump loaded aside)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def select(self, query: str) -> list[Row]:
        return records(self.store, query)


@contextmanager
def loaded_dumps(paths: Iterable[Path], keep: frozenset[NamedNode], progress: TaskProgress,
                 keep_quad: Callable[[Quad], bool] | None = None) -> Iterator[StoreSparql]:
    """The kept quads of every dump in a temporary on-disk store, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kg-link-") as scratch:
        store = Store(scratch)
        for path in paths:
            store.bulk_extend(read_rdf_dump(path, keep, progress, keep_quad))
        store.flush()
        sparql = StoreSparql(store)
        try:
            yield sparql
        finally:  # drop every reference, so the store is closed before its folder goes
            sparql.store = Store()
            del store


class EndpointSparql:
    """A SPARQL 1.1 Protocol endpoint, queried by POST; JSON results parsed by pyoxigraph."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise KgError(f"{url!r} is not an http(s) URL of a SPARQL endpoint")
        self.url = url
        self._http = HttpClient(timeout)

    @property
    def timeout(self) -> float:
        """Seconds a query may take to answer."""
        return self._http.timeout

    def select(self, query: str) -> list[Row]:
        """Raises KgError naming the endpoint when it cannot be reached or answers badly."""
        try:
            response = self._http.send(
                "POST", self.url, data={"query": query},
                headers={"Accept": "application/sparql-results+json"})
        except Unreachable as e:
            raise KgError(f"{self.url}: cannot reach the SPARQL endpoint ({e.reason})") from None
        except TooSlow:
            raise KgError(f"{self.url}: cannot reach the SPARQL endpoint (no answer within "
                          f"{self.timeout:g} s)") from None
        if response.status_code >= 400:
            detail = response.content[:300].decode("utf-8", "replace").strip().splitlines()
            raise KgError(f"{self.url}: HTTP {response.status_code} {response.reason}"
                          + (f": {detail[0]}" if detail else ""))
        try:
            result = parse_query_results(response.content, QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as e:
            raise KgError(f"{self.url}: the answer is not SPARQL JSON results ({e})") from None
        if not isinstance(result, QuerySolutions):
            raise KgError(f"{self.url}: expected SELECT results, got a boolean")
        return as_records(result)
