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
host, a request with `If-None-Match`. A fault of ours is handled by Flask's own error handling.
`tests/test_fastpath.py` holds the two paths to byte-identical answers.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, Response

from kg.serve import sparql
from kg.serve.config import ServeConfig
from kg.serve.fetches import Refused, check_query
from kg.serve.hosts import host_allowed
from kg.serve.pool import QueryJob
from kg.store.nesting import TooDeep, check_nesting

#: the request bodies the fast path reads: a form, or a query as the body (UTF-8 only)
_BODIES = {sparql.FORM: sparql.FORM, f"{sparql.FORM}; charset=utf-8": sparql.FORM,
           sparql.QUERY_TYPE: sparql.QUERY_TYPE,
           f"{sparql.QUERY_TYPE}; charset=utf-8": sparql.QUERY_TYPE}
#: form fields that make a request one for Flask's view (it refuses an update here)
_NOT_HERE = frozenset({"update"})
#: the before-request hooks Flask would run for /sparql, by name, and what stands for them
#: here: the Host check (`host_allowed`) and the conditional GET (nothing to do for a POST)
_BEFORE = ["_known_host", "_not_modified"]


class FastSparql:
    """WSGI middleware: POSTed queries to /sparql answered here, everything else by `app`.

    Made after every hook is registered: the after-request hooks are taken from the app in
    Flask's order, and a before-request hook this path does not stand in for stops it at
    once (so a hook added later cannot be skipped unnoticed).
    """

    def __init__(self, app: Flask, config: ServeConfig) -> None:
        before = [f.__name__ for f in app.before_request_funcs.get(None, [])
                  + app.before_request_funcs.get(sparql.bp.name, [])]
        if before != _BEFORE:
            raise RuntimeError(f"the /sparql fast path stands in for the hooks {_BEFORE}, "
                               f"but the app has {before}: teach kg.serve.fastpath the new one")
        self.app, self.config = app, config
        self.inner: WSGIApplication = app.wsgi_app
        self._after: list[Callable[[Response], Response]] = [
            *reversed(app.after_request_funcs.get(sparql.bp.name, [])),
            *reversed(app.after_request_funcs.get(None, []))]
        #: requests answered here (for tests and the curious; not counted atomically)
        self.answered = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        try:
            job = self._job(environ)
        except Exception:  # whatever this path did not foresee, Flask's view words
            job = None
        if job is None:
            return self.inner(environ, start_response)
        self.answered += 1
        with self.app.app_context():
            try:
                response = sparql.answer_query(self.config, job)
            except Exception as e:  # a fault of ours: Flask's own handling, as in its view
                return self._fault(e, environ)(environ, start_response)
            for hook in self._after:
                response = hook(response)
        return response(environ, start_response)

    def _fault(self, error: Exception, environ: WSGIEnvironment) -> Response:
        """What Flask answers when its view raises `error`: a registered handler's answer, or
        the error logged and a 500, its after-request hooks applied."""
        with self.app.request_context(environ):
            try:
                try:
                    raise error
                except Exception as e:
                    handled = self.app.handle_user_exception(e)
            except Exception as unhandled:
                return self.app.handle_exception(unhandled)
            return self.app.finalize_request(handled)

    def _job(self, environ: WSGIEnvironment) -> QueryJob | None:
        """The query job of a request this path answers; None leaves it to Flask (with its
        body put back when it was read)."""
        config = self.config
        if (environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/sparql"
                or environ.get("QUERY_STRING") or config.remote is not None
                or not config.base or "HTTP_IF_NONE_MATCH" in environ
                or not host_allowed(config.hosts, environ.get("HTTP_HOST"))):
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
        try:
            check_nesting(text)
            check_query(text)
        except (TooDeep, Refused):
            return None
        fmt = next((value for key, value in fields if key == "format"), None)
        return sparql.query_job(config, text, config.base, environ.get("HTTP_ACCEPT"), fmt,
                                (v for k, v in fields if k == "default-graph-uri"),
                                (v for k, v in fields if k == "named-graph-uri"))
