"""JSON-LD dumps with our @context inline, compacted to short keys.

The dump carries its context inline, so that it parses offline to exactly the merged graph (a
context behind a URL would make every reader fetch it, and a dump moved elsewhere would point
at a server that may be gone); the same context is published at `/context.jsonld` for pages
and clients that want to share it.

The context is generated from the vocabulary and the SHACL shapes (never written by hand): a
short key for every term we use, with the datatype or `@id` coercion the shapes declare, so
that values compact to plain strings and numbers. pyoxigraph writes JSON-LD with full IRIs
only, so each subject is compacted by rdflib against the context and written as one node of
the document's `@graph`, keeping memory flat.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from itertools import groupby
from typing import IO, Any

from pyoxigraph import Triple
from rdflib import SH, XSD, Graph

from kg.mapping.vocab import KG_TERMS, SCHEMA_TERMS, kg_terms, prefixes, schema
from kg.store.convert import triple_to_rdflib
from kg.store.validate import shapes_graph

CONTEXT_PATH = "context.jsonld"
_NATIVE = {XSD.string, XSD.integer, XSD.boolean}


@cache
def context(base: str) -> dict[str, Any]:
    """The @context of our JSON-LD: prefixes plus one short key per term."""
    ctx: dict[str, Any] = dict(sorted(prefixes(base).items()))
    coercions = _coercions(base)
    kg = kg_terms(base)
    for name in sorted(SCHEMA_TERMS):
        _define(ctx, name, getattr(schema, name).value, coercions)
    for name in sorted(KG_TERMS):
        key = name if name not in ctx else f"kg_{name}"
        _define(ctx, key, getattr(kg, name).value, coercions)
    return ctx


def _define(ctx: dict[str, Any], key: str, iri: str, coercions: dict[str, str]) -> None:
    if key[0].isupper():  # a class: used as a @type value, no coercion
        ctx[key] = iri
    elif iri in coercions:
        ctx[key] = {"@id": iri, "@type": coercions[iri]}
    else:
        ctx[key] = iri


def _coercions(base: str) -> dict[str, str]:
    """Property IRI → datatype IRI or `@id`, as the SHACL shapes declare them."""
    shapes = shapes_graph(base)
    found: dict[str, str] = {}
    for shape in shapes.subjects(SH.path, None):
        path = shapes.value(shape, SH.path)
        datatype = shapes.value(shape, SH.datatype)
        if datatype in _NATIVE:
            continue  # strings, numbers and booleans are written as plain JSON values
        if datatype is not None:
            found[str(path)] = str(datatype)
        elif shapes.value(shape, SH["class"]) is not None or \
                shapes.value(shape, SH.nodeKind) == SH.IRI:
            found[str(path)] = "@id"
    return found


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
    document = json.loads(graph.serialize(format="json-ld", context=ctx, auto_compact=True,
                                             use_native_types=True))
    document.pop("@context", None)
    for key, value in document.items():
        if isinstance(value, list):
            document[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    return document


