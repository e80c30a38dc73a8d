"""The home page, a page for every entity IRI, and the ontology at its namespace IRI.

Every IRI minted under the served base dereferences here. An IRI names a thing, not a document
about it, so `base + path` answers `303 See Other` with the document that describes it in the
format the Accept header asks for: `path.html` for browsers, `path.ttl`, `.nt`, `.jsonld` or
`.rdf` (the documents are served directly, so a link can name a format), with `Link` headers
naming the document (`describedby`) and its other formats (`alternate`). An RDF document says
what it is about, its licence, the dataset it belongs to and, for a built store, when it was
made. Media types come from the endpoint's one negotiation table; reads live in `entities`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, render_template, request
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from kg.formats import GRAPH_FILES
from kg.mapping.iris import Minter
from kg.mapping.vocab import (
    DCTERMS,
    FOAF,
    KG,
    ONTOLOGY,
    RDF,
    RDF_TYPE,
    VOID,
    XSD,
    curie,
    prefixes,
    schema,
)
from kg.serve import charts
from kg.serve.config import ServeConfig, get_config
from kg.serve.entities import Description, Reader, load_ontology, ontology_terms
from kg.serve.memo import memo
from kg.serve.negotiation import GRAPHS, choose
from kg.store.stats import graph_stats

bp = Blueprint("pages", __name__, template_folder="templates")

#: (name, path suffix, media type) of the RDF forms every page links to; suffixes are short
#: names of the negotiation table
FORMATS = tuple((f.name, f.suffix, f.media_type) for f in GRAPH_FILES)
SUFFIXES = (*(suffix for _, suffix, _ in FORMATS), "html")
_SUFFIX_OF = {media: suffix for _, suffix, media in FORMATS}
#: HTML first, so that browsers, `*/*` and a missing Accept header get the page
PAGE_TYPES: dict[str, Any] = {"text/html": None, **GRAPHS}
#: characters a minted IRI path may hold unescaped (RFC 3987 sub-delims, ':' and '@')
_PATH_SAFE = "/-._~!$&'()*+,;=:@"
_LINKABLE = ("http://", "https://", "mailto:")
_PLAIN = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
#: how a link node points at the entity it links: shown as the links table, not as "linked from"
_LINK_ROLES = {RDF + "subject", RDF + "object"}
#: how many co-authors the network draws, and how many authors a topic's chart names
NETWORK_SIZE, TOP_AUTHORS = 24, 10




def _base() -> str:
    """The served base; a plain RDF file has none, so the server's own root stands in."""
    return get_config().base or request.url_root


def _text(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain",
                    headers={"Vary": "Accept"})


def _not_found() -> Response:
    chosen = choose(request.accept_mimetypes, PAGE_TYPES)
    if chosen is None or chosen[0] != "text/html":
        return _text(404, f"nothing is known about {request.path}")
    body = render_template("pages/not_found.html", path=request.path)
    return Response(body, status=404, mimetype="text/html", headers={"Vary": "Accept"})


def _negotiate(suffix: str | None) -> tuple[str, RdfFormat | None] | None:
    """(media type, RDF format or None for HTML); None when no acceptable type is offered."""
    if suffix:
        return choose(request.accept_mimetypes, GRAPHS, suffix)
    return choose(request.accept_mimetypes, PAGE_TYPES)


def _rdf(triples: list[Triple], media: str, fmt: RdfFormat, base: str) -> Response:
    body = serialize(triples, format=fmt, prefixes=prefixes())
    return Response(body, mimetype=media, headers={"Vary": "Accept"})


def _html(template: str, **context: Any) -> Response:
    return Response(render_template(template, **context), mimetype="text/html",
                    headers={"Vary": "Accept"})


@bp.get("/")
def home() -> str:
    """What the graph holds and where to go next; the figures are computed once per app."""
    config, base = get_config(), _base()

    def summary() -> dict[str, Any]:
        reader = Reader(config.store, base)
        people = reader.profiles() if config.base else []
        return {"stats": config.counts or graph_stats(config.store, base),
                "profiles": [(_local(r["person"].value, base), r["name"].value if r["name"]
                              else r["person"].value) for r in people],
                "charts": _year_chart("years", "Papers per year, all profiles",
                                      reader.papers_per_year())}

    return render_template("pages/home.html", base=config.base, **memo("pages.home", summary))


@bp.get("/ontology")
@bp.get("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    """`ontology/kg.ttl` at its namespace IRI, each term anchored by its local name."""
    if suffix is not None and suffix not in SUFFIXES:
        return _not_found()
    base = _base()
    if get_config().base:
        triples = memo("pages.ontology", lambda: load_ontology(base))
    else:  # resolved against the Host the client sent: not worth a cache entry per host
        triples = load_ontology(base)
    chosen = _negotiate(None if suffix == "html" else suffix)
    if chosen is None:
        return _text(406, f"available: text/html, {', '.join(GRAPHS)}")
    media, fmt = chosen
    if fmt is not None:
        return _rdf(triples, media, fmt, base)
    iri = ONTOLOGY
    head = {t.predicate.value: t.object for t in triples
            if isinstance(t.subject, NamedNode) and t.subject.value == iri}
    terms = ontology_terms(triples, KG)
    return _html("pages/ontology.html", iri=iri, head=head, terms=terms, formats=FORMATS,
                 alternates=FORMATS, document="/ontology",
                 curie=curie, href=lambda i: _href(i, base))


@bp.get("/<path:path>")
def entity(path: str) -> Response:
    """The page or the RDF description of the IRI `base + path`; 404 when the graph lacks it."""
    config = get_config()
    if config.base is None:  # a plain RDF file: its IRIs are not ours to dereference
        return _not_found()
    reader = Reader(config.store, config.base)
    paths = _requested_paths(path)
    suffix = paths[0].rpartition(".")[2] if "." in paths[0] else None
    iri = None
    if suffix in SUFFIXES:
        iri = reader.find(p[: -len(suffix) - 1] for p in paths if p.endswith("." + suffix))
    if iri is None:  # no suffix, or the whole path (dot included) names the entity
        suffix, iri = None, reader.find(paths)
    if iri is None:
        return _not_found()
    if suffix is None:  # the thing itself: see the document that describes it
        return _see_other(iri, config.base, _negotiate(None))
    chosen = _negotiate(None if suffix == "html" else suffix)
    if chosen is None:
        return _text(406, f"available: text/html, {', '.join(GRAPHS)}")
    media, fmt = chosen
    description = reader.describe(iri)
    if fmt is not None:
        response = _rdf(description.triples() + _about_document(iri, suffix, config),
                        media, fmt, config.base)
    else:
        response = _html("pages/entity.html", **_entity_view(reader, description))
    response.headers["Link"] = _alternates(iri, config.base, suffix or "html")
    return response


def _document(iri: NamedNode, base: str, suffix: str) -> str:
    """The path of the document in format `suffix` that describes `iri` (minted under `base`,
    so already escaped as a path needs)."""
    return "/" + iri.value[len(base):].split("#", 1)[0] + "." + suffix


def _see_other(iri: NamedNode, base: str, chosen: tuple[str, RdfFormat | None] | None
               ) -> Response:
    if chosen is None:
        return _text(406, f"available: text/html, {', '.join(GRAPHS)}")
    media, _ = chosen
    suffix = "html" if media == "text/html" else _SUFFIX_OF[media]
    document = _document(iri, base, suffix)
    return Response(status=303, headers={
        "Location": document, "Vary": "Accept",
        "Link": f'<{document}>; rel="describedby"; type="{media}", '
                + _alternates(iri, base, suffix)})


def _alternates(iri: NamedNode, base: str, current: str) -> str:
    """`Link` header values for the other formats of the document about `iri`."""
    return ", ".join(f'<{_document(iri, base, suffix)}>; rel="alternate"; type="{media}"'
                     for suffix, media in (("html", "text/html"),
                                           *((s, m) for _, s, m in FORMATS))
                     if suffix != current)


def _about_document(iri: NamedNode, suffix: str, config: ServeConfig) -> list[Triple]:
    """What an RDF document says of itself: its topic, licence, dataset, modification date."""
    assert config.base is not None
    document = NamedNode(config.base + _document(iri, config.base, suffix).lstrip("/"))
    triples = [Triple(document, NamedNode(FOAF + "primaryTopic"), iri),
               Triple(document, NamedNode(DCTERMS + "license"), NamedNode(config.license)),
               Triple(document, NamedNode(VOID + "inDataset"), Minter(config.base).dataset())]
    if config.modified:
        triples.append(Triple(document, NamedNode(DCTERMS + "modified"), Literal(
            config.modified, datatype=NamedNode(XSD + "dateTime"))))
    return triples


def _requested_paths(decoded: str) -> list[str]:
    """The path as the client sent it, as decoded, and re-encoded: the IRI is `base + path`.

    The raw form matches an IRI minted with percent-escapes exactly; the decoded form matches
    one holding non-ASCII characters; the encoded form covers servers that drop the raw path.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    raw_path = urlsplit(raw).path
    root = request.script_root
    if root and raw_path.startswith(root + "/"):
        raw_path = raw_path[len(root):]
    candidates = [raw_path[1:] if raw_path.startswith("/") else "", decoded,
                  quote(decoded, safe=_PATH_SAFE), quote(decoded, safe="/-._~")]
    return [c for c in dict.fromkeys(candidates) if c]


def _local(iri: str, base: str) -> str | None:
    """The local path of an IRI of this graph, or None for an external one."""
    return "/" + iri[len(base):] if iri.startswith(base) else None


def _href(iri: str, base: str) -> str | None:
    """Where a link to `iri` goes: its local path, or itself if it is a web or mail address."""
    local = _local(iri, base)
    if local is not None:
        return local
    return iri if iri.startswith(_LINKABLE) else None


def _term(term: Any, base: str, labels: dict[str, str]) -> dict[str, Any]:
    """How one RDF term is shown: text, link, IRI on hover, and a datatype or language note."""
    if isinstance(term, NamedNode):
        iri = term.value
        return {"text": labels.get(iri) or _label_of_part(iri, labels) or curie(iri),
                "href": _href(iri, base), "iri": iri, "note": None,
                "external": _local(iri, base) is None}
    if isinstance(term, Literal):
        note = f"@{term.language}" if term.language else None
        if note is None and term.datatype.value not in _PLAIN:
            note = curie(term.datatype.value)
        return {"text": term.value, "href": None, "iri": None, "note": note, "external": False}
    text = f"_:{term.value}" if isinstance(term, BlankNode) else str(term)
    return {"text": text, "href": None, "iri": None, "note": None, "external": False}


def _label_of_part(iri: str, labels: dict[str, str]) -> str | None:
    """`Title · author-2` for a `#` part of a labelled document."""
    document, hash_, fragment = iri.partition("#")
    return f"{labels[document]} · {fragment}" if hash_ and document in labels else None


def _property_key(iri: str, base: str) -> tuple[int, str]:
    """rdf:type first, then schema:name, then by prefixed name."""
    return {RDF_TYPE.value: 0, schema.name.value: 1}.get(iri, 2), curie(iri)


def _values(triples: list[Triple], base: str, labels: dict[str, str]) -> dict[str, list[Any]]:
    """The shown values of each property, sorted by their text."""
    grouped: dict[str, list[Any]] = {}
    for t in triples:
        grouped.setdefault(t.predicate.value, []).append(_term(t.object, base, labels))
    for values in grouped.values():
        values.sort(key=lambda v: (v["text"].casefold(), v["iri"] or ""))
    return grouped


def _rows(triples: list[Triple], base: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    """One row per property with its values."""
    grouped = _values(triples, base, labels)
    return [{"property": _term(NamedNode(p), base, {}), "values": grouped[p]}
            for p in sorted(grouped, key=lambda p: _property_key(p, base))]


def _parts(d: Description, base: str, labels: dict[str, str]) -> dict[str, Any]:
    """The `#` parts as one table: a row per part in order, a column per property."""
    parts = [(node.value.partition("#")[2], _values(ts, base, labels)) for node, ts in d.parts]
    keys = sorted({p for _, grouped in parts for p in grouped},
                  key=lambda p: _property_key(p, base))
    return {"columns": [_term(NamedNode(p), base, {}) for p in keys],
            "rows": [{"id": part, "cells": [grouped.get(p, []) for p in keys]}
                     for part, grouped in parts]}


def _links(reader: Reader, iri: NamedNode) -> list[dict[str, Any]]:
    """The external links of an entity, as its page lists them, with their confidence."""
    base = reader.base
    return [{"relation": _term(r["relation"], base, {}), "target": _term(r["target"], base, {}),
             "confidence": f"{float(r['confidence'].value):.3f}",
             "source": _term(r["source"], base, {}) if r["source"] else None,
             "date": r["when"].value[:10] if r["when"] else "",
             "method": r["method"].value, "href": _local(r["link"].value, base),
             "evidence": sorted(r["evidence"].value.split("\n")) if r["evidence"] else []}
            for r in reader.links_of(iri)]


def _entity_view(reader: Reader, d: Description) -> dict[str, Any]:
    base, iri = reader.base, d.iri.value
    nodes: list[Any] = [d.iri, *(t.object for t in d.outgoing), *(t.subject for t in d.incoming)]
    for _, ts in d.parts:
        nodes.extend(t.object for t in ts)
    nodes.extend(NamedNode(t.subject.value.partition("#")[0]) for t in d.incoming
                 if isinstance(t.subject, NamedNode) and "#" in t.subject.value)
    labels = reader.labels(nodes)
    view: dict[str, Any] = {
        "iri": iri,
        "label": labels.get(iri, iri),
        "local": _local(iri, base),
        "types": [_term(t.object, base, labels) for t in d.outgoing if t.predicate == RDF_TYPE],
        "rows": _rows(d.outgoing, base, labels),
        "parts": _parts(d, base, labels),
        "incoming": [{"subject": _term(t.subject, base, labels),
                      "property": _term(t.predicate, base, {})} for t in d.incoming
                     if t.predicate.value not in _LINK_ROLES],
        "incoming_cut": d.incoming_cut,
        "links": _links(reader, d.iri),
        "formats": FORMATS,
        "alternates": FORMATS,
        "document": _local(iri, base),
        "papers": [], "coauthors": [], "charts": [],
        "jsonld": charts.json_ld(reader.markup(d.iri), base),
    }
    if _local(iri, base):
        view["charts"] = _topic_charts(reader, d.iri)
    if any(t.predicate == RDF_TYPE and t.object == schema.Person for t in d.outgoing):
        view["papers"] = [{"href": _local(r["paper"].value, base), "title": r["title"].value,
                           "date": r["date"].value if r["date"] else ""}
                          for r in reader.papers_of(d.iri)]
        view["coauthors"] = [{"href": _local(r["other"].value, base),
                              "name": r["name"].value if r["name"] else r["other"].value,
                              "shared": int(r["shared"].value)}
                             for r in reader.coauthors_of(d.iri)]
        view["charts"] = _person_charts(reader, d.iri, view["label"], view["coauthors"])
    return view


def _year_chart(id: str, title: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Papers per year, stacked: with code (a repository named) and without; the table is the
    same numbers. No chart (an empty list) when no paper has a date: an empty plot says less
    than nothing."""
    if not rows:
        return []
    by_year = {int(r["year"].value): (int(r["papers"].value), int(r["code"].value))
               for r in rows if r["year"] is not None}
    years = charts.years(rows)
    counts = [by_year.get(y, (0, 0)) for y in years]
    series = [charts.Series("with code", "code", [c for _, c in counts]),
              charts.Series("without code", "nocode", [p - c for p, c in counts])]
    return [{"id": id, "title": title,
             "svg": charts.bar_chart(title, [str(y) for y in years], series, "Year", "Papers"),
             "head": ["Year", "Papers", "with code", "without code"],
             "rows": [[str(y), p, c, p - c] for y, (p, c) in zip(years, counts, strict=True)]}]


def _person_charts(reader: Reader, iri: NamedNode, label: str,
                   coauthors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Papers per year, topics over time and the co-author network of a person."""
    found = _year_chart("years", "Papers per year", reader.papers_per_year(iri))
    rows = reader.topics_per_year(iri)
    if rows:
        names = {r["topic"].value: r["name"].value if r["name"] else r["topic"].value
                 for r in rows}
        topics = sorted(set(names.values()), key=str.casefold)
        years = [str(y) for y in charts.years(rows)]
        counts = {(names[r["topic"].value], r["year"].value): int(r["papers"].value)
                  for r in rows}
        found.append({"id": "topics", "title": "Topics over time",
                      "svg": charts.heat_map("Topics over time", topics, years, counts,
                                             "Year", "Topic (papers)"),
                      "head": ["Topic", *years],
                      "rows": [[t, *(counts.get((t, y), 0) for y in years)] for t in topics]})
    if coauthors:
        near = coauthors[:NETWORK_SIZE]
        title = f"Co-authors: the {len(near)} with most shared papers"
        found.append({"id": "network", "title": title,
                      "svg": charts.network(title, label, [(c["name"], c["href"], c["shared"])
                                                           for c in near]),
                      "head": ["Co-author", "Shared papers"],
                      "rows": [[c["name"], c["shared"]] for c in near]})
    return found


def _topic_charts(reader: Reader, iri: NamedNode) -> list[dict[str, Any]]:
    """Papers per year about a topic, and the authors with most papers about it; none for an
    IRI no dated paper is about. A topic's counts run over all its papers (a hub: thousands on
    a large graph), so they are kept per app like the home page's; other IRIs are not kept."""
    def topic_charts() -> list[dict[str, Any]]:
        found = _year_chart("years", "Papers per year", reader.topic_papers_per_year(iri))
        return found + _topic_authors_chart(reader, iri) if found else []

    return list(memo(("pages.topic", iri.value), topic_charts, keep=bool))


def _topic_authors_chart(reader: Reader, iri: NamedNode) -> list[dict[str, Any]]:
    """The TOP_AUTHORS persons with most papers about the topic, as bars."""
    authors = [(r["name"].value if r["name"] else r["person"].value, int(r["papers"].value))
               for r in reader.topic_authors(iri, TOP_AUTHORS)]
    title = f"The {len(authors)} most frequent authors"
    bars = [charts.Series("papers", "nocode", [n for _, n in authors])]
    return [{"id": "authors", "title": title,
             "svg": charts.bar_chart(title, [n for n, _ in authors], bars, "Author", "Papers"),
             "head": ["Author", "Papers"], "rows": [list(a) for a in authors]}]
