"""Dumps round-trip, are byte-identical across exports and builds, and VoID counts the store."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, parse
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from conftest import AS_OF, BASE, DATA, SEED
from kg.build import build
from kg.cli import main
from kg.export import export
from kg.export.dumps import merged_triples
from kg.store import open_read_only
from kg.store.convert import triple_to_rdflib

VOID = "http://rdfs.org/ns/void#"
SECOND = DATA / "second_profile.txt"


@pytest.fixture(scope="module")
def dumps(seed_store_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dumps")
    export(seed_store_dir, out)
    return out


def _store_quads(store_dir: Path) -> set:
    db, _ = open_read_only(store_dir)
    return set(db.quads_for_pattern(None, None, None, None))


def _store_graph(store_dir: Path) -> Graph:
    """The merged graph of the store as an rdflib graph, to compare dumps parsed by rdflib."""
    db, _ = open_read_only(store_dir)
    merged = Graph()
    for quad in db.quads_for_pattern(None, None, None, DefaultGraph()):
        merged.add(triple_to_rdflib(quad.triple))
    return merged


@pytest.mark.parametrize("name", ["scholarkg.nq", "scholarkg.trig"])
def test_quad_dumps_round_trip_with_every_graph(dumps, seed_store_dir, name):
    fmt = RdfFormat.N_QUADS if name.endswith(".nq") else RdfFormat.TRIG
    quads = set(parse(path=str(dumps / name), format=fmt))
    assert quads == _store_quads(seed_store_dir)
    assert {getattr(q.graph_name, "value", "(default)") for q in quads} == {
        BASE + "graph/000_4bcbefa2e1da6666", BASE + "graph/terms/arxiv",
        BASE + "graph/terms/keyphrases", "(default)"}  # the merged graph is the default one


@pytest.mark.parametrize(("name", "fmt"), [("scholarkg.ttl", "turtle"),
                                           ("scholarkg.nt", "nt")])
def test_triple_dumps_round_trip_as_the_merged_graph(dumps, seed_store_dir, name, fmt):
    graph = Graph().parse(dumps / name, format=fmt)
    expected = _store_graph(seed_store_dir)
    assert len(graph) == len(expected) == 3075
    assert isomorphic(graph, expected)


def test_jsonld_is_self_contained_and_parses_offline_to_the_merged_graph(dumps, seed_store_dir):
    """Regression: the dump named its @context by URL (the server's), so reading it needed that
    server; the context is inline now, the same as the published one."""
    document = json.loads((dumps / "scholarkg.jsonld").read_text(encoding="utf-8"))
    published = json.loads((dumps / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == published["@context"]
    graph = Graph().parse(dumps / "scholarkg.jsonld", format="json-ld")
    assert len(graph) == 3075
    assert isomorphic(graph, _store_graph(seed_store_dir))
    db, _ = open_read_only(seed_store_dir)
    parsed = {q.triple for q in parse(path=str(dumps / "scholarkg.jsonld"),
                                      format=RdfFormat.JSON_LD)}
    assert parsed == {q.triple for q in db.quads_for_pattern(None, None, None, DefaultGraph())}
    profile = next(n for n in document["@graph"] if n["@type"] == "ProfilePage")
    assert (profile["hIndex"], profile["citationCount"], profile["asOf"]) == (45, 7698,
                                                                             "2026-11-24")


def test_turtle_uses_readable_prefixes(dumps):
    head = (dumps / "scholarkg.ttl").read_text(encoding="utf-8").split("\n<", 1)[0]
    for prefix in ("schema: <https://schema.org/>", "kg: <https://w3id.org/scholarkg/ontology#>",
                   "dcterms: <http://purl.org/dc/terms/>", "prov: <http://www.w3.org/ns/prov#>",
                   "owl:", "skos:", "xsd:"):
        assert f"@prefix {prefix}" in head


def test_same_store_and_same_sources_give_byte_identical_dumps(dumps, seed_store_dir, tmp_path):
    again = tmp_path / "again"
    export(seed_store_dir, again)
    rebuilt = tmp_path / "rebuilt"
    build([SEED], rebuilt, base=BASE, as_of=AS_OF)
    fresh = tmp_path / "fresh"
    export(rebuilt, fresh, compress=True)
    for name in ("scholarkg.nq", "scholarkg.trig", "scholarkg.ttl", "scholarkg.nt",
                 "scholarkg.jsonld", "void.ttl"):
        assert (again / name).read_bytes() == (dumps / name).read_bytes(), name
    for name in ("scholarkg.nq", "scholarkg.ttl", "scholarkg.jsonld"):
        assert gzip.decompress((fresh / f"{name}.gz").read_bytes()) == \
            (dumps / name).read_bytes(), name
    export(rebuilt, tmp_path / "fresh2", compress=True)
    assert (fresh / "scholarkg.nq.gz").read_bytes() == \
        (tmp_path / "fresh2" / "scholarkg.nq.gz").read_bytes()  # gzip without a timestamp


def test_void_counts_equal_the_store(dumps, seed_store_dir):
    void = Graph().parse(dumps / "void.ttl", format="turtle")
    dataset = URIRef(BASE + ".well-known/void#dataset")

    def number(node, prop):
        return int(void.value(node, URIRef(VOID + prop)))

    assert number(dataset, "triples") == 3075
    assert number(dataset, "entities") == len(set(
        s for s, _, _ in _store_graph(seed_store_dir).triples(
            (None, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None))))
    classes = {str(void.value(p, URIRef(VOID + "class"))): number(p, "entities")
               for p in void.objects(dataset, URIRef(VOID + "classPartition"))}
    assert {k.rsplit("/", 1)[-1]: v for k, v in classes.items()} == {
        "ScholarlyArticle": 50, "Person": 74, "ProfilePage": 1, "SoftwareSourceCode": 23,
        "DefinedTerm": 238, "DefinedTermSet": 2, "ontology#Authorship": 188,
        "ontology#Listing": 50, "ontology#ProfileGraph": 1}
    properties = {str(void.value(p, URIRef(VOID + "property"))): number(p, "triples")
                  for p in void.objects(dataset, URIRef(VOID + "propertyPartition"))}
    assert sum(properties.values()) == 3075
    assert properties["https://schema.org/author"] == 188


def test_void_describes_every_dump_with_size_and_sha256(dumps):
    void = Graph().parse(dumps / "void.ttl", format="turtle")
    dataset = URIRef(BASE + ".well-known/void#dataset")
    described = {}
    for url in void.objects(dataset, URIRef(VOID + "dataDump")):
        size = int(void.value(url, URIRef("http://www.w3.org/ns/dcat#byteSize")))
        checksum = void.value(url, URIRef("http://spdx.org/rdf/terms#checksum"))
        value = str(void.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue")))
        described[str(url).rsplit("/", 1)[-1]] = (size, value)
    on_disk = {p.name: (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
               for p in dumps.glob("scholarkg.*")}
    assert described == on_disk and len(on_disk) == 5
    assert (dumps / "shacl-report.ttl").read_text().count("sh:conforms true") == 1


def test_diff_between_releases(runner, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    build([SEED], one, base=BASE, as_of=AS_OF, keyphrases=False)
    build([SEED, SECOND], two, base=BASE, as_of=AS_OF, keyphrases=False)
    result = runner.invoke(main, ["diff", str(one), str(two), "--json"])
    counts = json.loads(result.output)
    graph = BASE + "graph/second_profile"
    db, _ = open_read_only(two)
    added = len(list(db.quads_for_pattern(None, None, None, NamedNode(graph))))
    # the merged graph gains the second profile's triples; five of the seed's lose out to the
    # merge rules (e.g. an author list the second profile prints longer)
    assert counts["graphs"] == {graph: {"added": added, "removed": 0},
                                "(merged)": {"added": 65, "removed": 5}}
    assert counts["removed"] == 5
    # 15 triples of the new profile page, in its graph and in the merged graph
    assert counts["by_type"]["ProfilePage"] == {"added": 30, "removed": 0}
    result = runner.invoke(main, ["diff", str(two), str(two)])
    assert result.output == "no differences\n"


def test_export_cli_and_served_files(runner, seed_store_dir, tmp_path, app):
    out = tmp_path / "out"
    result = runner.invoke(main, ["export", "--store", str(seed_store_dir), "--out", str(out),
                                  "--format", "ttl", "--format", "nq", "--gzip"])
    assert result.exit_code == 0, result.output
    assert ("warning: the graph's base IRI http://127.0.0.1:8000/ is a loopback address, so its "
            "IRIs dereference for nobody else; to publish these dumps, rebuild with "
            "--base https://YOUR-HOST/\n") in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "context.jsonld", "scholarkg.nq.gz", "scholarkg.ttl.gz", "shacl-report.ttl",
        "void.ttl"]
    app.extensions["kg"].dumps_dir = out
    try:
        client = app.test_client()
        listing = client.get("/dumps/", headers={"Accept": "application/json"}).get_json()
        assert [f["name"] for f in listing] == sorted(p.name for p in out.iterdir())
        download = client.get("/dumps/scholarkg.ttl.gz")
        assert download.status_code == 200 and download.mimetype == "application/gzip"
        assert download.data == (out / "scholarkg.ttl.gz").read_bytes()
        download.close()
        void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
        served = Graph().parse(data=void.data, format="turtle")
        dumps = {str(o) for o in served.objects(None, URIRef(VOID + "dataDump"))}
        assert dumps == {BASE + "dumps/scholarkg.nq.gz", BASE + "dumps/scholarkg.ttl.gz"}
        assert client.get("/dumps/nope.ttl").status_code == 404
        context = client.get("/context.jsonld").get_json()
        assert context["@context"]["hIndex"] == "https://w3id.org/scholarkg/ontology#hIndex"
    finally:
        app.extensions["kg"].dumps_dir = None


def test_no_validate_writes_no_report_and_removes_a_stale_one(runner, seed_store_dir, tmp_path):
    out = tmp_path / "out"
    args = ["export", "--store", str(seed_store_dir), "--out", str(out), "--format", "nq"]
    assert runner.invoke(main, args).exit_code == 0
    assert (out / "shacl-report.ttl").is_file()
    result = runner.invoke(main, [*args, "--no-validate"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["context.jsonld", "scholarkg.nq", "void.ttl"]
    assert "│ (no SHACL report) │ --no-validate │" in result.output


def test_void_lists_linksets_with_the_linkers_counts(runner, tmp_path):
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    result = runner.invoke(main, ["link", "github", "--store", str(store_dir)])
    assert result.exit_code == 0, result.output
    export(store_dir, tmp_path / "out", ["nq"])
    void = Graph().parse(tmp_path / "out" / "void.ttl", format="turtle")
    dataset = URIRef(BASE + ".well-known/void#dataset")
    linkset = URIRef(BASE + "graph/links/github")
    assert (dataset, URIRef(VOID + "subset"), linkset) in void
    # 22 GitHub repositories (the 23rd is a project page): an ownerAccount each
    assert int(void.value(linkset, URIRef(VOID + "triples"))) == 22
    assert void.value(linkset, URIRef(VOID + "subjectsTarget")) == dataset


def test_the_cli_offers_exactly_the_formats_the_exporter_writes(tmp_path, seed_store_dir):
    from kg.config import DUMP_FORMATS

    report = export(seed_store_dir, tmp_path / "all", validate=False)
    assert tuple(d.format for d in report.dumps) == DUMP_FORMATS


def test_merged_dumps_are_the_default_graph_streamed_as_it_is(seed_store_dir, dumps):
    """The merged graph is materialised: a dump writes the default graph in the store's index
    order, each subject's triples together, with no reassembly per subject."""
    db, _ = open_read_only(seed_store_dir)
    default = [q.triple for q in db.quads_for_pattern(None, None, None, DefaultGraph())]
    assert list(merged_triples(db)) == default
    written = [q.triple for q in parse(path=str(dumps / "scholarkg.nt"),
                                       format=RdfFormat.N_TRIPLES)]
    assert written == default
    seen, current = set(), None
    for triple in written:  # grouped: a subject never comes back once left
        if triple.subject != current:
            assert triple.subject not in seen
            seen.add(triple.subject)
            current = triple.subject


def test_export_of_a_published_base_does_not_warn(runner, tmp_path):
    store = tmp_path / "store"
    build([SEED], store, base="https://kg.example.org/", as_of=AS_OF, keyphrases=False)
    result = runner.invoke(main, ["export", "--store", str(store), "--out", str(tmp_path / "o"),
                                  "--format", "nq", "--no-validate"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
