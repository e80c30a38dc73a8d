"""The merged default graph: the written merge rules, and IRIs that never move.

The two profiles below describe one paper differently, in every way the rules settle: one
page gives no year and cuts the author list, the other gives the year, the whole list, a Code
flag, a longer abstract, another casing of the title and another spelling of a co-author.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from conftest import AS_OF, BASE, SEED, ask, select, value
from kg.build import build
from kg.mapping.iris import Minter
from kg.store import load_in_memory, merge
from kg.store.graphs import replace_graphs
from kg.store.merge import derive

PAGE_A = """Ann Owner

CV
h-index3
2papers
10citations
Novelty50%
AI Score50

2 Papers

CVMar 5
Shared Paper On Merging Rules

Bob Jones, Carl Kim et al.

Abstract from A.

CVJan 2, 2020
Only In A

Ann Owner

Another abstract.
"""

PAGE_B = """Dana Owner

CV
h-index4
1papers
20citations
Novelty40%
AI Score40

1 Papers

CVMar 5, 2024Code
Shared paper on merging rules

Bob Jon\u00e9s, Carl Kim, Ann Owner, Dana Owner

A longer abstract from B about the same paper.
"""

PAPER = "Shared Paper On Merging Rules"


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("disagree")
    (folder / "a.txt").write_text(PAGE_A, encoding="utf-8")
    (folder / "b.txt").write_text(PAGE_B, encoding="utf-8")
    store_dir = folder / "store"
    build([folder / "a.txt", folder / "b.txt"], store_dir, base=BASE, as_of=AS_OF,
          keyphrases=False)  # validation on: the disagreement is no SHACL violation
    return load_in_memory(store_dir)[0]


def _paper() -> str:
    return Minter(BASE).paper(PAPER).value


def test_a_date_with_a_year_beats_an_inferred_one(merged):
    assert select(merged, f"SELECT ?d ?inferred {{ <{_paper()}> schema:datePublished ?d ; "
                          "kg:yearInferred ?inferred }") == [
        {"d": "2024-03-05", "inferred": "false"}]
    # each profile's graph keeps what it said
    assert select(merged, f"""SELECT ?g ?d {{ GRAPH ?g {{ <{_paper()}> schema:datePublished ?d }}
                              }} ORDER BY ?g""") == [
        {"g": f"{BASE}graph/a", "d": "2026-03-05"}, {"g": f"{BASE}graph/b", "d": "2024-03-05"}]


def test_the_longest_author_list_wins_and_is_cut_only_if_every_listing_is(merged):
    assert select(merged, f"""SELECT ?pos ?name ?printed {{ <{_paper()}> kg:authorship ?a .
        ?a schema:item/schema:name ?name ; schema:name ?printed
        OPTIONAL {{ ?a schema:position ?pos }} }} ORDER BY ?pos""") == [
        {"pos": "1", "name": "Bob Jon\u00e9s", "printed": "Bob Jon\u00e9s"},
        {"pos": "2", "name": "Carl Kim", "printed": "Carl Kim"},
        {"pos": "3", "name": "Ann Owner", "printed": "Ann Owner"},
        {"pos": "4", "name": "Dana Owner", "printed": "Dana Owner"}]
    # A's spelling stays in A's graph; the merged authors are the winning list's
    assert sorted(r["n"] for r in select(
        merged, f"SELECT ?n {{ <{_paper()}> schema:author/schema:name ?n }}")) == [
        "Ann Owner", "Bob Jon\u00e9s", "Carl Kim", "Dana Owner"]
    assert ask(merged, f"""ASK {{ GRAPH <{BASE}graph/a> {{ <{_paper()}> schema:author ?p .
                                  ?p schema:name "Bob Jones" }} }}""")
    assert value(merged, f"SELECT ?c {{ <{_paper()}> kg:authorListTruncated ?c }}") == "false"


def test_code_if_any_listing_says_so_one_title_and_the_longest_abstract(merged):
    assert select(merged, f"""SELECT ?code ?title ?abstract {{ <{_paper()}> kg:hasCode ?code ;
        schema:name ?title ; schema:abstract ?abstract }}""") == [
        {"code": "true", "title": PAPER,
         "abstract": "A longer abstract from B about the same paper."}]


def test_each_listing_keeps_its_own_file_and_line(merged):
    assert select(merged, f"""SELECT ?page ?file ?line {{ ?page kg:lists ?l .
        ?l schema:item <{_paper()}> ; kg:sourceFile ?file ; kg:sourceLine ?line }}
        ORDER BY ?file""") == [
        {"page": f"{BASE}profile/a", "file": "a.txt", "line": "12"},
        {"page": f"{BASE}profile/b", "file": "b.txt", "line": "12"}]


def test_an_owner_cut_from_her_list_is_an_unplaced_author(merged):
    only_a = Minter(BASE).paper("Only In A").value
    assert value(merged, f"SELECT (COUNT(*) AS ?n) {{ <{only_a}> kg:authorship ?a }}") == "1"
    owner_papers = select(merged, """SELECT ?t { ?p schema:author ?o ; schema:name ?t .
                                     ?o schema:name "Ann Owner" } ORDER BY ?t""")
    assert owner_papers == [{"t": "Only In A"}, {"t": PAPER}]


def test_the_merge_written_with_the_graphs_equals_the_one_derived_from_them(merged):
    """A full build writes the merged graph as it loads the profile graphs; incremental builds
    and link runs derive it from the named graphs. Both give the same triples."""
    written = set(merged.quads_for_pattern(None, None, None, DefaultGraph()))
    store = Store()
    store.extend(merged)
    derive(store)
    assert set(store.quads_for_pattern(None, None, None, DefaultGraph())) == written


PAGE_TWICE = """Eve Stone

CV
h-index1
2papers
1citations
Novelty10%
AI Score10

2 Papers

CVMar 5
Listed Twice On One Page

Eve Stone, Ann Owner

Short.

CVJan 2, 2021Code
Listed twice on one page

Eve Stone, Ann Owner

A longer abstract of the second listing.
"""

PAGE_OTHER = """Fay Lee

CV
h-index1
1papers
1citations
Novelty10%
AI Score10

1 Papers

CVJan 2, 2021
Listed Twice On One Page

Eve Stone, Fay Lee, Gus Ray

Short.
"""


@pytest.mark.parametrize("workers", [0, 2])
def test_a_page_that_lists_one_title_twice_merges_as_derived(tmp_path: Path, workers: int):
    """Regression: the facts a build collects kept the last of two values a page stated for
    one paper, where the derivation from the graphs joins them all; and the build without
    workers counted a repeated listing's authorships twice."""
    pages = []
    for name, text in (("twice.txt", PAGE_TWICE), ("other.txt", PAGE_OTHER)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        pages.append(tmp_path / name)
    build(pages, tmp_path / "store", base=BASE, as_of=AS_OF, keyphrases=False,
          validate=False, workers=workers)
    built = load_in_memory(tmp_path / "store")[0]
    written = set(built.quads_for_pattern(None, None, None, DefaultGraph()))
    store = Store()
    store.extend(built)
    derive(store)
    assert set(store.quads_for_pattern(None, None, None, DefaultGraph())) == written
    paper = Minter(BASE).paper("Listed Twice On One Page").value
    assert select(built, f"""SELECT ?d ?inferred ?code {{ <{paper}> schema:datePublished ?d ;
        kg:yearInferred ?inferred ; kg:hasCode ?code }}""") == [
        {"d": "2021-01-02", "inferred": "false", "code": "true"}]
    # two listings of two authors are not a list of four: the three-author list wins
    assert [r["n"] for r in select(built, f"""SELECT ?n {{ <{paper}> kg:authorship ?a .
        ?a schema:position ?pos ; schema:name ?n }} ORDER BY ?pos""")] == [
        "Eve Stone", "Fay Lee", "Gus Ray"]


def test_the_rules_triples_load_the_same_in_many_batches(merged, monkeypatch):
    """The rules' triples are bulk-loaded a batch at a time (one call's memory grows with what
    it reads); cut into batches of a few lines, they give the same graph."""
    written = set(merged.quads_for_pattern(None, None, None, DefaultGraph()))
    monkeypatch.setattr(merge, "MERGED_BATCH_CHARS", 300)
    store = Store()
    store.extend(merged)
    calls: list[int] = []
    derive(_Counting(store, calls))
    assert set(store.quads_for_pattern(None, None, None, DefaultGraph())) == written
    assert len(calls) > 5


class _Counting:
    """A store that counts its bulk loads."""

    def __init__(self, store: Store, calls: list[int]) -> None:
        self._store, self._calls = store, calls

    def bulk_load(self, *args, **kwargs):
        self._calls.append(1)
        return self._store.bulk_load(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_iris_do_not_depend_on_the_as_of_date(tmp_path: Path):
    """Regression: a paper whose date has no year took its IRI from the as-of year, so a
    rebuild on another day moved it, and link graphs pointed at nodes that no longer exist."""
    one, two = tmp_path / "one", tmp_path / "two"
    build([SEED], one, base=BASE, as_of=AS_OF, keyphrases=False, validate=False)
    build([SEED], two, base=BASE, as_of=date(2027, 2, 1), keyphrases=False, validate=False)
    entities = "SELECT ?s { ?s a ?type } ORDER BY ?s"
    first, second = load_in_memory(one)[0], load_in_memory(two)[0]
    assert select(first, entities) == select(second, entities)
    inferred = "SELECT (COUNT(*) AS ?n) { ?p kg:yearInferred true }"
    assert value(first, inferred) == value(second, inferred) == "9"
    # a link graph made before a rebuild on another day points only at nodes that exist after
    same_as = NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    links = Minter(BASE).link_graph("test")
    papers = [row["p"] for row in select(first, "SELECT ?p { ?p a schema:ScholarlyArticle }")]
    replace_graphs(one, {links: [Quad(NamedNode(p), same_as, NamedNode(f"urn:x:{i}"), links)
                                 for i, p in enumerate(papers)]})
    build([SEED], one, base=BASE, as_of=date(2027, 2, 1), keyphrases=False, validate=False)
    rebuilt = load_in_memory(one)[0]
    assert value(rebuilt, f"""SELECT (COUNT(*) AS ?n) {{ GRAPH <{links.value}> {{ ?p ?r ?x }}
                              FILTER NOT EXISTS {{ ?p a schema:ScholarlyArticle }} }}""") == "0"
    assert len(list(rebuilt.quads_for_pattern(None, same_as, None, DefaultGraph()))) == 50
