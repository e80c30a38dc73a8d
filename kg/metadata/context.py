"""The JSON-LD `@context` of our graph: what the JSON-LD dump carries inline and the server
publishes at `/context.jsonld` (and pages embed).

It is generated from the vocabulary and the SHACL shapes (never written by hand): a short key
for every term we use, with the datatype or `@id` coercion the shapes declare, so that values
compact to plain strings and numbers.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from rdflib import SH, XSD

from kg.mapping.vocab import KG_TERMS, SCHEMA_TERMS, kg_terms, prefixes, schema
from kg.store.validate import shapes_graph

CONTEXT_PATH = "context.jsonld"
_NATIVE = {XSD.string, XSD.integer, XSD.boolean}


@cache
def context(base: str) -> dict[str, Any]:
    """The @context of our JSON-LD: prefixes plus one short key per term."""
    ctx: dict[str, Any] = dict(sorted(prefixes().items()))
    coercions = _coercions(base)
    kg = kg_terms()
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
