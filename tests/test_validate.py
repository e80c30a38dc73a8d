"""SHACL validation a chunk of subjects at a time (`kg.store.validate`), with either engine.

The graph is the seed's, with five violations put in by hand; every test compares exact sets of
(focus node, path, constraint component).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, parse

from kg.store import load_in_memory
from kg.store import validate as validation
from kg.store.validate import ValidationReport, validate_store

SCHEMA = "https://schema.org/"
KG = "https://w3id.org/scholarkg/ontology#"
SH = "http://www.w3.org/ns/shacl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ENGINES = {"pyshacl": validation._pyshacl, "pyrudof": validation._rudof}
pytest.importorskip("pyrudof", reason="the rudof extra has no wheel for this platform")


def _component(name: str) -> str:
    return f"{SH}{name}ConstraintComponent"


@pytest.fixture(scope="module")
def broken(seed_store_dir: Path) -> tuple[Store, str, set[tuple[str, str | None, str]]]:
    """The seed's graph with five violations, and the violations expected."""
    db, info = load_in_memory(seed_store_dir)
    base, g = info.base, DefaultGraph()
    ric = next(iter(db.quads_for_pattern(
        None, NamedNode(f"{SCHEMA}name"),
        Literal("RIC-CNN: Rotation-Invariant Coordinate Convolutional Neural Network"), g))).subject
    role = next(iter(db.quads_for_pattern(ric, NamedNode(f"{KG}authorship"), None, g))).object
    bare, nameless = NamedNode(f"{base}paper/bare"), NamedNode(f"{base}person/nameless")
    db.extend([
        Quad(ric, NamedNode(f"{SCHEMA}datePublished"),
             Literal("2023-01-01", datatype=NamedNode(f"{XSD}date")), g),
        Quad(role, NamedNode(f"{SCHEMA}position"),
             Literal("0", datatype=NamedNode(f"{XSD}integer")), g),
        Quad(bare, RDF_TYPE, NamedNode(f"{SCHEMA}ScholarlyArticle"), g),
        Quad(nameless, RDF_TYPE, NamedNode(f"{SCHEMA}Person"), g),
        Quad(nameless, NamedNode(f"{SCHEMA}name"), Literal(""), g),
        # a paper pointing to a person who is no schema:Person: sh:class needs her type
        Quad(ric, NamedNode(f"{SCHEMA}author"), NamedNode(f"{base}person/untyped"), g),
    ])
    expected = {
        (ric.value, f"{SCHEMA}datePublished", _component("MaxCount")),
        (role.value, f"{SCHEMA}position", _component("MaxCount")),
        (role.value, f"{SCHEMA}position", _component("MinInclusive")),
        (nameless.value, f"{SCHEMA}name", _component("MinLength")),
        (ric.value, f"{SCHEMA}author", _component("Class")),
        *((bare.value, path, _component("MinCount")) for path in (
            f"{SCHEMA}name", f"{SCHEMA}datePublished", f"{SCHEMA}author", f"{KG}authorship",
            f"{KG}hasCode", f"{KG}authorListTruncated")),
    }
    return db, base, expected


def _found(report: ValidationReport) -> set[tuple[str, str | None, str]]:
    return {(r.focus, r.path, r.component) for r in report.results}


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_each_engine_finds_exactly_the_violations(broken, engine: str, monkeypatch):
    db, base, expected = broken
    monkeypatch.setattr(validation, "_engine", lambda: ENGINES[engine])
    report = validate_store(db, base)
    assert _found(report) == expected
    assert not report.conforms and report.violations == len(expected) == 11


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_small_chunks_find_what_one_chunk_finds(broken, engine: str, monkeypatch):
    """A chunk of 50 triples cuts the seed graph into 57 pieces: a violation is neither lost (its
    node's values are typed in every chunk) nor reported by a chunk that only points at it."""
    db, base, expected = broken
    monkeypatch.setattr(validation, "_engine", lambda: ENGINES[engine])
    monkeypatch.setattr(validation, "CHUNK_TRIPLES", 50)
    assert len(list(validation._chunks(db, 50, grouped=False))) == 57
    assert _found(validate_store(db, base)) == expected


def test_the_build_workers_validate_the_same(broken):
    db, base, expected = broken
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert _found(validate_store(db, base, executor=pool)) == expected


def test_a_target_node_without_triples_counts_once(tmp_path: Path, broken, monkeypatch):
    db, base, _expected = broken
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(f"@prefix sh: <{SH}> .\n"
                      f"<#s> a sh:NodeShape ; sh:targetNode <{base}nowhere> ;\n"
                      f"  sh:property [ sh:path <{SCHEMA}name> ; sh:minCount 1 ] .\n")
    monkeypatch.setattr(validation, "SHAPES", shapes)
    monkeypatch.setattr(validation, "CHUNK_TRIPLES", 500)
    report = validate_store(db, base)
    assert [(r.focus, r.component) for r in report.results] == [
        (f"{base}nowhere", _component("MinCount"))]


def test_shapes_that_look_beyond_a_node_are_validated_whole(tmp_path: Path):
    base = "http://example.org/"
    local = f"@prefix sh: <{SH}> .\n<#s> sh:targetClass <#C> ; sh:property [ sh:path <#p> ; " \
            "sh:class <#D> ] ."
    assert validation.is_local(local, base)
    assert not validation.is_local(local.replace("sh:class <#D>", "sh:node <#t>"), base)
    assert not validation.is_local(local.replace("sh:path <#p>", "sh:path [ sh:inversePath "
                                                 "<#p> ]"), base)


def test_the_report_is_a_shacl_report(broken):
    db, base, expected = broken
    report = validate_store(db, base)
    graph = Store()
    graph.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph())
                 for t in parse(report.turtle(), format=RdfFormat.TURTLE))
    conforms = [q.object for q in graph.quads_for_pattern(None, NamedNode(f"{SH}conforms"),
                                                          None, None)]
    assert conforms == [Literal(False)]
    assert len(list(graph.quads_for_pattern(None, NamedNode(f"{SH}result"), None, None))) == \
        len(expected)
    assert "Conforms: False\nResults (11):\n" in report.text


def test_a_subclass_instance_is_aimed_at_like_its_class(monkeypatch):
    """Class targets become the chunk's own instances, subclasses included (SHACL instance)."""
    base, g = "http://example.org/", DefaultGraph()
    db = Store()
    sub, nameless = NamedNode(f"{base}Researcher"), NamedNode(f"{base}nameless")
    db.extend([
        Quad(sub, NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
             NamedNode(f"{SCHEMA}Person"), g),
        Quad(nameless, RDF_TYPE, sub, g),
        Quad(nameless, NamedNode(f"{SCHEMA}name"), Literal(""), g),
    ])
    monkeypatch.setattr(validation, "CHUNK_TRIPLES", 1)
    assert _found(validate_store(db, base)) == {
        (nameless.value, f"{SCHEMA}name", _component("MinLength"))}


def test_a_store_on_disk_is_read_in_one_pass_and_one_in_memory_the_slow_way(broken, tmp_path,
                                                                            monkeypatch):
    """On disk the default graph's index keeps a subject's triples together: one pass. The
    in-memory store does not (a quad added later comes later): found out, and read a subject
    at a time instead, with the same result."""
    db, base, expected = broken
    with pytest.raises(validation._NotGrouped):
        list(validation._runs(db, grouped=True))
    monkeypatch.setattr(validation, "EXACT_RUNS", 0)  # a repeat past the set: found at the end
    with pytest.raises(validation._NotGrouped):
        list(validation._runs(db, grouped=True))
    disk = Store(str(tmp_path / "db"))
    disk.bulk_extend(db.quads_for_pattern(None, None, None, None))
    runs = list(validation._runs(disk, grouped=True))
    assert len(runs) == len({subject for subject, _triples in runs})
    assert sum(len(triples) for _s, triples in runs) == len(list(
        disk.quads_for_pattern(None, None, None, DefaultGraph())))
    assert _found(validate_store(disk, base)) == expected
