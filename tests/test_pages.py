"""The home page, entity pages and the ontology, through the Flask test client on the seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse

from conftest import AS_OF, BASE, DATA, SEED, value
from kg.build import build
from kg.mapping.vocab import KG, KG_TERMS, OWL, RDF_TYPE, schema
from kg.serve import ServeConfig, create_app
from kg.store import load_in_memory

ZHAO = NamedNode(BASE + "person/guoying-zhao")
ZHAO_NAME = Triple(ZHAO, schema.name, Literal("Guoying Zhao"))
HTML = {"Accept": "text/html"}


def triples(body: bytes, fmt: RdfFormat) -> set[Triple]:
    return {q.triple for q in parse(body, format=fmt)}


def section(html: str, name: str) -> str:
    """The text of `<section id="name">` of a page."""
    match = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert match, f"no section {name!r}"
    return match.group(1)


def count(html: str, label: str) -> int:
    match = re.search(rf'<th scope="row">{label}</th><td class="num">(\d+)</td>', html)
    assert match, f"no count {label!r}"
    return int(match.group(1))


def paper_path(store: Store, title_start: str) -> str:
    iri = value(store, f'SELECT ?p {{ ?p schema:name ?t FILTER(STRSTARTS(?t, "{title_start}")) }}')
    return "/" + iri.removeprefix(BASE)


def small_app(tmp_path: Path, sources: list[Path], **build_options: object):  # type: ignore[no-untyped-def]
    store_dir = tmp_path / "store"
    build(sources, store_dir, base=BASE, as_of=AS_OF, keyphrases=False, **build_options)
    memory, _info = load_in_memory(store_dir)
    return create_app(ServeConfig(store=memory, base=BASE)).test_client()


def test_home_page_shows_what_the_graph_holds(client):
    response = client.get("/", headers=HTML)
    assert response.status_code == 200
    html = response.text
    assert (count(html, "Papers"), count(html, "Persons"), count(html, "Topics"),
            count(html, "Repositories"), count(html, "Triples")) == (50, 74, 5, 23, 3075)
    for link in ("/queries", "/dumps/", "/ontology", "/sparql", "/person/guoying-zhao"):
        assert f'href="{link}"' in html


def test_home_page_figures_are_computed_once_per_app(tmp_path: Path):
    """Counting takes a minute at 10,000 profiles: the home page counts once per app (a graph
    served without updates does not change), so a quad added behind its back is not seen."""
    store = Store()
    store.add(Quad(NamedNode(BASE + "paper/p"), RDF_TYPE, schema.ScholarlyArticle))
    client = create_app(ServeConfig(store=store, base=BASE)).test_client()
    assert count(client.get("/", headers=HTML).text, "Papers") == 1
    store.add(Quad(NamedNode(BASE + "paper/q"), RDF_TYPE, schema.ScholarlyArticle))
    assert count(client.get("/", headers=HTML).text, "Papers") == 1
    fresh = create_app(ServeConfig(store=store, base=BASE)).test_client()
    assert count(fresh.get("/", headers=HTML).text, "Papers") == 2


def test_person_page_lists_her_fifty_papers_newest_first(client):
    """Regression: her page listed the 10 papers whose printed author list names her; the
    other 40 end in "et al." before her name, yet her own profile lists them."""
    response = client.get("/person/guoying-zhao", headers=HTML)
    assert response.status_code == 200
    assert response.headers["Vary"] == "Accept"
    html = response.text
    assert "<h1>Guoying Zhao</h1>" in html
    papers = section(html, "papers")
    assert "<h2>Papers (50)</h2>" in papers
    dates = re.findall(r'<td class="date">([\d-]+)</td>', papers)
    assert len(dates) == 50 and dates == sorted(dates, reverse=True)
    assert dates[0] == "2026-05-16"
    assert 'href="/paper/ric-cnn-rotation-invariant-coordinate-7b1c036d">RIC-CNN: ' in papers


def test_person_page_counts_shared_papers_per_co_author(client):
    coauthors = section(client.get("/person/guoying-zhao", headers=HTML).text, "coauthors")
    rows = re.findall(r'<a href="(/person/[^"]+)">([^<]+)</a></td><td class="num">(\d+)</td>',
                      coauthors)
    assert rows[0] == ("/person/haoyu-chen", "Haoyu Chen", "8")
    assert ("/person/wei-peng", "Wei Peng", "4") in rows
    assert ("/person/tuomas-varanka", "Tuomas Varanka", "6") in rows  # her name cut by et al.
    assert len(rows) == 73
    assert "<h2>Co-authors (73)</h2>" in coauthors


def test_paper_page_shows_authors_in_order(client, store):
    path = paper_path(store, "Data Leakage")
    html = client.get(path, headers=HTML).text
    parts = section(html, "parts")
    assert re.findall(r'<tr id="(author-\d+)">', parts) == ["author-1", "author-2", "author-3"]
    names = re.findall(r'<a href="/person/[^"]+"[^>]*>([^<]+)</a>', parts)
    # and the profile's owner, whose place "et al." hid: an author without a position
    assert names == ["Tuomas Varanka", "Yante Li", "Wei Peng", "Guoying Zhao"]
    assert 'href="/repository/github.com/tvaranka/meb"' in html


@pytest.mark.parametrize("path, headers", [
    ("/person/guoying-zhao.ttl", {}),
    ("/person/guoying-zhao.ttl", {"Accept": "text/html"}),  # the suffix wins
    ("/person/guoying-zhao", {"Accept": "text/turtle"}),
])
def test_turtle_by_suffix_or_accept(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert response.headers["Vary"] == "Accept"
    assert "@prefix schema: <https://schema.org/> ." in response.text
    assert ZHAO_NAME in triples(response.data, RdfFormat.TURTLE)


@pytest.mark.parametrize("suffix, media, fmt", [
    ("nt", "application/n-triples", RdfFormat.N_TRIPLES),
    ("jsonld", "application/ld+json", RdfFormat.JSON_LD),
    ("rdf", "application/rdf+xml", RdfFormat.RDF_XML),  # .rdf was a 404 where .ttl worked
])
def test_n_triples_and_json_ld(client, suffix, media, fmt):
    by_suffix = client.get(f"/person/guoying-zhao.{suffix}")
    by_accept = client.get("/person/guoying-zhao", headers={"Accept": media})
    for response in (by_suffix, by_accept):
        assert response.status_code == 200
        assert response.mimetype == media
        assert ZHAO_NAME in triples(response.data, fmt)


def test_description_holds_outgoing_incoming_and_hash_parts(client, store):
    path = paper_path(store, "Data Leakage")
    paper = NamedNode(BASE + path[1:])
    graph = triples(client.get(path + ".nt").data, RdfFormat.N_TRIPLES)
    author_1 = NamedNode(paper.value + "#author-1")
    assert Triple(author_1, schema.position, Literal("1", datatype=NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))) in graph
    unplaced = {t.subject for t in graph if t.subject.value.startswith(paper.value + "#author-")
                and not t.subject.value[len(paper.value) + 8:].isdigit()}
    assert len(unplaced) == 1  # Guoying Zhao, cut by "et al.", listed by her own profile
    assert {t.subject for t in graph} == {
        paper, author_1, NamedNode(paper.value + "#author-2"), NamedNode(paper.value + "#author-3"),
        *unplaced, NamedNode(f"{BASE}profile/{SEED.stem}#paper-1"),
        NamedNode(paper.value + ".nt")}  # the document, saying what it is about
    person = triples(client.get("/person/tuomas-varanka.nt").data, RdfFormat.N_TRIPLES)
    assert Triple(author_1, NamedNode("https://schema.org/item"),
                  NamedNode(BASE + "person/tuomas-varanka")) in person


def test_q_values_are_honoured(client):
    response = client.get("/person/guoying-zhao",
                          headers={"Accept": "text/turtle;q=0.5, application/n-triples"})
    assert response.mimetype == "application/n-triples"
    assert ZHAO_NAME in triples(response.data, RdfFormat.N_TRIPLES)


def test_browser_accept_header_gets_html(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/person/guoying-zhao", headers={"Accept": accept}).mimetype == "text/html"


def test_unacceptable_media_type_is_406(client):
    assert client.get("/person/guoying-zhao", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("path", ["/person/nobody", "/person/nobody.ttl", "/paper/",
                                  '/person/x%22%20%7D%20UNION%20%7B', "/graph/nope"])
def test_unknown_iri_is_404(client, path):
    page = client.get(path, headers=HTML)
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "<h1>Not found</h1>" in page.text
    text = client.get(path, headers={"Accept": "text/turtle"})
    assert text.status_code == 404
    assert text.mimetype == "text/plain"


def test_iri_with_dots_is_not_taken_for_a_suffix(client):
    response = client.get("/repository/github.com/zitongyu/cdcn", headers=HTML)
    assert response.status_code == 200
    assert "<h1>ZitongYu/CDCN</h1>" in response.text
    assert len(re.findall(r"<tr><td>", section(response.text, "incoming"))) == 2


def test_ontology_page_anchors_every_term(client):
    response = client.get("/ontology", headers=HTML)
    assert response.status_code == 200
    html = response.text
    term = re.search(r'<section class="term" id="hIndex">(.*?)</section>', html, re.S)
    assert term and '<p class="label">h-index</p>' in term.group(1)
    assert "datatype property" in term.group(1)
    assert len(re.findall(r'<section class="term" id="', html)) == len(KG_TERMS)


def test_ontology_as_turtle(client):
    response = client.get("/ontology.ttl")
    assert response.status_code == 200
    assert "kg:hIndex a owl:DatatypeProperty" in response.text
    graph = triples(response.data, RdfFormat.TURTLE)
    h_index = NamedNode(KG + "hIndex")
    assert Triple(h_index, RDF_TYPE, NamedNode(OWL + "DatatypeProperty")) in graph
    by_accept = client.get("/ontology", headers={"Accept": "application/n-triples"})
    assert triples(by_accept.data, RdfFormat.N_TRIPLES) == graph
    assert client.get("/ontology.xml").status_code == 404


PROFILE = """Ada <b>Lovelace</b>

CV
h-index3
4papers
10citations
Novelty50%
AI Score60

1 Papers

CVMar 1, 2024Code
<script>alert(1)</script> Engines

Ada <b>Lovelace</b>, Charles Babbage

An abstract with <img src=x onerror=alert(2)> in it.
"""


def test_markup_in_data_is_escaped(tmp_path):
    source = tmp_path / "ada.txt"
    source.write_text(PROFILE, encoding="utf-8")
    client = small_app(tmp_path, [source])
    home = client.get("/").text
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in home and "<b>" not in home
    person = re.search(r'href="(/person/[^"]+)">Ada', home)
    assert person
    page = client.get(person.group(1), headers=HTML).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Engines" in page
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    paper = re.search(r'href="(/paper/[^"]+)">&lt;script', page)
    assert paper
    paper_page = client.get(paper.group(1), headers=HTML).text
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; Engines</h1>" in paper_page
    assert "&lt;img src=x onerror=alert(2)&gt;" in paper_page and "<img" not in paper_page


def test_union_repeats_are_served_once(tmp_path):
    """A paper listed by two profiles has its triples in both graphs: one copy is served."""
    client = small_app(tmp_path, [SEED, DATA / "second_profile.txt"], validate=False)
    lines = client.get("/person/tuomas-varanka.nt").text.splitlines()
    assert len(lines) == len(set(lines))
    name = f'<{BASE}person/tuomas-varanka> <https://schema.org/name> "Tuomas Varanka" .'
    assert lines.count(name) == 1
    html = client.get("/person/tuomas-varanka", headers=HTML).text
    # the shared papers are in both graphs, and count once: she is an author of the six
    # papers of her profile that name him
    assert "Guoying Zhao</a></td><td class=\"num\">6</td>" in html


def test_plain_rdf_file_has_a_home_page_but_no_entity_pages():
    store = Store()
    store.add(Quad(ZHAO, schema.name, Literal("Guoying Zhao")))
    client = create_app(ServeConfig(store=store, base=None)).test_client()
    home = client.get("/")
    assert home.status_code == 200
    assert count(home.text, "Triples") == 1
    assert client.get("/person/guoying-zhao", headers=HTML).status_code == 404
    assert client.get("/ontology").status_code == 200


def test_escaped_non_ascii_and_dotted_iris_dereference():
    """IRIs holding %-escapes, non-ASCII letters or a format-like suffix each find their page."""
    store = Store()
    paths = ["repository/example.org:8080/a%20b", "keyphrase/café", "paper/p.nt"]
    for path in paths:
        store.add(Quad(NamedNode(BASE + path), schema.name, Literal(f"name of {path}")))
    client = create_app(ServeConfig(store=store, base=BASE)).test_client()
    for url, path in [("/repository/example.org:8080/a%20b", paths[0]),
                      ("/keyphrase/caf%C3%A9", paths[1]), ("/paper/p.nt", paths[2])]:
        page = client.get(url, headers=HTML)
        assert page.status_code == 200, url
        assert f"<h1>name of {path}</h1>" in page.text
    assert client.get("/paper/p.nt.nt").mimetype == "application/n-triples"
    assert client.get("/repository/example.org:8080/a%20b.ttl").mimetype == "text/turtle"


def test_a_hub_page_lists_a_bounded_number_of_incoming_links(store, monkeypatch):
    """A topic of a large graph is pointed at by every paper in it: the page must stay small."""
    import kg.serve.entities as entities

    monkeypatch.setattr(entities, "INCOMING_LIMIT", 10)
    client = create_app(ServeConfig(store=store, base=BASE)).test_client()
    page = client.get("/topic/cs.CV", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Linked from (the first 10)" in page
    assert "ask the\n  <a href=\"/sparql\">SPARQL endpoint</a> for all of them" in page
    turtle = client.get("/topic/cs.CV.nt").get_data(as_text=True)
    # ten incoming links, and the document's foaf:primaryTopic
    assert turtle.count("<http://127.0.0.1:8000/topic/cs.CV> .") == 11


def test_a_profile_graph_iri_dereferences(client):
    response = client.get(f"/graph/{SEED.stem}.ttl")
    assert response.status_code == 200
    assert "kg:ProfileGraph" in response.text and "kg:sha256" in response.text


def test_an_entity_iri_answers_303_with_the_document_about_it(client):
    """Regression: an entity IRI answered with a document, as if the person were a web page;
    it names a thing now, and says where the documents about it are (issue 14)."""
    page = client.get("/person/guoying-zhao", headers=HTML, follow_redirects=False)
    assert (page.status_code, page.headers["Location"]) == (303, "/person/guoying-zhao.html")
    assert page.headers["Vary"] == "Accept"
    turtle = client.get("/person/guoying-zhao", headers={"Accept": "text/turtle"},
                        follow_redirects=False)
    assert (turtle.status_code, turtle.headers["Location"]) == (303, "/person/guoying-zhao.ttl")
    assert turtle.headers["Link"].split(", ") == [
        '</person/guoying-zhao.ttl>; rel="describedby"; type="text/turtle"',
        '</person/guoying-zhao.html>; rel="alternate"; type="text/html"',
        '</person/guoying-zhao.nt>; rel="alternate"; type="application/n-triples"',
        '</person/guoying-zhao.jsonld>; rel="alternate"; type="application/ld+json"',
        '</person/guoying-zhao.rdf>; rel="alternate"; type="application/rdf+xml"']
    dotted = client.get("/topic/cs.CV", headers=HTML, follow_redirects=False)
    assert dotted.headers["Location"] == "/topic/cs.CV.html"
    assert client.get("/topic/cs.CV.html", headers=HTML).status_code == 200


def test_an_rdf_document_says_what_it_is_about_its_licence_and_dataset(client):
    graph = triples(client.get("/person/guoying-zhao.nt").data, RdfFormat.N_TRIPLES)
    document = NamedNode(BASE + "person/guoying-zhao.nt")
    about = {(t.predicate.value, t.object.value) for t in graph if t.subject == document}
    assert about == {
        ("http://xmlns.com/foaf/0.1/primaryTopic", BASE + "person/guoying-zhao"),
        ("http://purl.org/dc/terms/license", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("http://rdfs.org/ns/void#inDataset", BASE + ".well-known/void#dataset")}
