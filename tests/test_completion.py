"""The query editor's completion endpoints (/complete/…) on the seed: exact answers, and that
classes and properties are read once per served build."""

from __future__ import annotations

from collections import Counter

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from conftest import BASE
from kg.mapping.vocab import KG, PREFIX_SETS, RDF, SCHEMA
from kg.serve import ServeConfig, create_app
from kg.serve.completion import known_prefixes, prefixed

GUOYING = {"iri": BASE + "person/guoying-zhao", "name": "Guoying Zhao", "type": "person",
           "description": "person · 50 papers"}


def test_classes_are_those_with_instances_most_first(client):
    response = client.get("/complete/classes")
    assert response.status_code == 200
    assert response.json == {"classes": [
        {"iri": SCHEMA + "DefinedTerm", "prefixed": "schema:DefinedTerm", "count": 238},
        {"iri": KG + "Authorship", "prefixed": "kg:Authorship", "count": 188},
        {"iri": SCHEMA + "Person", "prefixed": "schema:Person", "count": 74},
        {"iri": SCHEMA + "ScholarlyArticle", "prefixed": "schema:ScholarlyArticle", "count": 50},
        {"iri": KG + "Listing", "prefixed": "kg:Listing", "count": 50},
        {"iri": SCHEMA + "SoftwareSourceCode", "prefixed": "schema:SoftwareSourceCode",
         "count": 23},
        {"iri": SCHEMA + "DefinedTermSet", "prefixed": "schema:DefinedTermSet", "count": 2},
        {"iri": SCHEMA + "ProfilePage", "prefixed": "schema:ProfilePage", "count": 1},
        {"iri": KG + "ProfileGraph", "prefixed": "kg:ProfileGraph", "count": 1},
    ]}


def test_properties_are_every_predicate_of_the_graph_with_its_triples(client, store: Store):
    """Checked against the default graph's quads counted here, not through SPARQL."""
    properties = client.get("/complete/properties").json["properties"]
    counted = Counter(quad.predicate.value
                      for quad in store.quads_for_pattern(None, None, None, DefaultGraph()))
    assert {p["iri"]: p["count"] for p in properties} == dict(counted)
    assert len(properties) == 32
    assert properties[:3] == [
        {"iri": RDF + "type", "prefixed": "rdf:type", "count": 627},
        {"iri": SCHEMA + "name", "prefixed": "schema:name", "count": 576},
        {"iri": SCHEMA + "keywords", "prefixed": "schema:keywords", "count": 250},
    ]
    # the fixed namespace of our own terms, whatever the base
    assert {"iri": "https://w3id.org/scholarkg/ontology#authorship",
            "prefixed": "kg:authorship", "count": 188} in properties
    counts = [p["count"] for p in properties]
    assert counts == sorted(counts, reverse=True)


def test_prefixes_are_ours_those_the_graph_uses_first(client):
    prefixes = client.get("/complete/prefixes").json["prefixes"]
    assert prefixes[:4] == [
        {"prefix": "kg", "namespace": "https://w3id.org/scholarkg/ontology#", "used": True},
        {"prefix": "rdf", "namespace": RDF, "used": True},
        {"prefix": "schema", "namespace": "https://schema.org/", "used": True},
        {"prefix": "arxiv", "namespace": "https://arxiv.org/list/", "used": False},
    ]
    assert [p["prefix"] for p in prefixes if not p["used"]] == [
        "arxiv", "dblp", "dcat", "dcterms", "doi", "dqv", "foaf", "formats", "github",
        "openalex", "orcid", "owl", "prov", "rdfs", "sd", "semapv", "skos", "spdx", "void",
        "wd", "wdt", "xsd"]
    named = {p["prefix"]: p["namespace"] for p in prefixes}
    # every name of every set is offered, with its namespace where no earlier set took the name
    assert set(named) == {name for subset in PREFIX_SETS.values() for name in subset}
    assert named["dblp"] == "https://dblp.org/"  # the records our links name, not the schema
    assert named == known_prefixes()


def test_guoy_completes_to_guoying_zhao(client):
    response = client.get("/complete/entities?q=guoy")
    assert response.status_code == 200
    assert response.json["q"] == "guoy"
    assert response.json["results"][0] == GUOYING
    assert len(response.json["results"]) == 10  # the default limit


def test_entities_narrowed_by_type_and_limit(client):
    persons = client.get("/complete/entities?q=guoy&type=person").json["results"]
    assert [p["name"] for p in persons] == ["Guoying Zhao", "Zhongliang Guo", "Fengzhou Guo"]
    assert persons[0] == GUOYING
    assert client.get("/complete/entities?q=vision&type=topic").json["results"] == [
        {"iri": BASE + "topic/cs.CV", "name": "Computer Vision and Pattern Recognition",
         "type": "topic", "description": "topic · cs.CV"}]
    two = client.get("/complete/entities?q=guoy&limit=2").json["results"]
    assert [e["iri"] for e in two] == [GUOYING["iri"], BASE + "paper/micro-au-clip-fine-grained-"
                                       "defb395e"]
    assert two[1]["type"] == "paper"
    assert two[1]["description"] == "paper · 2026 · Jinsheng Wei, Fengzhou Guo et al."


@pytest.mark.parametrize("query", ["", "   ", "*", '"', "((", "x" * 10_000])
def test_text_without_a_word_completes_to_nothing(client, query: str):
    """The editor asks as one types: any text answers 200, at worst with nothing."""
    response = client.get("/complete/entities", query_string={"q": query})
    assert response.status_code == 200
    assert response.json == {"q": query, "results": []}


@pytest.mark.parametrize("text", ['guoy"', "guoy -", "guoy*", '"guoy', "(guoy", "guoy:"])
def test_hostile_characters_are_plain_characters(client, text: str):
    results = client.get("/complete/entities", query_string={"q": text}).json["results"]
    assert results[0] == GUOYING


@pytest.mark.parametrize(("args", "message"), [
    ("type=keyphrase", "type must be one of person, paper, topic"),
    ("limit=0", "limit must be from 1 to 50"),
    ("limit=51", "limit must be from 1 to 50"),
    ("limit=ten", "limit must be a whole number"),
])
def test_bad_requests_are_refused(client, args: str, message: str):
    response = client.get(f"/complete/entities?q=guoy&{args}")
    assert response.status_code == 400
    assert response.json == {"error": message}


def test_entities_without_a_search_index_are_not_implemented(store: Store):
    client = create_app(ServeConfig(store=store, base=BASE)).test_client()
    response = client.get("/complete/entities?q=guoy")
    assert response.status_code == 501
    assert "no search index" in response.json["error"]
    # classes and properties need no index
    assert client.get("/complete/classes").status_code == 200


def _copy(store: Store) -> Store:
    copy = Store()
    copy.extend(store.quads_for_pattern(None, None, None, DefaultGraph()))
    return copy


NEW = NamedNode("https://example.org/NewClass")


def test_classes_are_read_once_per_served_build(store: Store):
    """A served build does not change: a class added to the store behind the app's back (not
    through /update) is not seen, which shows the first answer was kept."""
    graph = _copy(store)
    client = create_app(ServeConfig(store=graph, base=BASE)).test_client()
    before = client.get("/complete/classes").json, client.get("/complete/properties").json
    graph.add(Quad(NamedNode(BASE + "x"), NamedNode(RDF + "type"), NEW, DefaultGraph()))
    after = client.get("/complete/classes").json, client.get("/complete/properties").json
    assert after == before  # not even rdf:type's count moved


def test_an_update_has_them_read_again(store: Store):
    """An update through /update makes a new version of the graph: what was kept for the old
    one is not handed out."""
    client = create_app(ServeConfig(store=_copy(store), base=BASE, allow_update=True)
                        ).test_client()
    assert NEW.value not in [c["iri"] for c in client.get("/complete/classes").json["classes"]]
    response = client.post("/update", data={
        "update": f"INSERT DATA {{ <{BASE}x> a <{NEW.value}> }}"})
    assert response.status_code == 204
    classes = client.get("/complete/classes").json["classes"]
    assert {"iri": NEW.value, "prefixed": None, "count": 1} in classes


@pytest.mark.parametrize(("iri", "expected"), [
    (SCHEMA + "name", "schema:name"),
    (KG + "authorship", "kg:authorship"),
    ("https://dblp.org/rdf/schema#Person", None),  # dblp: is dblp's records
    ("https://dblp.org/pid/123", None),  # a local name with '/' is not plain
    (SCHEMA, None),  # no local name
    ("https://example.org/x", None),
])
def test_prefixed_names(iri: str, expected: str | None):
    assert prefixed(iri, known_prefixes()) == expected
