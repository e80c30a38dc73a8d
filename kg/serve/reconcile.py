"""The W3C Reconciliation Service API (version 0.2) at /reconcile, so that OpenRefine and other
clients can match lists of names and titles against the graph's persons and papers.

- `GET /reconcile`: the service manifest;
- `GET|POST /reconcile?queries={…}`: a batch of reconciliation queries, each with an optional
  type, limit and properties (`schema:author` and `schema:datePublished` for papers,
  `schema:knowsAbout` for persons);
- `GET /reconcile/preview?id=…`: a small HTML card of an entity;
- `GET /reconcile/suggest/{entity,type,property}?prefix=…`: completions.

Identifiers are the entities' IRIs relative to the graph's base (`person/guoying-zhao-…`), so
`view` leads to their pages. Candidates come from the search index (ranked by tantivy); each
is scored 0–100 by how close its name is to the query (rapidfuzz on folded names) and how
many given properties it agrees with. A candidate is a `match` when its name is the query's,
letter for letter once case and accents are folded, every given property agrees, and no other
candidate is as good: OpenRefine then accepts it without asking.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, render_template, request
from rapidfuzz import fuzz
from unidecode import unidecode

from kg.errors import SearchError
from kg.mapping.vocab import SCHEMA
from kg.search import Hit, SearchIndex
from kg.serve.config import ServeConfig, get_config

bp = Blueprint("reconcile", __name__, template_folder="templates")

#: the types a query may name: id → (kind in the index, name)
TYPES = {SCHEMA + "Person": ("person", "Person"),
         SCHEMA + "ScholarlyArticle": ("paper", "Scholarly article")}
#: the properties a query may give: id → (name, description)
PROPERTIES = {
    SCHEMA + "author": ("author", "an author of the paper: a name, or a reconciled person id"),
    SCHEMA + "datePublished": ("year", "the year the paper appeared"),
    SCHEMA + "knowsAbout": ("topic", "an arXiv category the person works in, e.g. cs.CV"),
}
#: queries one batch may hold, and candidates one query may ask for
MAX_QUERIES = 100
MAX_LIMIT = 25
DEFAULT_LIMIT = 5
#: candidates read from the index per query, before scoring
_CANDIDATES = 20


class _BadQuery(Exception):
    pass


def _index() -> SearchIndex | None:
    config: ServeConfig = get_config()
    return config.search


def _base() -> str:
    return get_config().base or request.url_root


def _json(value: object, status: int = 200) -> Response:
    """JSON with CORS open: OpenRefine and web clients call from other origins."""
    return Response(json.dumps(value, ensure_ascii=False), status=status,
                    mimetype="application/json",
                    headers={"Access-Control-Allow-Origin": "*"})


def _refuse(status: int, message: str) -> Response:
    return _json({"error": message}, status)


@bp.route("/reconcile", methods=["GET", "POST"])
def reconcile() -> Response:
    """The manifest, or the results of the batch in `queries`."""
    index = _index()
    if index is None:
        return _refuse(501, "this graph has no search index, which reconciliation needs: "
                            "serve a store built by kg build")
    text = request.values.get("queries")
    if text is None:
        return _json(_manifest())
    try:
        batch = json.loads(text)
        _check(batch)
        return _json({key: {"result": _candidates(index, query)}
                      for key, query in batch.items()})
    except (ValueError, _BadQuery) as e:  # json.JSONDecodeError is a ValueError
        return _refuse(400, f"bad reconciliation queries: {e}")


def _manifest() -> dict[str, Any]:
    base, root = _base(), request.url_root
    return {
        "versions": ["0.2"],
        "name": "scholarkg: persons and papers",
        "identifierSpace": base,
        "schemaSpace": SCHEMA,
        "defaultTypes": [{"id": iri, "name": name} for iri, (_, name) in TYPES.items()],
        "view": {"url": base + "{{id}}"},
        "preview": {"url": root + "reconcile/preview?id={{id}}", "width": 430, "height": 130},
        "suggest": {
            "entity": {"service_url": root.rstrip("/"),
                       "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": root.rstrip("/"), "service_path": "/reconcile/suggest/type"},
            "property": {"service_url": root.rstrip("/"),
                         "service_path": "/reconcile/suggest/property"},
        },
    }


def _check(batch: object) -> None:
    """Raise _BadQuery unless `batch` is a batch the service can answer."""
    if not isinstance(batch, dict) or not batch:
        raise _BadQuery("expected a JSON object of queries")
    if len(batch) > MAX_QUERIES:
        raise _BadQuery(f"at most {MAX_QUERIES} queries per batch")
    for key, query in batch.items():
        if not isinstance(query, dict) or not isinstance(query.get("query"), str):
            raise _BadQuery(f"{key}: each query needs a 'query' string")
        limit = query.get("limit", DEFAULT_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise _BadQuery(f"{key}: limit must be a whole number from 1 to {MAX_LIMIT}")
        types = query.get("type", [])
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or any(t not in TYPES for t in types):
            raise _BadQuery(f"{key}: type must be one of {', '.join(TYPES)}")
        properties = query.get("properties", [])
        if not isinstance(properties, list) or any(
                not isinstance(p, dict) or p.get("pid") not in PROPERTIES or "v" not in p
                for p in properties):
            raise _BadQuery(f"{key}: properties must be pid/v pairs with pid one of "
                            f"{', '.join(PROPERTIES)}")


def _kinds(query: dict[str, Any]) -> list[str]:
    types = query.get("type") or list(TYPES)
    return [TYPES[t][0] for t in ([types] if isinstance(types, str) else types)]


def _fold(text: str) -> str:
    return " ".join(unidecode(text).casefold().split())


def _candidates(index: SearchIndex, query: dict[str, Any]) -> list[dict[str, Any]]:
    """The scored candidates of one query, best first."""
    text = query["query"]
    try:
        hits = index.best(text, _kinds(query), _CANDIDATES)
    except SearchError:  # no word in it, or too long: nothing can match
        return []
    wanted = _fold(text)
    properties = query.get("properties", [])
    scored = []
    for hit in hits:
        similarity = fuzz.token_sort_ratio(wanted, _fold(hit.name)) / 100
        agreed = [_agrees(hit, p["pid"], p["v"]) for p in properties]
        share = sum(agreed) / len(agreed) if agreed else 1.0
        score = round(100 * similarity * (0.7 + 0.3 * share), 2)
        exact = _fold(hit.name) == wanted and all(agreed)
        features = [{"id": "name", "value": similarity}] + [
            {"id": PROPERTIES[p["pid"]][0], "value": ok} for p, ok in zip(properties, agreed,
                                                                          strict=True)]
        scored.append((score, exact, hit, features))
    scored.sort(key=lambda s: (-s[0], s[2].name, s[2].iri))
    exact_count = sum(1 for _, exact, _, _ in scored if exact)
    return [_candidate(hit, score, exact and exact_count == 1 and position == 0, features)
            for position, (score, exact, hit, features)
            in enumerate(scored[:query.get("limit", DEFAULT_LIMIT)])]


def _agrees(hit: Hit, pid: str, value: object) -> bool:
    """Whether `hit` has `value` (or one of a list of values) for the property `pid`."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, dict):
            v = v.get("name") or _name_of(v.get("id", ""))
        v = str(v)
        if pid == SCHEMA + "author" and any(_fold(v) == _fold(p) for p in hit.people):
            return True
        if pid == SCHEMA + "datePublished" and hit.year is not None and v[:4] == str(hit.year):
            return True
        if pid == SCHEMA + "knowsAbout" and v in hit.topics:
            return True
    return False


def _name_of(identifier: str) -> str:
    """The name of a reconciled entity given by id (relative to the base, or an IRI)."""
    index = _index()
    iri = identifier if "://" in identifier else _base() + identifier
    hit = index.get(iri) if index is not None else None
    return hit.name if hit is not None else identifier


def _id(hit: Hit) -> str:
    base = _base()
    return hit.iri[len(base):] if hit.iri.startswith(base) else hit.iri


def _description(hit: Hit) -> str:
    if hit.kind == "paper":
        authors = ", ".join(hit.people[:3]) + (" et al." if len(hit.people) > 3 else "")
        return " · ".join(str(x) for x in (hit.year, authors) if x)
    papers = hit.papers or 0
    return f"{papers} paper{'' if papers == 1 else 's'}" + (
        f" · {', '.join(hit.topics)}" if hit.topics else "")


def _type(hit: Hit) -> dict[str, str]:
    iri = next(iri for iri, (kind, _) in TYPES.items() if kind == hit.kind)
    return {"id": iri, "name": TYPES[iri][1]}


def _candidate(hit: Hit, score: float, match: bool, features: list[dict[str, Any]]
               ) -> dict[str, Any]:
    return {"id": _id(hit), "name": hit.name, "description": _description(hit),
            "score": score, "match": match, "features": features, "type": [_type(hit)]}


@bp.get("/reconcile/preview")
def preview() -> Response:
    """A card of the entity `id`, for the client's iframe."""
    index = _index()
    identifier = request.args.get("id", "")
    iri = identifier if "://" in identifier else _base() + identifier
    hit = index.get(iri) if index is not None else None
    if hit is None or hit.kind not in ("person", "paper"):
        return Response("no such person or paper\n", status=404, mimetype="text/plain")
    body = render_template("reconcile/preview.html", hit=hit, description=_description(hit),
                           href=_base() + _id(hit))
    return Response(body, mimetype="text/html")


@bp.get("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    """Persons and papers whose name begins as `prefix` does (the last word may be cut)."""
    index = _index()
    if index is None:
        return _refuse(501, "this graph has no search index")
    types = request.args.getlist("type")
    if any(t not in TYPES for t in types):
        return _refuse(400, f"type must be one of {', '.join(TYPES)}")
    kinds = [TYPES[t][0] for t in types] or ["person", "paper"]
    try:
        hits = index.best(request.args.get("prefix", ""), kinds, 10)
    except SearchError:
        hits = []
    return _json({"result": [{"id": _id(h), "name": h.name, "description": _description(h),
                              "notable": [_type(h)]} for h in hits]})


@bp.get("/reconcile/suggest/type")
def suggest_type() -> Response:
    prefix = _fold(request.args.get("prefix", ""))
    return _json({"result": [{"id": iri, "name": name} for iri, (_, name) in TYPES.items()
                             if prefix in _fold(name)]})


@bp.get("/reconcile/suggest/property")
def suggest_property() -> Response:
    prefix = _fold(request.args.get("prefix", ""))
    return _json({"result": [{"id": pid, "name": name, "description": description}
                             for pid, (name, description) in PROPERTIES.items()
                             if prefix in _fold(name)]})
