"""JSON-LD dumps with our @context inline, compacted to short keys.

The dump carries its context inline, so that it parses offline to exactly the merged graph (a
context behind a URL would make every reader fetch it, and a dump moved elsewhere would point
at a server that may be gone); the same context is published at `/context.jsonld` for pages
and clients that want to share it.

The context (`kg.metadata.context`) gives a short key to every term we use. pyoxigraph writes
JSON-LD with full IRIs only, so each subject is compacted by rdflib against the context and
written as one node of the document's `@graph`, keeping memory flat.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from typing import IO, Any

from pyoxigraph import Triple
from rdflib import Graph

from kg.metadata.context import context
from kg.store.convert import triple_to_rdflib


def write_jsonld(triples: Iterable[Triple], output: IO[bytes], base: str) -> None:
    """Write `triples` (grouped by subject) as one JSON-LD document with `@graph`."""
    ctx = context(base)
    output.write(b'{"@context": ' + json.dumps(ctx, ensure_ascii=False, sort_keys=True).encode()
                 + b', "@graph": [')
    first = True
    for _subject, group in groupby(triples, key=lambda t: t.subject):
        node = _compact(group, ctx)
        output.write((b"" if first else b",") + b"\n" + json.dumps(
            node, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        first = False
    output.write(b"\n]}\n")


def _compact(triples: Iterable[Triple], ctx: dict[str, Any]) -> dict[str, Any]:
    graph = Graph()
    for triple in triples:
        graph.add(triple_to_rdflib(triple))
    document: dict[str, Any] = json.loads(graph.serialize(
        format="json-ld", context=ctx, auto_compact=True, use_native_types=True))
    document.pop("@context", None)
    for key, value in document.items():
        if isinstance(value, list):
            document[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    return document


