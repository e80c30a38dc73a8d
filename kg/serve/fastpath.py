"""The common /sparql request answered without Flask's routing, for throughput.

A POSTed query (a form, or the query as the body) is what SPARQL clients and Yasgui send, and
at a few hundred requests a second Flask's request machinery costs more than answering a light
query: ~0.9 ms a request against ~0.1 ms for the query itself (measured, seed store; the
benchmark's light mix on 2 cores was bound by the front process's one core of Python). So that
one kind of request is recognised from the WSGI environ and answered by the same functions the
Flask view calls — the same checks, job, result cache, failure answers and headers — under an
app context only. Anything else goes to Flask unchanged, body and all: a GET (its ETag is
Flask's), a query string, a conditional or oversized request, an unexpected media type, a
request the protocol or the safety checks refuse (Flask's view words the refusal), another
host. `tests/test_fastpath.py` holds the two paths to byte-identical answers.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response
from werkzeug.exceptions import InternalServerError

from kg.serve import sparql
from kg.serve.caching import answer
from kg.serve.config import ServeConfig
from kg.serve.fetches import Refused, check_query
from kg.serve.hosts import host_name
from kg.serve.negotiation import negotiate
from kg.serve.pool import QueryJob, execute_query
from kg.store.nesting import TooDeep, check_nesting

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: the request bodies the fast path reads: a form, or a query as the body (UTF-8 only)
_FORM = "application/x-www-form-urlencoded"
_BODIES = {_FORM: _FORM, f"{_FORM}; charset=utf-8": _FORM,
           sparql.QUERY_TYPE: sparql.QUERY_TYPE,
           f"{sparql.QUERY_TYPE}; charset=utf-8": sparql.QUERY_TYPE}
#: form fields that make a request one for Flask's view (it refuses an update here)
_NOT_HERE = frozenset({"update"})


class FastSparql:
    """WSGI middleware: POSTed queries to /sparql answered here, everything else by `app`."""

    def __init__(self, app: Flask, config: ServeConfig, finish: Callable[[Response], Response]
                 ) -> None:
        self.app, self.config, self.finish = app, config, finish
        self.inner: WsgiApp = app.wsgi_app
        #: requests answered here (for tests and the curious)
        self.answered = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        job = self._job(environ)
        if job is None:
            return self.inner(environ, start_response)
        self.answered += 1
        config = self.config
        pool, store = config.pool, config.store
        with self.app.app_context():
            try:
                response = answer(job, (lambda: pool.run(job)) if pool is not None
                                  else (lambda: execute_query(store, job)))
            except sparql.FAILURES as e:
                response = sparql.failed(e, "query", config.timeout)
            except Exception as e:  # a fault of ours: logged and answered as Flask would
                self.app.log_exception((type(e), e, e.__traceback__))
                response = InternalServerError(original_exception=e).get_response()
            response = self.finish(response)
        return response(environ, start_response)

    def _job(self, environ: dict[str, Any]) -> QueryJob | None:
        """The query job of a request this path answers; None leaves it to Flask (with its
        body put back when it was read)."""
        config = self.config
        if (environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/sparql"
                or environ.get("QUERY_STRING") or config.remote is not None
                or config.base is None or "HTTP_IF_NONE_MATCH" in environ
                or (config.hosts is not None
                    and host_name(environ.get("HTTP_HOST")) not in config.hosts)):
            return None
        kind = _BODIES.get(environ.get("CONTENT_TYPE", "").lower())
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if kind is None or not 0 < length <= config.max_body_bytes:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if it gets the request
        environ["CONTENT_LENGTH"] = str(len(body))
        try:
            text = body.decode("utf-8") if kind == sparql.QUERY_TYPE else None
            fields = [] if text is not None else parse_qsl(
                body.decode("ascii"), keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            return None
        if text is None:
            texts = [value for key, value in fields if key == "query"]
            if len(texts) != 1 or any(key in _NOT_HERE for key, _ in fields):
                return None
            text = texts[0]
        values: dict[str, str] = {}
        for key, value in fields:  # the first of each, as Flask's MultiDict.get gives
            values.setdefault(key, value)
        try:
            check_nesting(text)
            check_query(text)
        except (TooDeep, Refused):
            return None
        results, graphs = negotiate(environ.get("HTTP_ACCEPT"), values.get("format"))
        return QueryJob(
            text=text,
            base=config.base,
            graph_prefixes=True,
            results_media=results,
            graph_media=graphs,
            default_graphs=tuple(v for k, v in fields if k == "default-graph-uri"),
            named_graphs=tuple(v for k, v in fields if k == "named-graph-uri"),
            search_index=str(config.search.folder) if config.search is not None else None,
        )
