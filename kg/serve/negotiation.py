"""The content-negotiation table of the endpoint, in one place.

Accept headers are parsed by werkzeug (q-values, wildcards); this module only says which media
types each kind of result can take and which one is the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TypeVar

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from kg.formats import GRAPH_FILES, TABLE

#: media type → format, the first being the default for `*/*` or no Accept header
#: a format of one of the tables: RdfFormat or QueryResultsFormat
F = TypeVar("F")

RESULTS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "application/json": QueryResultsFormat.JSON,
    "application/xml": QueryResultsFormat.XML,
}
GRAPHS = {
    # the graph formats first (Turtle the default), then the dataset ones, then aliases
    **{f.media_type: f.rdf_format for f in GRAPH_FILES},
    **{f.media_type: f.rdf_format for f in TABLE if f.quads},
    "text/plain": RdfFormat.N_TRIPLES,
    "application/xml": RdfFormat.RDF_XML,
    "application/json": RdfFormat.JSON_LD,
}
#: `?format=` shortcuts, for links and for clients that cannot set headers
SHORT_NAMES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    **{f.suffix: f.media_type for f in TABLE},
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}


def choose(accept: MIMEAccept, table: Mapping[str, F], fmt: str | None = None
           ) -> tuple[str, F] | None:
    """The best (media type, format) of `table` for `accept`; None when nothing acceptable.

    An explicit `fmt` (a short name or a media type) wins over the Accept header.
    """
    if fmt:
        media = SHORT_NAMES.get(fmt, fmt)
        return (media, table[media]) if media in table else None
    if not accept or not accept.values():
        media = next(iter(table))
        return media, table[media]
    best = accept.best_match(list(table))
    return (best, table[best]) if best else None


#: Accept headers longer than this are negotiated afresh, not kept (a client's own is short)
_KEPT_ACCEPT = 1024


def negotiate(accept: str | None, fmt: str | None = None) -> tuple[str | None, str | None]:
    """(results media type, graph media type) for an `Accept` header and a `?format=`; None
    where nothing acceptable. Kept per header: a client sends the same one every time, and
    matching it against both tables costs more than a light query. Only short headers and
    known formats are kept, so that no client can fill the memory with keys."""
    known = fmt is None or fmt in SHORT_NAMES or fmt in RESULTS or fmt in GRAPHS
    if known and len(accept or "") <= _KEPT_ACCEPT:
        return _negotiate_kept(accept, fmt)
    return _negotiate(accept, fmt)


def _negotiate(accept: str | None, fmt: str | None) -> tuple[str | None, str | None]:
    parsed = parse_accept_header(accept, MIMEAccept)
    results, graphs = choose(parsed, RESULTS, fmt), choose(parsed, GRAPHS, fmt)
    return (results[0] if results else None), (graphs[0] if graphs else None)


_negotiate_kept = lru_cache(maxsize=256)(_negotiate)
