"""HTTP caching: ETags, `304 Not Modified`, `Cache-Control`, and the /sparql result cache.

A built graph does not change while it is served, so an answer is a function of the build and
the request. For GET and HEAD of the graph's readers (/sparql, pages, saved queries, search,
reconciliation):

- the ETag is a digest of the build's identity (`ServeConfig.build`), the updates applied so
  far, the code that draws the answers (`code_identity`: a server upgraded on the same build
  must not confirm what the old code drew), the URL and the `Accept` header, so it is known
  before any work: a request whose
  `If-None-Match` holds it is answered `304 Not Modified` (werkzeug's `make_conditional`)
  without running the query or rendering the page. As the tag depends on `Accept`, every
  tagged answer says `Vary: Accept`;
- `Cache-Control: public, max-age=N, must-revalidate`: reused for N seconds
  (`ServeConfig.max_age`), then asked again with the tag, and a stale answer is never used
  when the server cannot be asked. With updates allowed the graph may change at any moment:
  `no-cache` (ask every time; the tag still makes that a 304). A graph without an identity (a
  remote store, which may change under us): `no-cache` and no tag.

Error answers (4xx, 5xx) carry `Cache-Control: no-store` and no tag. A POSTed query carries
no tag (HTTP caches do not reuse answers to POST, and werkzeug evaluates `If-None-Match` for
GET and HEAD only) but is answered from the result cache like a GET. Updates are never cached.
An answer a view marks itself (`Cache-Control` already set, as for a query calling NOW() or
RAND()) is left as it is, untagged. The dumps, VoID and assets are files that `kg export` or
a deployment may change while we serve: they keep their own headers.

The result cache keeps whole answers of /sparql, keyed on the whole query job (text, base,
default and named graphs, media types), per app and version of the graph (`kg.serve.memo`):
an update or a new build starts an empty one. It holds at most `result_cache_entries` answers
and `result_cache_bytes` bytes, least recently used dropped first; an answer over `LARGEST`
bytes (and any answer streamed from a worker) is not kept. Its `Cache-Status` header (RFC 9211)
says `kg; hit`, `kg; fwd=miss` (`; stored` when kept) or `kg; fwd=bypass` (not cacheable).
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cachetools import LRUCache
from flask import Flask, Response, g, request

from kg.serve.config import ServeConfig, get_config
from kg.serve.memo import memo
from kg.serve.pool import QueryJob
from kg.serve.scanner import is_volatile

#: blueprints whose GET answers depend on the graph and the request only
CACHEABLE = frozenset({"sparql", "queries", "search", "reconcile", "pages"})
#: the largest answer the result cache keeps, in bytes
LARGEST = 1 << 20
#: what an entry costs besides its body and query text (key, tuple, object headers), bytes
_OVERHEAD = 512
#: `flask.g` attributes: the current request's ETag, and whether its answer may be cached
_TAG, _CACHEABLE = "kg_etag", "kg_cacheable"
_CACHE_STATUS = "Cache-Status"

Run = Callable[[], tuple[str, bytes | Iterator[bytes]]]


def http_caching(app: Flask) -> None:
    """Answer conditional requests and label answers in `app`: registered last, so that the
    app's own checks (the `Host` header) come first."""
    app.before_request(_not_modified)
    app.after_request(label)


def cache_control(config: ServeConfig) -> str:
    """The `Cache-Control` of a successful GET of the graph's readers."""
    if config.build is None or config.allow_update:
        return "no-cache"
    return f"public, max-age={config.max_age}, must-revalidate"


@functools.cache
def code_identity() -> str:
    """A digest of every file of the kg package (modules, templates, scripts, the saved queries
    and the ontology behind its links): ~40 ms, once per process."""
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for root, folders, files in os.walk(package, followlinks=True):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(files):
            path = Path(root, name)
            digest.update(str(path.relative_to(package)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _tag(config: ServeConfig) -> str | None:
    """The ETag of the current request's answer; None when it gets none."""
    if config.build is None:
        return None
    digest = hashlib.blake2b(digest_size=16)
    for part in (config.build, str(config.updates), code_identity(), request.url,
                 request.headers.get("Accept", "")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _not_modified() -> Response | None:
    """`304 Not Modified` when the client holds the answer already; else on to the view."""
    cacheable = request.method in ("GET", "HEAD") and request.blueprint in CACHEABLE
    setattr(g, _CACHEABLE, cacheable)
    if not cacheable:
        return None
    config = get_config()
    tag = _tag(config)
    setattr(g, _TAG, tag)
    # `*` would match whatever exists, and whether the answer exists (not a 404) is not known
    # before the view runs
    if tag is None or not request.if_none_match or request.if_none_match.star_tag:
        return None
    response = Response()
    response.set_etag(tag)
    response.make_conditional(request)
    if response.status_code != 304:
        return None
    response.headers["Cache-Control"] = cache_control(config)
    response.vary.add("Accept")
    return response


def label(response: Response) -> Response:
    """ETag and `Cache-Control` on a successful GET of a reader; `no-store` on errors."""
    if response.status_code >= 400:
        response.headers.pop("ETag", None)
        response.headers.setdefault("Cache-Control", "no-store")
        return response
    if response.status_code != 200 or not g.get(_CACHEABLE) or \
            "Cache-Control" in response.headers:
        return response
    response.headers["Cache-Control"] = cache_control(get_config())
    tag = g.get(_TAG)
    if tag is not None:
        response.set_etag(tag)
        response.vary.add("Accept")
    return response


@dataclass(frozen=True)
class _Entry:
    media: str
    body: bytes
    cost: int


class ResultCache:
    """Whole answers by query job, least recently used dropped first, thread-safe.

    At most `max_bytes` bytes; every entry counts at least `max_bytes // max_entries`, so at
    most `max_entries` are kept however small they are.
    """

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        self._floor = max(1, max_bytes // max(1, max_entries))
        self._entries: LRUCache[QueryJob, _Entry] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: entry.cost)
        self._lock = threading.Lock()

    def get(self, job: QueryJob) -> tuple[str, bytes] | None:
        """(media type, body) kept for `job`, or None."""
        with self._lock:
            entry = self._entries.get(job)
        return None if entry is None else (entry.media, entry.body)

    def put(self, job: QueryJob, media: str, body: bytes) -> bool:
        """Keep the answer unless it is too large; whether it was kept."""
        cost = max(self._floor, len(body) + len(job.text) + _OVERHEAD)
        if len(body) > LARGEST or cost > self._entries.maxsize:
            return False
        with self._lock:
            self._entries[job] = _Entry(media, body, cost)
        return True

    @property
    def size(self) -> tuple[int, int]:
        """(answers, bytes counted) kept now."""
        with self._lock:
            return len(self._entries), int(self._entries.currsize)


def result_cache() -> ResultCache | None:
    """The current app's result cache for the graph served now; None when there is none (a
    graph without an identity, or `result_cache_bytes` 0)."""
    config = get_config()
    if config.build is None or config.result_cache_bytes <= 0:
        return None
    return memo("sparql.results", lambda: ResultCache(config.result_cache_bytes,
                                                      config.result_cache_entries))


def answer(job: QueryJob, run: Run) -> Response:
    """The answer to `job`: kept from before, or `run()` (kept when it may be). Raises what
    `run` raises; a failure is never kept."""
    cache = result_cache()
    # a volatile query is never kept, so a kept answer needs no scan of the text
    kept = cache.get(job) if cache is not None else None
    if kept is not None:
        media, body = kept
        return Response(body, mimetype=media, headers={"Vary": "Accept",
                                                       _CACHE_STATUS: "kg; hit"})
    if is_volatile(job.text):  # NOW(), RAND(), UUID(): a new answer at every run
        media, fresh = run()
        response = Response(fresh, mimetype=media, headers={"Vary": "Accept"})
        response.headers["Cache-Control"] = "no-store"
        if cache is not None:
            response.headers[_CACHE_STATUS] = "kg; fwd=bypass"
        return response
    media, answered = run()
    headers = {"Vary": "Accept"}
    if cache is not None:
        stored = isinstance(answered, bytes) and cache.put(job, media, answered)
        headers[_CACHE_STATUS] = "kg; fwd=miss; stored" if stored else "kg; fwd=miss"
    return Response(answered, mimetype=media, headers=headers)
