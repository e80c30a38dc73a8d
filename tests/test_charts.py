"""The pictures on the home, person and topic pages, counted against the seed's own data, and
the schema.org JSON-LD every entity page embeds. The seed is 50 papers of Guoying Zhao; every
expected number is computed here from the seed graph with a query of the test's own."""

from __future__ import annotations

import json
import re

from pyoxigraph import Store

from conftest import BASE, select
from kg.serve import ServeConfig, create_app
from kg.serve.charts import Series, bar_chart, json_ld, network

PERSON = "/person/guoying-zhao"
TOPIC = "/topic/cs.CV"


def papers_per_year(store: Store, pattern: str) -> dict[int, tuple[int, int]]:
    """{year: (papers, with code)} computed from the seed, paper by paper."""
    rows = select(store, "SELECT ?paper ?d ?r { ?paper a schema:ScholarlyArticle ; "
                  f"schema:datePublished ?d . {pattern} "
                  "OPTIONAL { ?paper kg:hasSourceCode ?r } }")
    papers: dict[str, tuple[int, bool]] = {}
    for r in rows:
        year, coded = papers.get(r["paper"], (9999, False))
        papers[r["paper"]] = (min(year, int(r["d"][:4])), coded or "r" in r)
    found: dict[int, tuple[int, int]] = {}
    for year, coded in papers.values():
        n, c = found.get(year, (0, 0))
        found[year] = (n + 1, c + int(coded))
    return found


def _section(html: str, id: str) -> str:
    match = re.search(rf'<section id="chart-{id}".*?</section>', html, re.S)
    assert match, f"no chart {id}"
    return match.group(0)


def _bars(section: str) -> dict[str, list[int]]:
    """{label: [values of its marks]} of a bar chart's SVG."""
    svg = section.split("</figure>")[0]
    return {label: [int(v) for v in re.findall(r'data-value="(\d+)"', body)]
            for label, body in re.findall(r'<g class="bar" data-label="([^"]*)">(.*?)</g>',
                                           svg, re.S)}


def expected_bars(years: dict[int, tuple[int, int]]) -> dict[str, list[int]]:
    """A bar per year from the first to the last, a segment per non-zero part (code first)."""
    return {str(y): [v for v in (years.get(y, (0, 0))[1],
                                 years.get(y, (0, 0))[0] - years.get(y, (0, 0))[1]) if v]
            for y in range(min(years), max(years) + 1)}


def test_person_papers_per_year_draws_a_bar_per_year_split_by_code(client, store):
    years = papers_per_year(store, f"?paper schema:author <{BASE}{PERSON[1:]}> .")
    section = _section(client.get(PERSON + ".html").get_data(as_text=True), "years")
    assert _bars(section) == expected_bars(years)
    assert sum(n for n, _ in years.values()) == 50
    assert ">Year</text>" in section and ">Papers</text>" in section
    assert "<table" in section  # the numbers without the picture


def test_home_draws_papers_per_year_across_profiles_after_a_search_box(client, store):
    html = client.get("/").get_data(as_text=True)
    assert html.index('class="search-first"') < html.index("<h1>")
    assert _bars(_section(html, "years")) == expected_bars(papers_per_year(store, ""))


def test_topic_page_draws_papers_per_year_and_its_most_frequent_authors(client, store):
    html = client.get(TOPIC + ".html").get_data(as_text=True)
    years = papers_per_year(store, f"?paper schema:about <{BASE}{TOPIC[1:]}> .")
    assert _bars(_section(html, "years")) == expected_bars(years)
    authors = select(store, "SELECT ?a (COUNT(DISTINCT ?p) AS ?n) { ?p schema:about "
                     f"<{BASE}{TOPIC[1:]}> ; schema:author ?a }} GROUP BY ?a")
    top = sorted((int(r["n"]) for r in authors), reverse=True)[:10]
    bars = _bars(_section(html, "authors"))
    assert [v for values in bars.values() for v in values] == top
    assert "Guoying Zhao" in bars and bars["Guoying Zhao"] == [top[0]]


def test_topics_over_time_has_a_cell_per_topic_and_year_with_papers(client, store):
    rows = select(store, "SELECT DISTINCT ?t ?paper ?d { ?paper schema:author "
                  f"<{BASE}{PERSON[1:]}> ; schema:about ?t ; schema:datePublished ?d }}")
    cells = {(r["t"], r["d"][:4]) for r in rows}
    section = _section(client.get(PERSON + ".html").get_data(as_text=True), "topics")
    assert section.count('class="mark cell"') == len(cells)
    assert ">Year</text>" in section and ">Topic (papers)</text>" in section


def test_coauthor_network_draws_a_node_per_coauthor_sized_by_shared_papers(client, store):
    rows = select(store, "SELECT ?o (COUNT(DISTINCT ?p) AS ?n) { ?p schema:author "
                  f"<{BASE}{PERSON[1:]}>, ?o FILTER(?o != <{BASE}{PERSON[1:]}>) }} GROUP BY ?o")
    shared = sorted((int(r["n"]) for r in rows), reverse=True)[:24]
    section = _section(client.get(PERSON + ".html").get_data(as_text=True), "network")
    nodes = re.findall(r'class="mark node" data-value="(\d+)"', section)
    assert sorted(map(int, nodes), reverse=True) == shared


def test_a_person_page_embeds_her_and_her_papers_as_schema_org_json_ld(client, store):
    html = client.get(PERSON + ".html").get_data(as_text=True)
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    document = json.loads(match.group(1))
    nodes = {n["@id"]: n for n in document["@graph"]}
    person = nodes[f"{BASE}{PERSON[1:]}"]
    assert person["@type"] == "Person" and person["name"] == "Guoying Zhao"
    papers = [n for n in nodes.values() if n.get("@type") == "ScholarlyArticle"]
    assert len(papers) == 50
    for paper in papers:
        authors = paper["author"] if isinstance(paper["author"], list) else [paper["author"]]
        assert f"{BASE}{PERSON[1:]}" in authors and paper["name"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", paper["datePublished"])
    assert document["@context"]["name"] == "https://schema.org/name" or \
        document["@context"]["name"]["@id"] == "https://schema.org/name"


def test_script_closing_markup_in_a_title_cannot_leave_the_json_ld(store):
    """A title holding `</script><script>alert(1)</script>` must stay a JSON string."""
    from pyoxigraph import Literal, NamedNode, Triple

    title = "</script><script>alert(1)</script> & more"
    text = str(json_ld([Triple(NamedNode(BASE + "paper/x"),
                               NamedNode("https://schema.org/name"), Literal(title))], BASE))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"] == title


def test_a_graph_without_dated_papers_draws_no_empty_chart(store):
    """An empty store: the home page answers, with no chart section and no bar."""
    app = create_app(ServeConfig(store=Store(), base=BASE))
    response = app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="chart-' not in html and 'class="bar"' not in html


def test_markup_in_a_name_stays_text_in_the_svg():
    """A co-author or axis name holding `<script>` is escaped by the SVG writer, never markup."""
    name = "<script>alert(1)</script>"
    svg = str(network("Co-authors", name, [(name, "/person/x", 2)]))
    svg += str(bar_chart(name, [name], [Series(name, "code", [1])], name, name))
    # network: node title, node label, centre; bars: chart title, data-label, bar title (label
    # and series), slanted tick, both axis labels
    assert "<script>" not in svg and svg.count("&lt;script&gt;") == 10
