"""The SPARQL 1.1 Protocol: queries at /sparql, and updates at /update when allowed.

Request parsing and errors live here; the media types live in `negotiation`; execution (in
worker processes with a timeout, or in-process for an embedded app) lives in `pool`. Results are
serialised by pyoxigraph inside the worker: no per-row Python.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable

from flask import Blueprint, Response, render_template, request
from pyoxigraph import DefaultGraph, RdfFormat
from werkzeug.datastructures import MultiDict

from kg.errors import StoreError, StoreRefused, StoreTimeout
from kg.mapping.vocab import prefixes
from kg.memory import size_text
from kg.serve.caching import answer
from kg.serve.config import ServeConfig, get_config
from kg.serve.fetches import Refused, check_query, check_update
from kg.serve.memo import memo
from kg.serve.negotiation import GRAPHS, RESULTS, choose, negotiate
from kg.serve.pool import (
    Busy,
    EngineRefused,
    MemoryLimit,
    NotAcceptable,
    PooledQueries,
    QueryJob,
    Timeout,
    UpdateJob,
    WorkerDied,
    execute_query,
    execute_update,
)
from kg.serve.scanner import UsingConflict, add_using
from kg.serve.service_description import SD_PREFIXES, graph_sizes, service_description
from kg.store.files import load_snapshot
from kg.store.nesting import TooDeep, check_nesting
from kg.store.query import header
from kg.store.remote import RemoteStore

log = logging.getLogger(__name__)
bp = Blueprint("sparql", __name__, template_folder="templates")
update_bp = Blueprint("update", __name__)
update_off_bp = Blueprint("update_off", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
RETRY_AFTER_SECONDS = "2"
_PLURAL = {"query": "queries", "update": "updates"}


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _text(status: int, message: str, **headers: str) -> Response:
    return Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain",
                    headers=headers)


def _body_text() -> str:
    """The body of a direct POST: the protocol allows UTF-8 only."""
    if not _is_utf8(request.mimetype_params.get("charset")):
        raise ProtocolError(400, "SPARQL requests must be UTF-8 (charset="
                                 f"{request.mimetype_params['charset']} given)")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the request body is not valid UTF-8") from None


def _is_utf8(charset: str | None) -> bool:
    return charset is None or charset.lower() in ("utf-8", "utf8")


#: methods that read the URL's parameters; Flask answers HEAD with GET's headers, no body
_READS = ("GET", "HEAD")


def _params(kind: str) -> tuple[str | None, MultiDict[str, str]]:
    """The operation text (`query` or `update`) of a protocol request and its parameters.

    GET (and HEAD, its headers only) takes everything from the URL; POST form from the body;
    POST direct takes the text from the body and the other parameters from the URL. Raises
    ProtocolError.
    """
    direct = QUERY_TYPE if kind == "query" else UPDATE_TYPE
    other = "update" if kind == "query" else "query"
    if request.method in _READS:
        params = request.args
        texts = params.getlist(kind)
    elif request.mimetype == FORM:
        if not _is_utf8(request.mimetype_params.get("charset")):
            raise ProtocolError(400, "form bodies must be UTF-8")
        params = MultiDict(list(request.args.items(multi=True))
                           + list(request.form.items(multi=True)))
        texts = request.form.getlist(kind)
    elif request.mimetype == direct:
        params = request.args
        texts = [_body_text()]
    elif request.mimetype in (QUERY_TYPE, UPDATE_TYPE):
        raise ProtocolError(400, f"this URL takes SPARQL {_PLURAL[kind]}; send "
                                 f"{_PLURAL[other]} to "
                                 f"{'/update' if kind == 'query' else '/sparql'}")
    else:
        raise ProtocolError(415, f"unsupported media type {request.mimetype or '(none)'!r}: "
                                 f"send {FORM} or {direct}")
    if other in params and kind == "query":
        raise ProtocolError(400, "this endpoint answers queries only; updates are refused")
    if len(texts) > 1:
        raise ProtocolError(400, f"exactly one '{kind}' parameter is allowed, got {len(texts)}")
    return (texts[0] if texts else None), params


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    config = get_config()
    try:
        query, params = _params("query")
    except ProtocolError as e:
        return _text(e.status, str(e))
    if query is None:
        if request.method in _READS and request.accept_mimetypes.best_match(
                ["text/html", "text/turtle"]) == "text/html":
            return _yasgui()
        if request.method in _READS and not params:
            return _description()
        return _text(400, "missing 'query' parameter")
    try:
        check_nesting(query)
        check_query(query)
    except TooDeep as e:
        return _text(400, str(e))
    except Refused as e:
        return _text(e.status, str(e))
    job = query_job(config, query, config.base or request.base_url, request.headers.get("Accept"),
                    params.get("format"), params.getlist("default-graph-uri"),
                    params.getlist("named-graph-uri"))
    if config.remote is not None:
        return _forward(config.remote, job)
    return answer_query(config, job)


def answer_query(config: ServeConfig, job: QueryJob) -> Response:
    """The answer to `job` from the served graph: kept, or run in the pool (in-process when
    there is none), a failure answered as `failed` words it. Flask's view and the fast path
    (`kg.serve.fastpath`) both answer through here."""
    pool, store = config.pool, config.store
    try:
        return answer(job, (lambda: pool.run(job)) if pool is not None
                      else (lambda: execute_query(store, job)))
    except FAILURES as e:
        return failed(e, "query", config.timeout)


def query_job(config: ServeConfig, text: str, base: str, accept: str | None, fmt: str | None,
              default_graphs: Iterable[str], named_graphs: Iterable[str]) -> QueryJob:
    """The job of a query request: its text, the base its IRIs resolve against, the media
    types negotiated from `Accept` and `format`, the dataset it names."""
    results, graphs = negotiate(accept, fmt)
    return QueryJob(
        text=text,
        base=base,
        graph_prefixes=config.base is not None,
        results_media=results,
        graph_media=graphs,
        default_graphs=tuple(default_graphs),
        named_graphs=tuple(named_graphs),
        search_index=str(config.search.folder) if config.search is not None else None,
    )


#: what running a query or an update in the pool can end in, besides an answer
FAILURES = (EngineRefused, NotAcceptable, Timeout, MemoryLimit, Busy, WorkerDied)


def failed(error: Exception, kind: str, timeout: float) -> Response:
    """The answer for a query or update that failed in one of the `FAILURES` ways."""
    if isinstance(error, EngineRefused):
        return _text(400, f"invalid {kind}: {error}")
    if isinstance(error, NotAcceptable):
        table = GRAPHS if error.graph else RESULTS
        return _text(406, "none of the accepted media types can carry this result; "
                          f"available: {', '.join(table)}")
    if isinstance(error, Timeout):
        advice = "narrow it down or add a LIMIT" if kind == "query" else "nothing was changed"
        return _text(504, f"the {kind} ran longer than the {timeout:g} s limit and was "
                          f"stopped; {advice}")
    if isinstance(error, MemoryLimit):
        advice = "nothing was changed" if kind == "update" else "narrow it down"
        return _text(503, f"the {kind} needed more than the {size_text(error.budget)} of "
                          f"memory one may use here and was stopped; {advice}")
    if isinstance(error, Busy):
        return _text(503, "the endpoint is busy; try again shortly",
                     **{"Retry-After": RETRY_AFTER_SECONDS})
    return _died(kind)


def _died(kind: str) -> Response:
    """A worker died under the request (out of memory, or a query the engine could not
    survive): the service is fine and a fresh worker is on its way, so 503, not 500."""
    unchanged = "; nothing was changed" if kind == "update" else ""
    return _text(503, f"the worker running this {kind} died (out of memory, or a crash in the "
                      f"SPARQL engine) and is being replaced{unchanged}. Try again shortly; "
                      "the same request may fail the same way",
                 **{"Retry-After": RETRY_AFTER_SECONDS})


def _head(job: QueryJob | UpdateJob) -> str:
    return header(job.base, prefixes() if job.graph_prefixes else None)


def _forward(remote: RemoteStore, job: QueryJob) -> Response:
    """Hand the query to the remote store and stream its answer back as it comes."""
    accept = ", ".join(m for m in (job.results_media, job.graph_media) if m)
    if not accept:
        return _text(406, "none of the accepted media types can carry a SPARQL result")
    params = [("default-graph-uri", g) for g in job.default_graphs]
    params += [("named-graph-uri", g) for g in job.named_graphs]
    try:
        response = remote.forward_query(_head(job) + job.text, accept,
                                        params)
    except StoreTimeout as e:
        return _text(504, str(e))
    except StoreError as e:
        return _text(502, str(e))
    if response.status_code >= 400:
        text = response.text.strip()
        response.close()
        if response.status_code == 400:
            return _text(400, f"invalid query: {text}")
        return _text(502, f"the SPARQL store at {remote.url} failed: HTTP "
                          f"{response.status_code} {text[:300]}")
    answer = Response(response.iter_content(1 << 16),
                      content_type=response.headers.get("Content-Type"),
                      headers={"Vary": "Accept"})
    answer.call_on_close(response.close)  # also when the client goes away mid-answer
    return answer


def _description() -> Response:
    from kg.serve.queries import saved_queries

    config = get_config()
    # the IRIs VoID names (void:sparqlEndpoint) when the graph has a base; else as reached
    root = (config.base or request.host_url).rstrip("/")
    # full-graph counts: once per version of the graph, by one request while the others wait,
    # in a query worker when there is a pool (bounded by its timeout, off the front's threads)
    counted = (PooledQueries(config.pool, config.base or request.base_url)
               if config.pool is not None else config.store)
    graphs = memo("sparql.graph-sizes", lambda: graph_sizes(
        counted, (g.value for g in config.store.named_graphs())), once=True)
    store = service_description(
        endpoint=f"{root}/sparql",
        update=f"{root}/update" if config.allow_update else None,
        saved=saved_queries().values(),
        queries_url=f"{root}/queries",
        graphs=graphs,
    )
    media, fmt = choose(request.accept_mimetypes, GRAPHS) or ("text/turtle", RdfFormat.TURTLE)
    body = store.dump(format=fmt, from_graph=DefaultGraph(), prefixes=SD_PREFIXES)
    return Response(body, mimetype=media, headers={"Vary": "Accept"})


def _yasgui() -> Response:
    from kg.serve.queries import entries

    return Response(render_template("sparql/yasgui.html", saved=entries()),
                    mimetype="text/html")


@bp.after_request
def cors(response: Response) -> Response:
    """Browsers on other sites may query the endpoint (read-only, no credentials)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@update_off_bp.route("/update", methods=["GET", "POST"])
def update_off() -> Response:
    return _text(404, "updates are off: start kg serve with --allow-update to open /update")


def _cross_site() -> bool:
    """A browser sending another site's form or script (CSRF): refused even on loopback."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    return origin is not None and origin.split("://", 1)[-1] != request.host


@update_bp.route("/update", methods=["GET", "POST"])
def update() -> Response:
    config = get_config()
    if request.method == "GET":
        return _text(405, "updates must be POSTed", Allow="POST")
    if _cross_site():
        return _text(403, "updates from other sites' pages are refused")
    if config.update_token is not None:
        scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                supplied.strip().encode(), config.update_token.encode()):
            return _text(401, "this update endpoint needs 'Authorization: Bearer <token>'",
                         **{"WWW-Authenticate": 'Bearer realm="kg"'})
    try:
        text, params = _params("update")
        if text is None:
            raise ProtocolError(400, "missing 'update' parameter")
        text = add_using(text, params.getlist("using-graph-uri"),
                         params.getlist("using-named-graph-uri"))
    except ProtocolError as e:
        return _text(e.status, str(e))
    except (UsingConflict, ValueError) as e:
        return _text(400, str(e))
    job = UpdateJob(text, config.base or request.base_url, config.base is not None)
    try:
        check_nesting(text, "update")
    except TooDeep as e:
        return _text(400, str(e))
    try:
        check_update(text, config.load_from, job.base,
                     prefixes() if job.graph_prefixes else None)
    except Refused as e:
        return _text(e.status, str(e))
    if config.remote is not None:
        try:
            config.remote.update(_head(job) + job.text)
        except StoreRefused as e:
            return _text(400 if e.status == 400 else 502, str(e))
        except StoreError as e:
            return _text(504 if isinstance(e, StoreTimeout) else 502, str(e))
        config.graph_changed()
        return Response(status=204)
    try:
        with config.update_lock:
            if config.pool is None:  # embedded: one copy, changed in place
                execute_update(config.store, job)
            else:
                config.store = load_snapshot(config.pool.update(job))
            config.graph_changed()  # kept figures, pages and answers are of the old graph
    except FAILURES as e:
        return failed(e, "update", config.timeout)
    return Response(status=204)
