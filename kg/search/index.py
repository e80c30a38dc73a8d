"""Write the full-text index of a store: one document per paper, person, topic, key phrase and
repository of the merged graph (the default graph, `kg.store.merge`).

The index is rebuilt whole from the merged graph at every build, full or incremental: a
document depends on every profile that lists its paper or person, so patching it would
repeat the merge rules here; writing it costs a small share of a build (`benchmarks/README.md`).
It is written into the build folder before the folder is swapped in, so a store and its
index are always of the same build, and a failed build leaves the old pair.

Words are split and folded by tantivy (`FOLDED`: lower case, diacritics folded to ASCII, so
`Sean` finds `Seán`); the same analyzer reads queries (`kg.search.engine`).
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tantivy
from pyoxigraph import QuerySolutions, Store

from kg.store.manifest import SEARCH_INDEX
from kg.store.query import solutions

#: the index's folder inside a build folder (beside `oxigraph/` and `build.json`)
INDEX_DIR = SEARCH_INDEX
#: the analyzer of every searchable text field, registered under this name wherever the index
#: is opened (tantivy does not store custom analyzers with the index)
FOLDED = "kg_folded"
#: the kinds of documents, as `/search?type=` names them
KINDS = ("paper", "person", "topic", "keyphrase", "repository")
#: a kind's standing: tantivy multiplies a hit's score by log2(2 + rank), so that a paper
#: outranks a key phrase made of its words; a person's rank is her number of papers, so that
#: the author of 50 papers comes before a namesake with one
_RANK = {"paper": 4, "topic": 4, "repository": 2, "keyphrase": 0}
#: memory the index writer may use before it writes a segment
_WRITER_HEAP = 64 << 20

_PAPERS = """SELECT ?x ?name ?abstract ?date {
  ?x a schema:ScholarlyArticle ; schema:name ?name .
  OPTIONAL { ?x schema:abstract ?abstract } OPTIONAL { ?x schema:datePublished ?date }
}"""
# two plain patterns rather than one with OPTIONAL and ORDER BY (six times slower at 1,000
# profiles): the printed authors in order, then every author (the owner "et al." cut is not
# printed), merged in `_documents`
_PRINTED = """SELECT ?x ?position ?name {
  ?x kg:authorship ?role . ?role schema:position ?position ; schema:name ?name
}"""
_AUTHORS = """SELECT ?x ?person ?name {
  ?x schema:author ?person . ?person schema:name ?name
}"""
_PAPER_TOPICS = """SELECT ?x ?code ?name {
  ?x a schema:ScholarlyArticle ; schema:about ?t . ?t schema:termCode ?code .
  OPTIONAL { ?t schema:name ?name }
}"""
_PAPER_PHRASES = """SELECT ?x ?name {
  ?x a schema:ScholarlyArticle ; schema:keywords ?k . ?k schema:name ?name
}"""
_PAPER_CODE = """SELECT ?x ?url {
  ?x a schema:ScholarlyArticle ; kg:hasSourceCode ?r . ?r schema:codeRepository ?url
}"""
_PERSONS = """SELECT ?x ?name (COUNT(DISTINCT ?paper) AS ?papers) {
  ?x a schema:Person ; schema:name ?name . OPTIONAL { ?paper schema:author ?x }
} GROUP BY ?x ?name"""
_KNOWS_ABOUT = """SELECT ?x ?code { ?x schema:knowsAbout ?t . ?t schema:termCode ?code }"""
_TOPICS = """SELECT ?x ?code ?name {
  ?x a schema:DefinedTerm ; schema:termCode ?code . OPTIONAL { ?x schema:name ?name }
}"""
_PHRASES = """SELECT ?x ?name {
  ?x a schema:DefinedTerm ; schema:name ?name . FILTER NOT EXISTS { ?x schema:termCode ?c }
}"""
_REPOSITORIES = """SELECT ?x ?name ?url {
  ?x a schema:SoftwareSourceCode . OPTIONAL { ?x schema:name ?name }
  OPTIONAL { ?x schema:codeRepository ?url }
}"""


def analyzer() -> tantivy.TextAnalyzer:
    """Words of letters and digits, lower-cased, diacritics folded, overlong ones dropped."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(64))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build())


def schema() -> tantivy.Schema:
    """The fields of a document. `name` is the title or name, `body` the abstract (or a
    topic's code, a repository's address), `people` a paper's authors in order, `terms` its
    topics and key phrases; `kind`, `year` and `topic` are the facets."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("iri", stored=True, tokenizer_name="raw")
    builder.add_text_field("kind", stored=True, fast=True, tokenizer_name="raw")
    for name in ("name", "body", "people"):
        builder.add_text_field(name, stored=True, tokenizer_name=FOLDED)
    builder.add_text_field("terms", tokenizer_name=FOLDED)
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    builder.add_text_field("topic", stored=True, fast=True, tokenizer_name="raw")
    builder.add_integer_field("papers", stored=True)
    builder.add_integer_field("rank", fast=True)
    return builder.build()


@dataclass(slots=True)
class _Paper:
    """What a paper's document gathers from several queries before it is written: its title,
    abstract and date come with the last one, so that no abstract is held."""
    people: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    topics: set[str] = field(default_factory=set)
    written: bool = False


def write_index(store: Store, build_dir: Path, base: str) -> int:
    """(Re)write `build_dir/search` from the merged graph of `store`; returns the number of
    documents. Raises OSError when the folder cannot be written."""
    folder = build_dir / INDEX_DIR
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    index = tantivy.Index(schema(), path=str(folder))
    index.register_tokenizer(FOLDED, analyzer())
    writer = index.writer(heap_size=_WRITER_HEAP, num_threads=1)
    count = 0
    for fields in _documents(store, base):
        writer.add_document(tantivy.Document(**{k: v for k, v in fields.items() if v != []}))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


def _rows(store: Store, query: str, base: str) -> QuerySolutions:
    return solutions(store, query, base)


def _documents(store: Store, base: str) -> Iterator[dict[str, object]]:
    """The fields of each document, written as soon as they are known.

    Documents are handed to the index one at a time, so that memory holds per paper only the
    short lists that several queries fill (authors, terms, topics: at 10,000 profiles, holding
    every whole document took the build's processes from 2.9 to 4.4 GB), and each name, phrase
    and code once however many papers share it. An IRI gets one document, of the first kind
    that claims it, in the order of `KINDS`.
    """
    same: dict[str, str] = {}  # one copy of each repeated string

    def one(text: str) -> str:
        return same.setdefault(text, text)

    printed: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in _rows(store, _PRINTED, base):
        printed[row["x"].value].append((int(row["position"].value), one(row["name"].value)))
    papers: dict[str, _Paper] = defaultdict(_Paper)
    for iri, names in printed.items():
        papers[iri].people = [name for _, name in sorted(names)]
    del printed
    for row in _rows(store, _PAPER_TOPICS, base):
        paper = papers[row["x"].value]
        paper.topics.add(one(row["code"].value))
        paper.terms.append(one(row["name"].value if row["name"] else row["code"].value))
    for row in _rows(store, _PAPER_PHRASES, base):
        papers[row["x"].value].terms.append(one(row["name"].value))
    for row in _rows(store, _PAPER_CODE, base):
        papers[row["x"].value].terms.append(one(row["url"].value))
    topics: dict[str, set[str]] = defaultdict(set)  # a person's: hers and her papers'
    for row in _rows(store, _AUTHORS, base):
        paper = papers[row["x"].value]
        name = one(row["name"].value)
        if name not in paper.people:
            paper.people.append(name)
        topics[row["person"].value].update(paper.topics)
    for row in _rows(store, _KNOWS_ABOUT, base):
        topics[row["x"].value].add(one(row["code"].value))
    same.clear()

    for row in _rows(store, _PAPERS, base):
        paper = papers[row["x"].value]
        if paper.written:
            continue
        paper.written = True
        date = row["date"].value if row["date"] else ""
        yield _fields(row["x"].value, "paper", row["name"].value,
                      body=[row["abstract"].value] if row["abstract"] else [],
                      people=paper.people, terms=paper.terms, topics=paper.topics,
                      year=int(date[:4]) if date[:4].isdigit() else None)
    written = {iri for iri, paper in papers.items() if paper.written}
    del papers
    for row in _rows(store, _PERSONS, base):
        iri = row["x"].value
        if iri not in written:
            written.add(iri)
            papers_of = int(row["papers"].value)
            yield _fields(iri, "person", row["name"].value, topics=topics.get(iri, set()),
                          papers=papers_of, rank=papers_of)
    del topics
    for row in _rows(store, _TOPICS, base):
        iri, code = row["x"].value, row["code"].value
        if iri not in written:
            written.add(iri)
            yield _fields(iri, "topic", row["name"].value if row["name"] else code,
                          body=[code], topics={code})
    for row in _rows(store, _PHRASES, base):
        iri = row["x"].value
        if iri not in written:
            written.add(iri)
            yield _fields(iri, "keyphrase", row["name"].value)
    for row in _rows(store, _REPOSITORIES, base):
        iri = row["x"].value
        url = row["url"].value if row["url"] else iri
        if iri not in written:
            written.add(iri)
            yield _fields(iri, "repository", row["name"].value if row["name"] else url,
                          body=[url])


def _fields(iri: str, kind: str, name: str, *, body: list[str] | None = None,
            people: list[str] | None = None, terms: list[str] | None = None,
            topics: set[str] | None = None, year: int | None = None,
            papers: int | None = None, rank: int | None = None) -> dict[str, object]:
    fields: dict[str, object] = {"iri": iri, "kind": kind, "name": name, "body": body or [],
                                 "people": people or [], "terms": terms or [],
                                 "topic": sorted(topics or ())}
    if year is not None:
        fields["year"] = year
    if papers is not None:
        fields["papers"] = papers
    fields["rank"] = rank if rank is not None else _RANK.get(kind, 0)
    return fields
