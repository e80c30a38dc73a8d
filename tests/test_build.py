"""Building a store: atomic swaps, bad input leaving nothing changed, merging, exact text."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat

from conftest import AS_OF, BASE, DATA, SEED, ask, select, value
from kg.build import build
from kg.errors import ProfileError, StoreError
from kg.mapping.iris import Minter
from kg.store import load_in_memory, open_read_only, read_info, validate_store

SECOND = DATA / "second_profile.txt"


def _snapshot(store_dir: Path) -> tuple[Path, set[str]]:
    target = store_dir.resolve()
    return target, {str(p.relative_to(target)) for p in target.rglob("*")}


def test_failed_build_leaves_previous_store_untouched(tmp_path: Path):
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    before = _snapshot(store_dir)
    bad = tmp_path / "bad.txt"
    bad.write_text("Someone\n\n1 Papers\n\nCVFeb 30, 2023\nT\n\nA\n\nX.\n")
    with pytest.raises(ProfileError) as info:
        build([SEED, bad], store_dir, base=BASE, as_of=AS_OF)
    assert [str(p) for p in info.value.problems] == [
        f"{bad}:5: impossible date 'Feb 30, 2023' in paper header"]
    assert _snapshot(store_dir) == before
    db, _ = open_read_only(store_dir)
    assert value(db, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a schema:ScholarlyArticle }") == "50"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store.build")] == \
        [before[0].name]


def test_rebuild_swaps_and_removes_the_old_build(tmp_path: Path):
    """The build a rebuild replaced stays until the next one (its readers keep reading)."""
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    first = store_dir.resolve()
    build([SEED, SECOND], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    second = store_dir.resolve()
    assert store_dir.is_symlink() and second != first and first.exists()
    assert read_info(store_dir).counts["profiles"] == 2
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    assert not first.exists() and second.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".store.build")) \
        == sorted([second.name, store_dir.resolve().name])


def test_leftovers_of_a_killed_build_are_cleaned(tmp_path: Path):
    store_dir = tmp_path / "store"
    dead = tmp_path / ".store.build-20200101T000000000000-999999999"
    (dead / "oxigraph").mkdir(parents=True)
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    assert not dead.exists()


def test_refuses_to_replace_a_folder_it_did_not_build(tmp_path: Path):
    store_dir = tmp_path / "precious"
    store_dir.mkdir()
    (store_dir / "notes.md").write_text("mine")
    with pytest.raises(StoreError, match="exists and is not a store kg build made"):
        build([SEED], store_dir, base=BASE, as_of=AS_OF)
    assert (store_dir / "notes.md").read_text() == "mine"


def test_skip_invalid_builds_the_rest(tmp_path: Path):
    bad = tmp_path / "bad.txt"
    bad.write_text("")
    report = build([SEED, bad], tmp_path / "store", base=BASE, as_of=AS_OF, skip_invalid=True,
                   keyphrases=False)
    assert [str(p) for p in report.skipped] == [f"{bad}:1: empty file: expected a profile page"]
    assert report.counts["papers"] == 50


def test_two_profiles_merge_shared_papers_and_persons(tmp_path: Path):
    report = build([SEED, SECOND], tmp_path / "store", base=BASE, as_of=AS_OF, keyphrases=False)
    db, _ = load_in_memory(tmp_path / "store")
    assert report.counts["papers"] == 51  # 50 + 1 only the second lists
    assert report.counts["profiles"] == 2
    # "Data leakage and evaluation issues…" differs in case from the seed's title: one node
    rows = select(db, """SELECT ?p (COUNT(DISTINCT ?g) AS ?graphs) {
        GRAPH ?g { ?p schema:name ?t } FILTER(CONTAINS(LCASE(?t), "data leakage")) }
        GROUP BY ?p""")
    assert len(rows) == 1 and rows[0]["graphs"] == "2"
    # the full author list of the second profile fills positions the seed cut
    assert value(db, """SELECT DISTINCT ?name { ?p schema:name ?t ; kg:authorship ?a .
        ?a schema:position 4 ; schema:item/schema:name ?name
        FILTER(STRSTARTS(?t, "Data Leakage")) }""") == "Guoying Zhao"
    assert ask(db, """ASK { GRAPH ?g1 { ?x schema:name "Tuomas Varanka" }
                            GRAPH ?g2 { ?x schema:name "Tuomas Varanka" } FILTER(?g1 != ?g2) }""")


def test_exotic_text_survives_the_round_trip(tmp_path: Path):
    title = 'Ünïcödé 数据 "quoted" \\backslash <script>alert(1)</script> """triple'
    profile = tmp_path / "odd.txt"
    profile.write_text(
        "Zoë Ångström\n\nCV\nh-index1\n1papers\n0citations\nNovelty0%\nAI Score0\n\n1 Papers\n\n"
        f"CVNov 21, 2022\n{title}\n\nZoë Ångström, 王伟\n\nLine one \\ with ''' and \"\"\".\n",
        encoding="utf-8")
    build([profile], tmp_path / "store", base=BASE, as_of=AS_OF)
    db, _ = load_in_memory(tmp_path / "store")
    assert value(db, "SELECT ?t { ?p a schema:ScholarlyArticle ; schema:name ?t }") == title
    assert value(db, "SELECT ?a { ?p schema:abstract ?a }") == "Line one \\ with ''' and \"\"\"."
    assert sorted(r["n"] for r in select(db, "SELECT ?n { ?x a schema:Person ; schema:name ?n }")) \
        == ["Zoë Ångström", "王伟"]


def test_base_option_mints_every_iri_under_it(tmp_path: Path):
    base = "https://kg.example.org/"
    build([SEED], tmp_path / "store", base=base, as_of=AS_OF, keyphrases=False)
    db, info = load_in_memory(tmp_path / "store")
    assert info.base == base
    subjects = {q.subject.value for q in db.quads_for_pattern(None, None, None, None)}
    assert all(s.startswith(base) for s in subjects)
    assert value(db, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a schema:ScholarlyArticle }",
                 base=base) == "50"


def test_shacl_catches_a_violation(tmp_path: Path, seed_store_dir: Path):
    db, info = load_in_memory(seed_store_dir)
    paper = next(iter(db.quads_for_pattern(
        None, NamedNode("https://schema.org/name"), Literal("RIC-CNN: Rotation-Invariant "
                                                              "Coordinate Convolutional Neural "
                                                              "Network"), None)))
    db.add(Quad(paper.subject, NamedNode("https://schema.org/datePublished"),
                Literal("2023-01-01", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date")),
                DefaultGraph()))
    report = validate_store(db, info.base)
    assert not report.conforms and report.violations == 1
    assert "MaxCountConstraintComponent" in report.text and paper.subject.value in report.text


def test_build_refuses_a_graph_that_breaks_the_shapes(tmp_path: Path, monkeypatch):
    """Regression: a violation said "breaks 1 SHACL constraint(s)" and nothing about where; it
    names the file and line of each listing of the node now (issue 16, item 7)."""
    ric = Minter(BASE).paper("RIC-CNN: Rotation-Invariant Coordinate Convolutional Neural "
                             "Network").value
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                      "@prefix kg: <https://w3id.org/scholarkg/ontology#> .\n"
                      f"<#s> a sh:NodeShape ; sh:targetNode <{ric}> ;\n"
                      "  sh:property [ sh:path kg:hasCode ; sh:hasValue true ] .\n")
    monkeypatch.setattr("kg.store.validate.SHAPES", shapes)
    store_dir = tmp_path / "store"
    with pytest.raises(ProfileError) as refused:
        build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    (problem,) = refused.value.problems
    assert (problem.file, problem.line) == (str(SEED), 40)
    assert problem.reason.startswith("breaks a SHACL constraint: ")
    assert problem.reason.endswith(f"(kg:hasCode of {ric})")
    assert not store_dir.exists() and not list(tmp_path.glob(".store.build-*"))


def test_unknown_category_is_a_warning(tmp_path: Path):
    profile = tmp_path / "zz.txt"
    profile.write_text(SEED.read_text(encoding="utf-8").replace("HCApr 21", "ZZApr 21"),
                       encoding="utf-8")
    report = build([profile], tmp_path / "store", base=BASE, as_of=AS_OF, keyphrases=False)
    assert [str(w) for w in report.warnings] == [
        f"{profile}:355: unknown arXiv category code 'ZZ': kept as kg:categoryCode, "
        "no topic linked"]
    db, _ = load_in_memory(tmp_path / "store")
    assert value(db, """SELECT (COUNT(?t) AS ?n) { ?p kg:categoryCode "ZZ" OPTIONAL {
                        ?p schema:about ?t } }""") == "0"
    assert value(db, 'SELECT (COUNT(?p) AS ?n) { ?p kg:categoryCode "ZZ" }') == "1"


def test_a_reader_keeps_its_store_while_a_rebuild_replaces_it(tmp_path: Path):
    """A process that opened the store (read-only, on disk) keeps reading the build it opened
    after a rebuild swapped in another one; the next rebuild removes that build.

    Regression: RocksDB opens a table's files only when a query first needs them, by path; the
    reader had opened `store/oxigraph` through the symlink, so after the swap it read the new
    build's files ("Sst file size mismatch", or std::bad_alloc) once the merged default graph
    gave it tables it had not read before the rebuild."""
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    old_build = store_dir.resolve()
    reader, _ = open_read_only(store_dir)
    build([SECOND], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    papers = "SELECT (COUNT(*) AS ?n) { ?p a schema:ScholarlyArticle }"
    assert value(reader, papers) == "50"
    fresh, _ = open_read_only(store_dir)
    assert value(fresh, papers) == "3"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    assert not old_build.exists()


def test_link_graphs_survive_a_rebuild_and_can_be_replaced(tmp_path: Path):
    from kg.mapping.iris import Minter
    from kg.store.graphs import replace_graphs

    store_dir = tmp_path / "store"
    before = build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False).counts["quads"]
    graph = Minter(BASE).link_graph("dblp")
    same_as = NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    person = NamedNode(BASE + "person/guoying-zhao")
    link = Quad(person, same_as, NamedNode("https://dblp.org/pid/00/0"), graph)
    counts = replace_graphs(store_dir, {graph: [link]})
    assert counts["quads"] == before + 2  # in its graph, and in the merged default graph
    build([SEED, SECOND], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    db, _ = open_read_only(store_dir)
    assert set(db.quads_for_pattern(None, same_as, None, None)) == {
        link, Quad(person, same_as, link.object, DefaultGraph())}
    replace_graphs(store_dir, {graph: []})
    db, _ = open_read_only(store_dir)
    assert list(db.quads_for_pattern(None, same_as, None, None)) == []


def test_relative_store_path_keeps_the_current_build(tmp_path: Path, monkeypatch):
    """Regression: with a relative --store (the Makefile's data/store), the clean-up of killed
    builds compared a relative path with the resolved current one and removed the current
    build, leaving the symlink dangling."""
    monkeypatch.chdir(tmp_path)
    build([SEED], Path("data/store"), base=BASE, as_of=AS_OF, keyphrases=False)
    first = Path("data/store").resolve()
    os.rename(first, first.with_name(first.name.rsplit("-", 1)[0] + "-999999999"))
    os.unlink("data/store")
    os.symlink(first.name.rsplit("-", 1)[0] + "-999999999", "data/store")  # a dead writer's
    report = build([SEED, SECOND], Path("data/store"), base=BASE, as_of=AS_OF,
                   keyphrases=False)
    assert (report.rebuilt, report.reused) == (1, 1)  # the previous build was still there
    assert read_info(Path("data/store")).counts["profiles"] == 2


def test_one_writer_at_a_time(tmp_path: Path):
    """Regression (review): a link run and a rebuild at once each swapped in their own copy and
    removed the other's; now the second writer is refused until the first is done."""
    from kg.mapping.iris import Minter
    from kg.store.graphs import replace_graphs
    from kg.store.swap import writer_lock

    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    with writer_lock(store_dir):
        with pytest.raises(StoreError, match="another kg build or kg link is writing"):
            build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
        with pytest.raises(StoreError, match="another kg build or kg link is writing"):
            replace_graphs(store_dir, {Minter(BASE).link_graph("x"): []})
    assert build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False).reused == 1


@pytest.mark.slow
def test_a_terminated_build_cleans_up_and_keeps_the_store(tmp_path: Path):
    """`kill` (SIGTERM) mid-build: the half-written folder goes, the current store stays."""
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False)
    before = _snapshot(store_dir)
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for i in range(40):  # enough text for worker processes, and a few seconds of work
        (profiles / f"p{i:02}.txt").write_bytes(SEED.read_bytes())
    process = subprocess.Popen([sys.executable, "-m", "kg", "build", str(profiles), "--store",
                                str(store_dir), "--as-of", AS_OF.isoformat()],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    # the workers start in the new build's folder: both must be seen
    while not ([p for p in tmp_path.glob(".store.build-*") if p != before[0]]
               and _children(process.pid)):
        assert process.poll() is None and time.monotonic() < deadline, \
            "no build folder or no worker seen"
        time.sleep(0.02)
    workers = _children(process.pid)
    assert workers  # the build runs worker processes: they must not outlive it
    process.terminate()
    assert process.wait(30) == 143
    time.sleep(0.5)  # the resource tracker notices its parent is gone
    assert [pid for pid in workers if _running(pid)] == []
    assert _snapshot(store_dir) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store.build")] == \
        [before[0].name]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited child nobody has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_the_parallel_build_gives_the_serial_build_byte_for_byte(tmp_path: Path, monkeypatch):
    """Workers map chunks of profiles; the loader reads them through a series of pipes (one
    bulk_load call per LOAD_BATCH_BYTES, here a few chunks each)."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for i in range(10):
        (profiles / f"p{i}.txt").write_bytes(SEED.read_bytes())
    (profiles / "second.txt").write_bytes(SECOND.read_bytes())
    sources = sorted(profiles.glob("*.txt"))
    monkeypatch.setattr(importlib.import_module("kg.build.local"), "LOAD_BATCH_BYTES", 300_000)
    dumps = []
    for workers, name in ((0, "serial"), (2, "parallel")):
        store_dir = tmp_path / name
        report = build(sources, store_dir, base=BASE, as_of=AS_OF, validate=False,
                       workers=workers)
        assert report.counts["profiles"] == 11
        dumps.append(open_read_only(store_dir)[0].dump(format=RdfFormat.N_QUADS))
    assert dumps[0] == dumps[1]
    assert len(dumps[1]) > 5 * 300_000  # so the parallel build made several load calls
