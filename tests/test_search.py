"""Full-text search on the seed: exact hits and facet counts, the index's life beside the store
(built, swapped, kept by a failed build, rebuilt by an incremental one), /search, `kg search`,
`kg:search` in SPARQL, and hostile input.

Where a count can be worked out without the index, it is: by SPARQL on the same store (papers
whose text holds a word, papers per year of a person), so the index is checked against the
graph, not against itself.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from pyoxigraph import Store

from conftest import AS_OF, BASE, DATA, SEED, select
from kg.build import build
from kg.cli import main
from kg.errors import ProfileError, SearchError
from kg.search import SearchIndex, open_index
from kg.search.sparql import search_functions
from kg.serve import ServeConfig, create_app
from kg.store import run_query
from kg.store.graphs import replace_graphs
from servers import Server

ZHAO = BASE + "person/guoying-zhao"
ETHNIC = BASE + "paper/is-micro-expression-ethnic-leaning-c2bc88b0"


def papers_with_word(store: Store, word: str) -> set[str]:
    """Papers whose title, abstract, an author's name, a topic or a key phrase holds `word`."""
    rows = select(store, f"""SELECT DISTINCT ?p {{
      ?p a schema:ScholarlyArticle .
      {{ ?p schema:name|schema:abstract ?text }}
      UNION {{ ?p schema:author|schema:keywords|schema:about ?x . ?x schema:name ?text }}
      FILTER(REGEX(?text, "\\\\b{word}\\\\b", "i"))
    }}""")
    return {row["p"] for row in rows}


# --- the index on the seed -------------------------------------------------------------------


def test_a_word_finds_exactly_the_papers_whose_text_holds_it(search_index, store):
    result = search_index.search("photoplethysmography", kinds=["paper"], limit=100)
    expected = papers_with_word(store, "photoplethysmography")
    assert len(expected) == 5
    assert {hit.iri for hit in result.hits} == expected
    assert result.total == 5
    # the facets count every type (the type filter is not applied to its own facet)
    assert dict(result.facets["kind"]) == {"paper": 5, "keyphrase": 3}
    values = " ".join(f"<{p}>" for p in expected)
    years = select(store, f"""SELECT ?y (COUNT(*) AS ?n) {{ VALUES ?p {{ {values} }}
      ?p schema:datePublished ?d BIND(STR(YEAR(?d)) AS ?y) }} GROUP BY ?y""")
    assert dict(result.facets["year"]) == {r["y"]: int(r["n"]) for r in years}
    assert result.hits[0].name == ("Biometric Authentication Based on Enhanced Remote "
                                   "Photoplethysmography Signal Morphology")


def test_a_name_cut_short_finds_the_person_first_then_her_papers(search_index, store):
    result = search_index.search("zhao guoy", limit=20)
    assert (result.hits[0].iri, result.hits[0].kind) == (ZHAO, "person")
    assert result.hits[0].papers == 50
    assert result.total == 51
    assert dict(result.facets["kind"]) == {"paper": 50, "person": 1}
    per_year = select(store, f"""SELECT ?y (COUNT(*) AS ?n) {{
      ?p schema:author <{ZHAO}> ; schema:datePublished ?d BIND(STR(YEAR(?d)) AS ?y)
    }} GROUP BY ?y""")
    assert dict(result.facets["year"]) == {r["y"]: int(r["n"]) for r in per_year}
    assert result.facets["year"][0] == ("2026", 9)  # newest first
    assert result.facets["topic"] == [("cs.CV", 45), ("cs.CL", 3), ("cs.LG", 3), ("cs.HC", 2),
                                      ("eess.IV", 2)]


@pytest.mark.parametrize(("text", "name"), [
    ("Zitong Yo", "Zitong Yu"),          # the last word cut short and misspelt
    ("Guoying Zaho", "Guoying Zhao"),    # letters swapped
    ("Guoyng Zhao", "Guoying Zhao"),     # a letter missing
    ("Tiina Tormanen", "Tiina Törmänen"),  # diacritics folded
    ("TÖRMÄNEN", "Tiina Törmänen"),
])
def test_names_are_found_with_typos_prefixes_and_without_accents(search_index, text, name):
    top = search_index.search(text, limit=1).hits[0]
    assert (top.kind, top.name) == ("person", name)


def test_filters_narrow_the_hits_and_the_other_facets(search_index):
    result = search_index.search("micro expression", kinds=["paper"], years=[2023], limit=10)
    assert sorted(hit.name for hit in result.hits) == [
        "An Empirical Study of Super-resolution on Low-resolution Micro-expression Recognition",
        "Prior Information based Decomposition and Reconstruction Learning for "
        "Micro-Expression Recognition",
    ]
    assert dict(result.facets["kind"]) == {"paper": 2}  # the year filter applies to types
    assert dict(result.facets["year"]) == {"2026": 1, "2025": 1, "2023": 2, "2022": 2}
    assert result.facets["topic"] == [("cs.CV", 2)]


def test_the_matching_words_of_an_abstract_are_highlighted(search_index):
    hit = next(h for h in search_index.search("ethnicity").hits if h.iri == ETHNIC)
    assert hit.field == "body"
    # the fragment where the word is densest: it occurs once more, earlier
    assert [text for text, match in hit.highlight if match] == ["ethnicity", "ethnicity"]
    assert "".join(text for text, _ in hit.highlight).endswith(
        "compare mono-ethnicity and stereo-ethnicity in a controlled")


def test_pages_cover_every_hit_once(search_index):
    pages = [search_index.search("zhao guoy", offset=o, limit=20).hits for o in (0, 20, 40)]
    assert [len(p) for p in pages] == [20, 20, 11]
    assert len({hit.iri for page in pages for hit in page}) == 51


@pytest.mark.parametrize("text", ['"', "*", "", "   ", "x" * 1001])
def test_a_search_without_words_or_too_long_is_refused(search_index, text):
    with pytest.raises(SearchError):
        search_index.search(text)


# --- the index beside the store --------------------------------------------------------------


def test_build_writes_the_index_and_a_failed_build_keeps_it(tmp_path: Path):
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    first = store_dir.resolve()
    assert open_index(first).search("ethnicity").total == 2
    broken = tmp_path / "broken.txt"
    broken.write_text(SEED.read_text("utf-8").replace("h-index", "h-index X", 1), "utf-8")
    with pytest.raises(ProfileError):
        build([broken], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    assert store_dir.resolve() == first
    assert open_index(first).search("ethnicity").total == 2


def test_an_incremental_build_updates_the_index(tmp_path: Path):
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    assert open_index(store_dir.resolve()).search("Tuomas Varanka", kinds=["person"]).total == 1
    second = DATA / "second_profile.txt"
    report = build([SEED, second], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    assert (report.rebuilt, report.reused) == (1, 1)
    index = open_index(store_dir.resolve())
    varanka = index.search("Tuomas Varanka", kinds=["person"]).hits[0]
    assert varanka.papers > 2  # his own profile lists more than the seed's two
    report = build([second], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    assert report.removed == 1
    assert open_index(store_dir.resolve()).search("zhao guoy", kinds=["person"]).hits[0] \
        .papers < 50


def test_a_link_run_keeps_the_index(tmp_path: Path):
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    before = store_dir.resolve()
    replace_graphs(store_dir, {})
    assert store_dir.resolve() != before
    shutil.rmtree(before)  # the new build's index must not depend on the old folder
    assert open_index(store_dir.resolve()).search("ethnicity").total == 2


# --- kg:search in SPARQL ---------------------------------------------------------------------

KG_SEARCH = """SELECT ?paper ?score {
  ?paper a schema:ScholarlyArticle .
  BIND(kg:search(?paper, "photoplethysmography") AS ?score) FILTER(BOUND(?score))
} ORDER BY DESC(?score)"""


def test_kg_search_in_sparql_scores_the_papers_search_finds(store, search_index):
    rows = list(run_query(store, KG_SEARCH, BASE,
                          custom_functions=search_functions(search_index)))
    assert {row["paper"].value for row in rows} == papers_with_word(store, "photoplethysmography")
    hits = search_index.search("photoplethysmography", kinds=["paper"]).hits
    assert [(row["paper"].value, round(float(row["score"].value), 4)) for row in rows] == [
        (hit.iri, round(hit.score, 4)) for hit in hits]


def test_kg_search_at_the_endpoint(client, store):
    response = client.post("/sparql", data={"query": KG_SEARCH},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    found = {b["paper"]["value"] for b in response.json["results"]["bindings"]}
    assert found == papers_with_word(store, "photoplethysmography")


def test_kg_search_without_an_index_leaves_every_row_unbound(store):
    assert list(run_query(store, KG_SEARCH, BASE, custom_functions=search_functions(None))) == []
    client = create_app(ServeConfig(store=store, base=BASE)).test_client()
    response = client.post("/sparql", data={"query": KG_SEARCH},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.json["results"]["bindings"] == []


# --- /search ---------------------------------------------------------------------------------


def test_search_json(client):
    response = client.get("/search", query_string={"q": "zhao guoy", "type": "person"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["pages"], body["filters"]) == (1, 1, {"type": ["person"]})
    assert body["results"][0]["path"] == "/person/guoying-zhao"
    assert body["results"][0]["name"] == "Guoying Zhao"
    assert body["facets"]["type"] == [{"value": "paper", "count": 50},
                                      {"value": "person", "count": 1}]


def test_search_page_marks_the_matching_words(client):
    response = client.get("/search?q=ethnicity")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/paper/is-micro-expression-ethnic-leaning-c2bc88b0"' in html
    assert "compare mono-<mark>ethnicity</mark> and stereo-<mark>ethnicity</mark> in" in html
    assert 'href="/search?q=ethnicity&amp;type=paper"' in html  # a facet link
    assert "3 results" in html


@pytest.mark.parametrize("q", ['"', "*", "OR", "AND OR NOT", "x" * 10_000, '"unpaired',
                               'title:"x', "(((", "\x00", "a" * 70, "名前", "-", "\\"])
@pytest.mark.parametrize("extra", [{}, {"format": "json"}, {"type": "nope"}, {"year": "x"},
                                   {"page": "0"}, {"page": "100000"}, {"topic": "*"}])
def test_hostile_search_is_answered_never_a_500(client, q, extra):
    response = client.get("/search", query_string={"q": q, **extra})
    assert response.status_code in (200, 400), response.get_data(as_text=True)


def test_hostile_search_statuses(client):
    assert client.get("/search", query_string={"q": "x" * 10_000}).status_code == 400
    assert client.get("/search", query_string={"q": '"*'}).status_code == 400
    assert client.get("/search", query_string={"q": "OR", "format": "json"}).status_code == 200
    assert client.get("/search", query_string={"q": "a", "type": "nope"}).status_code == 400
    one_letter = client.get("/search?q=a&format=json").json  # answered, and counted right
    assert one_letter["total"] == sum(f["count"] for f in one_letter["facets"]["type"]) > 0


def test_every_page_has_the_search_box_and_the_opensearch_link(client):
    for path in ("/", "/person/guoying-zhao", "/queries", "/search"):
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert '<form class="search-box" action="/search" method="get" role="search">' in html
        assert ('<link rel="search" type="application/opensearchdescription+xml" '
                'href="/opensearch.xml" title="scholarkg">') in html, path


def test_opensearch_description(client):
    response = client.get("/opensearch.xml", base_url="http://127.0.0.1:8000")
    assert response.mimetype == "application/opensearchdescription+xml"
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    root = ET.fromstring(response.data)
    assert root.find("os:ShortName", ns).text == "scholarkg"
    templates = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    assert templates["text/html"] == "http://127.0.0.1:8000/search?q={searchTerms}"
    assert templates["application/json"] == \
        "http://127.0.0.1:8000/search?format=json&q={searchTerms}"


def test_a_graph_without_an_index_answers_501(store):
    client = create_app(ServeConfig(store=store, base=BASE)).test_client()
    assert client.get("/search?q=zhao").status_code == 501
    assert client.get("/search?q=zhao&format=json").json["error"].startswith(
        "this graph has no search index")


# --- kg search -------------------------------------------------------------------------------


def test_kg_search_command(runner, seed_store_dir):
    result = runner.invoke(main, ["search", "zhao guoy", "--store", str(seed_store_dir),
                                  "--type", "person", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["total"] == 1
    assert body["results"][0]["iri"] == ZHAO
    assert body["facets"]["kind"] == {"paper": 50, "person": 1}
    table = runner.invoke(main, ["search", "Tormanen", "--store", str(seed_store_dir)])
    assert "Tiina Törmänen" in table.output


def test_kg_search_says_what_is_wrong(runner, seed_store_dir, tmp_path):
    result = runner.invoke(main, ["search", '"', "--store", str(seed_store_dir)])
    assert (result.exit_code, result.output) == (
        1, "kg: nothing to search for: give at least one word\n")
    result = runner.invoke(main, ["search", "x", "--store", "http://127.0.0.1:9/sparql"])
    assert result.exit_code == 1
    assert "has no search index" in result.output


def test_kg_query_knows_kg_search(runner, seed_store_dir):
    result = runner.invoke(main, ["query", KG_SEARCH, "--store", str(seed_store_dir),
                                  "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 1 + 5


def test_an_index_from_elsewhere_is_refused(tmp_path: Path):
    with pytest.raises(SearchError):
        SearchIndex(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["memory", "disk"])
def test_kg_serve_searches_from_its_own_copy_of_the_index(tmp_path: Path, mode: str):
    """A real `kg serve`: its query workers evaluate kg:search, /search and /reconcile answer,
    and a rebuild that removes the served build's folder takes nothing from them."""
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    served = store_dir.resolve()
    server = Server("--store", str(store_dir), "--workers", "1", "--mode", mode)
    try:
        build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False, full=True)
        build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False, full=True)
        assert not served.exists()
        response = server.query(KG_SEARCH)
        assert response.status_code == 200, response.text
        assert len(response.json()["results"]["bindings"]) == 5
        found = requests.get(f"{server.url}/search", params={"q": "zhao guoy", "format": "json"},
                             timeout=30)
        assert (found.status_code, found.json()["results"][0]["name"]) == (200, "Guoying Zhao")
        manifest = requests.get(f"{server.url}/reconcile", timeout=30).json()
        assert manifest["versions"] == ["0.2"]
    finally:
        server.stop()
