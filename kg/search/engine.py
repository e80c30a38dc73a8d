"""Answer searches from the index `kg.search.index` wrote: ranked hits with the matching
fragment highlighted, facet counts, paging.

The user's text is never parsed as a query language: tantivy's analyzer splits it into words
(so `"`, `*`, `OR` and unpaired quotes are plain characters, and nothing a visitor types can
make a query the engine refuses), and every word must match. A word matches exactly in any
field (BM25, weighted by field), and in names and titles also with one or two typos; the last
word also as the beginning of a word (`zhao guoy`, `Zitong Yo`). Ranking, fuzzy matching,
highlighting and counting are tantivy's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import tantivy

from kg.errors import SearchError
from kg.search.index import FOLDED, INDEX_DIR, KINDS, analyzer

#: a search longer than this is refused (400), before any work
MAX_CHARS = 1000
#: at most this many words are looked for (each costs a few term lookups)
MAX_WORDS = 16
#: hits per page at most
MAX_LIMIT = 100
#: how much a word counts in each field; a typo or prefix match counts `_LOOSE` in its field
_WEIGHTS = {"name": 3.0, "people": 1.5, "terms": 1.0, "body": 1.0}
_LOOSE = 0.5
#: fields where a word may be misspelt or cut short: names and titles
_LOOSE_FIELDS = ("name", "people")
#: how many facet values are counted
_FACET_SIZE = {"kind": len(KINDS), "year": 200, "topic": 200}
#: the snippet of a long field: about this many characters around the matches
_SNIPPET_CHARS = 240
#: the fields a hit's fragment is taken from, in this order of preference
_SHOWN = ("name", "body", "people")


@dataclass(frozen=True)
class Hit:
    """One result. `highlight` is the matching fragment as (text, matched) parts, `field`
    the field it comes from ("name" or "body")."""

    iri: str
    kind: str
    name: str
    score: float
    year: int | None = None
    topics: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    papers: int | None = None
    field: str = "name"
    highlight: tuple[tuple[str, bool], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The hit as /search and `kg search --json` show it (empty fields left out)."""
        entry: dict[str, Any] = {
            "iri": self.iri, "type": self.kind, "name": self.name,
            "score": round(self.score, 4), "field": self.field,
            "highlight": [{"text": text, "match": match} for text, match in self.highlight],
        }
        optional = {"year": self.year, "topics": list(self.topics),
                    "authors": list(self.people), "papers": self.papers}
        entry.update({k: v for k, v in optional.items() if v not in (None, [])})
        return entry


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, how many there are in all, and the counts per facet value (each facet
    counted with the filters of the other facets applied)."""

    text: str
    total: int
    offset: int
    limit: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class SearchIndex:
    """The search index of one build, opened read-only; safe to share between threads."""

    def __init__(self, folder: Path) -> None:
        """Open the index in `folder` (a build's `search/`). Raises SearchError when there is
        no index there (a store built before search existed: rebuild it with --full)."""
        try:
            self._index = tantivy.Index.open(str(folder))
        except ValueError as e:
            raise SearchError(f"{folder}: no search index here ({e}); rebuild the store "
                              "with kg build --full") from None
        self._index.register_tokenizer(FOLDED, analyzer())
        self._analyzer = analyzer()
        self._schema = self._index.schema
        self._searcher = self._index.searcher()
        self.folder = folder
        #: `kg:search` asks once per solution row, with the same text
        self._scores = lru_cache(maxsize=64)(self._all_scores)

    @property
    def documents(self) -> int:
        """How many documents the index holds."""
        return self._searcher.num_docs

    def words(self, text: str) -> list[str]:
        """The words of `text` as the index holds them. Raises SearchError when the text is
        longer than MAX_CHARS or holds no word."""
        if len(text) > MAX_CHARS:
            raise SearchError(f"a search may have at most {MAX_CHARS:,} characters")
        words = self._analyzer.analyze(text)[:MAX_WORDS]
        if not words:
            raise SearchError("nothing to search for: give at least one word")
        return words

    def search(self, text: str, *, kinds: Sequence[str] = (), years: Sequence[int] = (),
               topics: Sequence[str] = (), offset: int = 0, limit: int = 20) -> SearchResult:
        """The hits of `text` from `offset`, filtered by kind, year and topic (any of the values
        given for a facet), best first. Raises SearchError for a bad text or filter."""
        for kind in kinds:
            if kind not in KINDS:
                raise SearchError(f"unknown type {kind!r}: one of {', '.join(KINDS)}")
        if not 0 <= offset <= 10_000 or not 1 <= limit <= MAX_LIMIT:
            raise SearchError(f"page out of range: offset 0–10,000, limit 1–{MAX_LIMIT}")
        matching = self._matching(self.words(text))
        filters = {"kind": self._any("kind", kinds), "year": self._any("year", years),
                   "topic": self._any("topic", topics)}
        query = _all([matching, *[_filter(f) for f in filters.values() if f is not None]])
        # without a type filter, the type counts add up to the total: no pass to count it
        found = self._searcher.search(query, limit, offset=offset, weight_by_field="rank",
                                      count=bool(kinds))
        snippets = _Snippets(self._searcher, query, self._schema)
        hits = [self._hit(score, address, snippets) for score, address in found.hits]
        facets = self._facets(matching, filters)
        total = (found.count or 0  # type: ignore[attr-defined]  # (missing from tantivy's stub)
                 if kinds else sum(count for _, count in facets["kind"]))
        return SearchResult(text, total, offset, limit, hits, facets)

    def scores(self, text: str, limit: int = 10_000) -> Mapping[str, float]:
        """IRI → score of the best `limit` hits of `text` (for `kg:search` and reconciliation).
        Raises SearchError for a bad text.

        `kg:search` asks once per solution row: the answer is cached and handed out read-only,
        never copied (a copy of 10,000 entries per row was most of such a query's time)."""
        return self._scores(text, limit)

    def _all_scores(self, text: str, limit: int) -> Mapping[str, float]:
        found = self._searcher.search(self._matching(self.words(text)), limit,
                                      weight_by_field="rank")
        return MappingProxyType({self._searcher.doc(address)["iri"][0]: score
                                 for score, address in found.hits})

    def best(self, text: str, kinds: Sequence[str], limit: int) -> list[Hit]:
        """The best `limit` hits of `text` among `kinds`, without highlighting."""
        matching = self._matching(self.words(text))
        kind = self._any("kind", kinds)
        found = self._searcher.search(_all([matching, _filter(kind)] if kind else [matching]),
                                      limit,
                                      weight_by_field="rank")
        return [self._hit(score, address, None) for score, address in found.hits]

    def get(self, iri: str) -> Hit | None:
        """The document of `iri`, if the index holds it."""
        found = self._searcher.search(tantivy.Query.term_query(self._schema, "iri", iri), 1)
        return self._hit(1.0, found.hits[0][1], None) if found.hits else None

    def _matching(self, words: list[str]) -> tantivy.Query:
        """Every word must match; see the module's docstring for how."""
        clauses = []
        for position, word in enumerate(words):
            last = position == len(words) - 1
            should = [tantivy.Query.boost_query(
                tantivy.Query.term_query(self._schema, name, word), weight)
                for name, weight in _WEIGHTS.items()]
            for name in _LOOSE_FIELDS:
                if len(word) >= 4:  # a typo in a shorter word makes another word
                    should.append(self._loose(name, word, 1 if len(word) < 8 else 2, False))
                if last:
                    should.append(self._loose(name, word, 1 if len(word) >= 2 else 0, True))
            clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, q) for q in should])))
        return tantivy.Query.boolean_query(clauses)

    def _loose(self, name: str, word: str, distance: int, prefix: bool) -> tantivy.Query:
        return tantivy.Query.boost_query(tantivy.Query.fuzzy_term_query(
            self._schema, name, word, distance, True, prefix), _LOOSE)

    def _any(self, name: str, values: Iterable[str | int]) -> tantivy.Query | None:
        values = list(dict.fromkeys(values))
        if not values:
            return None
        return tantivy.Query.term_set_query(self._schema, name, values)

    def _facets(self, matching: tantivy.Query, filters: dict[str, tantivy.Query | None]
                ) -> dict[str, list[tuple[str, int]]]:
        """Each facet counted over the hits of the other facets' filters: facets whose other
        filters are the same (all of them, when no filter is set) share one pass over the
        hits."""
        passes: dict[tuple[str, ...], list[str]] = {}
        for name in filters:
            others = tuple(o for o, f in filters.items() if o != name and f is not None)
            passes.setdefault(others, []).append(name)
        facets = {}
        for others, names in passes.items():
            query = _all([matching, *[filters[o] for o in others]])  # type: ignore[list-item]
            spec = {name: {"terms": {"field": name, "size": _FACET_SIZE[name]}}
                    for name in names}
            found = self._searcher.aggregate(query, spec)
            for name in names:
                facets[name] = _sorted(name, found[name]["buckets"])
        return {name: facets[name] for name in filters}


    def _hit(self, score: float, address: tantivy.DocAddress,
             snippets: _Snippets | None) -> Hit:
        doc = self._searcher.doc(address).to_dict()
        name = doc["name"][0]
        where: str = "name"
        parts: tuple[tuple[str, bool], ...] = ((name, False),)
        if snippets is not None:
            where, parts = snippets.highlight(doc)
        return Hit(iri=doc["iri"][0], kind=doc["kind"][0], name=name, score=score,
                   year=doc.get("year", [None])[0], topics=tuple(doc.get("topic", ())),
                   people=tuple(doc.get("people", ())), papers=doc.get("papers", [None])[0],
                   field=where, highlight=parts)


def _sorted(name: str, buckets: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Types in their fixed order, years newest first, topics most frequent first."""
    counts = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
    if name == "kind":
        return sorted(counts, key=lambda c: KINDS.index(c[0]))
    if name == "year":
        return sorted(counts, reverse=True)
    return sorted(counts, key=lambda c: (-c[1], c[0]))


class _Snippets:
    """The matching fragments of a search's hits; a generator per field, made once per search
    (making one reads the query's terms from the index)."""

    def __init__(self, searcher: tantivy.Searcher, query: tantivy.Query,
                 schema: tantivy.Schema) -> None:
        self._searcher, self._query, self._schema = searcher, query, schema
        self._generators: dict[str, tantivy.SnippetGenerator] = {}

    def highlight(self, doc: dict[str, Any]) -> tuple[str, tuple[tuple[str, bool], ...]]:
        """The first of name, body, people where a word of the query matched, as parts."""
        document = tantivy.Document(**{k: doc[k] for k in _SHOWN if k in doc})
        for name in _SHOWN:
            if name not in doc:
                continue
            if name not in self._generators:
                self._generators[name] = tantivy.SnippetGenerator.create(
                    self._searcher, self._query, self._schema, name)
                self._generators[name].set_max_num_chars(_SNIPPET_CHARS)
            snippet = self._generators[name].snippet_from_doc(document)
            if snippet.highlighted():
                return name, _parts(snippet.fragment(), snippet.highlighted())
        return "name", ((doc["name"][0], False),)


def _parts(fragment: str, ranges: list[tantivy.Range]) -> tuple[tuple[str, bool], ...]:
    """`fragment` cut into (text, matched) parts at tantivy's byte ranges."""
    data, parts, at = fragment.encode(), [], 0
    for r in sorted(ranges, key=lambda r: r.start):
        if r.start < at:
            continue
        if r.start > at:
            parts.append((data[at:r.start].decode(errors="replace"), False))
        parts.append((data[r.start:r.end].decode(errors="replace"), True))
        at = r.end
    if at < len(data):
        parts.append((data[at:].decode(errors="replace"), False))
    return tuple(parts)


def _filter(query: tantivy.Query) -> tantivy.Query:
    """A filter selects and adds nothing to the score: a hit ranks the same with or without
    filters."""
    return tantivy.Query.const_score_query(query, 0.0)


def _all(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


def open_index(build_dir: Path) -> SearchIndex | None:
    """The search index of a build folder, or None when the build has none."""
    folder = build_dir / INDEX_DIR
    return SearchIndex(folder) if (folder / "meta.json").is_file() else None
