"""What the query editor at /sparql completes, as JSON, from the served graph only.

Yasgui's own class and property completers ask lov.linkeddata.es and its prefix list is a
copy of prefix.cc (with `schema:` as http://schema.org/, not the https:// namespace this graph
uses), so the editor would either call another host or suggest terms this graph does not hold.
These endpoints answer what the editor's completers (`static/yasgui-complete.js`) need, from
this server alone:

- `/complete/classes`: every class with an instance in the graph queries see, with how many;
- `/complete/properties`: every property used in it, with how many triples;
- `/complete/prefixes`: the prefixes of `kg.mapping.vocab.PREFIX_SETS`, those whose
  namespace the graph uses first;
- `/complete/entities?q=…`: persons, papers and topics by name, through the search index.

Classes and properties are a fixed set per served build: they are read once (two scans of the
graph) and kept per app and version of the graph (`kg.serve.memo`), so an update through
/update has them read again at the next request.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pyoxigraph import NamedNode

from kg.errors import SearchError
from kg.mapping.vocab import PREFIX_SETS
from kg.search import Hit
from kg.serve.config import get_config
from kg.serve.memo import memo
from kg.store.query import solutions

bp = Blueprint("completion", __name__)

__all__ = ["ENTITY_KINDS", "bp", "known_prefixes", "prefixed"]

#: the kinds of search documents the editor completes by name (key phrases and repositories
#: are not things one writes into a query by IRI)
ENTITY_KINDS = ("person", "paper", "topic")
#: entities per completion: what a hint list shows without scrolling far
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
#: a local name that is safe in a SPARQL prefixed name without escapes (a subset of PN_LOCAL)
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CLASSES = "SELECT ?term (COUNT(*) AS ?n) { ?s a ?term } GROUP BY ?term"
_PROPERTIES = "SELECT ?term (COUNT(*) AS ?n) { ?s ?term ?o } GROUP BY ?term"
_NO_INDEX = ("this graph has no search index, which entity completion needs: serve a store "
             "built by kg build")


def known_prefixes() -> dict[str, str]:
    """Every prefix of PREFIX_SETS, one namespace per name: the `graph` set first (the one
    every query may use undeclared), then the others in order, the first to take a name
    keeping it (`dblp:` is dblp's records, as our links name them, not its schema)."""
    merged: dict[str, str] = {}
    for subset in PREFIX_SETS.values():
        for name, namespace in subset.items():
            merged.setdefault(name, namespace)
    return merged


def prefixed(iri: str, names: dict[str, str]) -> str | None:
    """`schema:name` for an IRI of a namespace of `names` (name → namespace), the longest
    namespace winning; None when no namespace fits or the rest is not a plain local name."""
    best: tuple[int, str] | None = None
    for name, namespace in names.items():
        if iri.startswith(namespace) and _LOCAL.fullmatch(iri[len(namespace):]):
            if best is None or len(namespace) > best[0]:
                best = (len(namespace), f"{name}:{iri[len(namespace):]}")
    return best[1] if best else None


def _terms(query: str) -> list[dict[str, Any]]:
    """The IRIs of `?term` with their counts, most used first (ties by IRI)."""
    config = get_config()
    names = known_prefixes()
    rows = [(row["term"].value, int(row["n"].value))
            for row in solutions(config.store, query, config.base)
            if isinstance(row["term"], NamedNode)]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return [{"iri": iri, "prefixed": prefixed(iri, names), "count": n} for iri, n in rows]


def _vocabulary() -> dict[str, Any]:
    """Classes, properties and prefixes of the served graph (see the module's docstring)."""
    classes, properties = _terms(_CLASSES), _terms(_PROPERTIES)
    names = known_prefixes()
    used = {term["prefixed"].split(":", 1)[0] for term in (*classes, *properties)
            if term["prefixed"]}
    order = sorted(names, key=lambda name: (name not in used, name))
    return {"classes": classes, "properties": properties,
            "prefixes": [{"prefix": name, "namespace": names[name], "used": name in used}
                         for name in order]}


def _kept() -> dict[str, Any]:
    """The vocabulary of the served graph, read once per version of it."""
    return memo("completion.vocabulary", _vocabulary)


@bp.get("/complete/classes")
def classes() -> Response:
    """The classes of the graph, most instances first."""
    return jsonify({"classes": _kept()["classes"]})


@bp.get("/complete/properties")
def properties() -> Response:
    """The properties of the graph, most triples first."""
    return jsonify({"properties": _kept()["properties"]})


@bp.get("/complete/prefixes")
def prefixes() -> Response:
    """The known prefixes, those the graph's classes and properties use first."""
    return jsonify({"prefixes": _kept()["prefixes"]})


@bp.get("/complete/entities")
def entities() -> Response:
    """Persons, papers and topics whose name matches `q` (the last word may be cut short),
    best first; `type` (repeatable) narrows the kinds, `limit` caps the count. A text with no
    word in it completes to nothing (200): the editor asks while one types."""
    index = get_config().search
    if index is None:
        return _refuse(501, _NO_INDEX)
    kinds = request.args.getlist("type") or list(ENTITY_KINDS)
    if any(kind not in ENTITY_KINDS for kind in kinds):
        return _refuse(400, f"type must be one of {', '.join(ENTITY_KINDS)}")
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
    except ValueError:
        return _refuse(400, "limit must be a whole number")
    if not 1 <= limit <= MAX_LIMIT:
        return _refuse(400, f"limit must be from 1 to {MAX_LIMIT}")
    q = request.args.get("q", "")
    try:
        hits = index.best(q, kinds, limit)
    except SearchError:  # no word in it, or longer than a search may be
        hits = []
    return jsonify({"q": q, "results": [_entity(hit) for hit in hits]})


def _entity(hit: Hit) -> dict[str, Any]:
    return {"iri": hit.iri, "name": hit.name, "type": hit.kind,
            "description": _description(hit)}


def _description(hit: Hit) -> str:
    """A line that tells namesakes apart: a person's papers, a paper's year and first
    authors, a topic's code."""
    if hit.kind == "person":
        papers = hit.papers or 0
        return f"person · {papers} paper{'' if papers == 1 else 's'}"
    if hit.kind == "paper":
        authors = ", ".join(hit.people[:2]) + (" et al." if len(hit.people) > 2 else "")
        return " · ".join(str(x) for x in ("paper", hit.year, authors) if x)
    return " · ".join(("topic", *hit.topics))


def _refuse(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response

