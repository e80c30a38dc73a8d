"""The Reconciliation Service API at /reconcile: every response is validated with `jsonschema`
against the specification's own JSON Schemas (version 0.2, kept outside the project in
`../shared/specs/reconciliation-api/0.2/schemas/`), and so is every query batch the tests send;
the candidates and `match` flags are exact on the seed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import BASE, ROOT
from kg.serve import ServeConfig, create_app

SCHEMAS = ROOT.parent / "shared" / "specs" / "reconciliation-api" / "0.2" / "schemas"
PERSON = "https://schema.org/Person"
ARTICLE = "https://schema.org/ScholarlyArticle"
ETHNIC = "paper/is-micro-expression-ethnic-leaning-c2bc88b0"


def _registry() -> Registry:
    """Every schema of the folder under its `$id` (the manifest refers to type.json and to the
    Swagger 2.0 schema, openapi.json, by those)."""
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text("utf-8"))
        resources.append((schema["$id"].rstrip("#"), Resource.from_contents(
            schema, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


REGISTRY = _registry() if SCHEMAS.is_dir() else Registry()


def valid(name: str, document: Any) -> Any:
    """`document`, after checking it against the schema `name` (e.g. manifest.json)."""
    schema = json.loads((SCHEMAS / name).read_text("utf-8"))
    errors = sorted(Draft202012Validator(schema, registry=REGISTRY).iter_errors(document),
                    key=str)
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    return document


def reconcile(client, queries: dict[str, Any], method: str = "post") -> dict[str, Any]:
    valid("reconciliation-query-batch.json", queries)
    payload = {"queries": json.dumps(queries)}
    response = (client.post("/reconcile", data=payload) if method == "post"
                else client.get("/reconcile", query_string=payload))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return valid("reconciliation-result-batch.json", response.json)


def test_the_schemas_are_there():
    assert (SCHEMAS / "manifest.json").is_file(), f"missing {SCHEMAS}: see ../shared/specs"


def test_a_broken_response_fails_the_schema():
    """The validation can fail: a candidate without a score is refused."""
    with pytest.raises(AssertionError):
        valid("reconciliation-result-batch.json", {"q0": {"result": [{"id": "x", "name": "y"}]}})
    with pytest.raises(AssertionError):
        valid("manifest.json", {"versions": ["0.1"], "name": "x", "identifierSpace": "a",
                                "schemaSpace": "b"})


def test_manifest(client):
    response = client.get("/reconcile")
    manifest = valid("manifest.json", response.json)
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == BASE
    assert manifest["view"] == {"url": BASE + "{{id}}"}
    assert [t["id"] for t in manifest["defaultTypes"]] == [PERSON, ARTICLE]
    assert manifest["preview"]["url"] == "http://localhost/reconcile/preview?id={{id}}"
    assert manifest["suggest"]["entity"] == {"service_url": "http://localhost",
                                             "service_path": "/reconcile/suggest/entity"}


def test_a_name_reconciles_to_one_person_with_match(client):
    results = reconcile(client, {"q0": {"query": "Guoying Zhao", "type": PERSON, "limit": 3},
                                 "q1": {"query": "guoying ZHAO"}})
    top = results["q0"]["result"][0]
    assert (top["id"], top["name"], top["score"], top["match"]) == (
        "person/guoying-zhao", "Guoying Zhao", 100.0, True)
    assert top["type"] == [{"id": PERSON, "name": "Person"}]
    assert top["description"] == "50 papers · cs.CL, cs.CV, cs.HC, cs.LG, eess.IV"
    assert len(results["q0"]["result"]) == 1  # no other person holds both words
    # without a type, papers by her are candidates too, but not matches
    assert [c["match"] for c in results["q1"]["result"]] == [True, False, False, False, False]


def test_accents_and_typos(client):
    results = reconcile(client, {"q0": {"query": "Tiina Tormanen", "type": PERSON},
                                 "q1": {"query": "Guoying Zaho", "type": PERSON}}, "get")
    assert results["q0"]["result"][0]["name"] == "Tiina Törmänen"
    assert results["q0"]["result"][0]["match"] is True  # the same name once accents are folded
    assert results["q1"]["result"][0]["id"] == "person/guoying-zhao"
    assert results["q1"]["result"][0]["match"] is False  # a typo is a candidate, not a match
    assert results["q1"]["result"][0]["score"] == 91.67


def test_a_title_with_properties(client):
    title = "Is Micro-expression Ethnic Leaning?"
    results = reconcile(client, {
        "right": {"query": title, "type": ARTICLE, "properties": [
            {"pid": "https://schema.org/datePublished", "v": 2025},
            {"pid": "https://schema.org/author", "v": "Guoying Zhao"}]},
        "wrong_year": {"query": title, "type": ARTICLE, "properties": [
            {"pid": "https://schema.org/datePublished", "v": "2019"}]},
        "by_id": {"query": title, "type": ARTICLE, "properties": [
            {"pid": "https://schema.org/author", "v": {"id": "person/guoying-zhao"}}]},
    })
    right = results["right"]["result"][0]
    assert (right["id"], right["score"], right["match"]) == (ETHNIC, 100.0, True)
    assert right["features"] == [{"id": "name", "value": 1.0}, {"id": "year", "value": True},
                                 {"id": "author", "value": True}]
    wrong = results["wrong_year"]["result"][0]
    assert (wrong["id"], wrong["score"], wrong["match"]) == (ETHNIC, 70.0, False)
    assert results["by_id"]["result"][0]["match"] is True


def test_a_name_shared_by_no_one_has_no_match(client):
    results = reconcile(client, {"q0": {"query": "Zhao", "type": PERSON},
                                 "q1": {"query": "nobody at all"}})
    assert all(not c["match"] for c in results["q0"]["result"])
    assert results["q1"]["result"] == []


@pytest.mark.parametrize("queries", [
    "not json", "[]", "{}", '{"q0": "Zhao"}', '{"q0": {"query": 3}}',
    '{"q0": {"query": "x", "limit": 0}}', '{"q0": {"query": "x", "type": "Thing"}}',
    '{"q0": {"query": "x", "properties": [{"pid": "p", "v": 1}]}}',
    json.dumps({f"q{i}": {"query": "x"} for i in range(101)}),
])
def test_bad_batches_are_400(client, queries):
    response = client.post("/reconcile", data={"queries": queries})
    assert response.status_code == 400
    assert response.json["error"].startswith("bad reconciliation queries: ")


def test_hostile_queries_are_answered(client):
    results = reconcile(client, {"a": {"query": '"'}, "b": {"query": "x" * 10_000},
                                 "c": {"query": "OR *"}, "d": {"query": ""}})
    assert results["a"] == results["b"] == results["d"] == {"result": []}


def test_suggest(client):
    entities = valid("suggest-entities-response.json", client.get(
        "/reconcile/suggest/entity", query_string={"prefix": "zhao guoy"}).json)
    assert entities["result"][0] == {
        "id": "person/guoying-zhao", "name": "Guoying Zhao",
        "description": "50 papers · cs.CL, cs.CV, cs.HC, cs.LG, eess.IV",
        "notable": [{"id": PERSON, "name": "Person"}]}
    papers = client.get("/reconcile/suggest/entity",
                        query_string={"prefix": "ethnic lean", "type": ARTICLE}).json
    assert [e["id"] for e in valid("suggest-entities-response.json", papers)["result"]] == [
        ETHNIC]
    types = valid("suggest-types-response.json",
                  client.get("/reconcile/suggest/type?prefix=pers").json)
    assert types == {"result": [{"id": PERSON, "name": "Person"}]}
    properties = valid("suggest-properties-response.json",
                       client.get("/reconcile/suggest/property?prefix=").json)
    assert [p["name"] for p in properties["result"]] == ["author", "year", "topic"]


def test_preview(client):
    response = client.get("/reconcile/preview?id=person/guoying-zhao")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<a href="{BASE}person/guoying-zhao" target="_blank" rel="noopener">Guoying Zhao' \
        in html
    assert client.get("/reconcile/preview?id=person/nobody").status_code == 404


def test_without_an_index_reconciliation_is_501(store):
    client = create_app(ServeConfig(store=store, base=BASE)).test_client()
    assert client.get("/reconcile").status_code == 501
    assert client.get("/reconcile/suggest/entity?prefix=x").status_code == 501

