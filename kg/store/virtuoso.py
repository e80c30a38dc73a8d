"""What Virtuoso (7.2) answers differently from the SPARQL 1.1 standards, evened out here.

`kg.store.remote` tells Virtuoso by its `Server` header and uses these: it picks the answer's
media type by the Accept header alone, whatever the query's form (a CONSTRUCT asked for JSON
comes back as rows of ?s ?p ?o), answers ASK with a one-cell table named `__ASK_RETVAL`, and an
`xsd:boolean` as 1 or 0.
"""

from __future__ import annotations

import io
import json
import re

import requests
from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QueryTriples,
    Store,
    parse_query_results,
)

_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_ASK_COLUMN = "__ASK_RETVAL"  # Virtuoso's name for the one cell it answers ASK with
RESULTS = "application/sparql-results+json"
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
#: the empty store `query_form` asks: it never gains a triple, so one serves every call
_EMPTY = Store()


def query_form(text: str) -> type | None:
    """QuerySolutions, QueryBoolean or QueryTriples: what `text` answers with, as pyoxigraph's
    parser reads it (evaluated on an empty store: nothing to match, so it costs no more than
    parsing); None when pyoxigraph cannot parse it (a server's own extension of SPARQL), or
    when it may call a SERVICE: pyoxigraph would call it from here, for anyone's query."""
    if _SERVICE.search(text):
        return None
    try:
        result = _EMPTY.query(text)
    except (SyntaxError, OSError, ValueError):
        return None
    return QueryTriples if isinstance(result, QueryTriples) else type(result)


def even_out(data: bytes) -> bytes:
    """Virtuoso's JSON results as the standard has them: ASK as a boolean, booleans as
    `true`/`false` (it answers 1 and 0). An answer holding neither is returned as it is: no
    per-row work on the common case (the datatype is looked for without its slashes, which
    JSON may escape)."""
    if _ASK_COLUMN.encode() not in data and b"XMLSchema#boolean" not in data:
        return data
    document = json.loads(data)
    variables = document.get("head", {}).get("vars", [])
    rows = document.get("results", {}).get("bindings", [])
    if variables == [_ASK_COLUMN]:
        cell = rows[0].get(_ASK_COLUMN, {}) if rows else {}
        return json.dumps({"head": {}, "boolean": cell.get("value") == "1"}).encode()
    for row in rows:
        for term in row.values():
            if term.get("datatype") == _BOOLEAN and term.get("value") in ("0", "1"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(document).encode()


def _results_format(media: str) -> QueryResultsFormat | None:
    return QueryResultsFormat.from_media_type(media.split(";")[0].strip())


def accept_for(form: type | None, accept: str) -> str:
    """The media types of `accept` that can carry an answer of `form` (all of them when none
    or the form is unknown): offered both, Virtuoso takes the first whatever the form."""
    offered = [m.strip() for m in accept.split(",") if m.strip()]
    kept = [m for m in offered if (_results_format(m) is None) == (form is QueryTriples)]
    return ", ".join(kept) if form is not None and kept else accept


def boolean_answer(response: requests.Response, accept: str) -> requests.Response:
    """Virtuoso's answer to an ASK (asked in JSON) as a standard boolean result in the first
    results format of `accept`; an error is handed back as it came."""
    if response.status_code != 200:
        return response
    result = parse_query_results(even_out(response.content), format=QueryResultsFormat.JSON)
    assert isinstance(result, QueryBoolean)
    media = next((m.split(";")[0].strip() for m in accept.split(",")
                  if _results_format(m) is not None), RESULTS)
    answer = requests.Response()
    answer.status_code = 200
    answer.headers["Content-Type"] = media
    answer.raw = io.BytesIO(result.serialize(format=_results_format(media)) or b"")
    return answer
