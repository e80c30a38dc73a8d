"""`kg link` against each source: dblp and Wikidata from their dumps and from a real
`oxigraph serve` loaded with the same fixture, OpenAlex from snapshot files.

The fixtures (tests/data/link/) are synthetic records written in each source's real schema;
tests/data/link/README.md says what each one is there to test. Nothing is fetched.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from link_names import iri_of, names_of
from pyoxigraph import RdfFormat, parse, serialize

from conftest import AS_OF, BASE, DATA, SEED, select
from kg.build import build
from kg.errors import KgError
from kg.link.model import Outcome
from kg.link.run import link_source
from kg.store import load_in_memory
from servers import Oxigraph, free_port

FIXTURES = DATA / "link"
DBLP, WIKIDATA = FIXTURES / "dblp.nt", FIXTURES / "wikidata.nt"
OPENALEX = [FIXTURES / "openalex-works.jsonl", FIXTURES / "openalex-authors.jsonl"]
WHEN = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PREFIXES = {"rec:": "https://dblp.org/rec/", "corr:": "https://dblp.org/rec/journals/corr/",
            "pid:": "https://dblp.org/pid/", "doi:": "https://doi.org/",
            "orcid:": "https://orcid.org/"}
RELATIONS = {"=": "sameAs", "~": "closeMatch"}


def _table(text: str) -> set[tuple[str, ...]]:
    """Rows of four cells, `ours relation theirs confidence`, over one line or more: `=` is
    sameAs, `~` closeMatch, and the prefixes of PREFIXES are expanded."""
    cells = text.split()
    assert len(cells) % 4 == 0
    rows = set()
    for ours, relation, theirs, confidence in zip(*[iter(cells)] * 4, strict=True):
        prefix, local = theirs.split(":", 1)
        rows.add((ours, RELATIONS[relation], PREFIXES[prefix + ":"] + local, confidence))
    return rows


#: every link of the dblp fixture: ours, relation, theirs, confidence as stored
DBLP_LINKS = _table("""
paper/advancing-3d-finger-knuckle-recognition-2023 = rec:journals/tifs/ChengCZ23 1
paper/advancing-3d-finger-knuckle-recognition-2023 = doi:10.1109/tifs.2023.9000009 1
paper/aniformer-data-driven-3d-animation-2021 = rec:conf/bmvc/ChenTSZ21 1
paper/data-leakage-and-evaluation-issues-2022 = corr:abs-2211-90001 1
paper/data-leakage-and-evaluation-issues-2022 = doi:10.48550/arxiv.2211.90001 1
paper/exploring-interactions-and-regulations-in-2022 = corr:abs-2210-90011 1
paper/geometric-graph-representation-with-learnable-2022 = corr:abs-2205-90004 1
paper/is-micro-expression-ethnic-leaning-2025 = corr:abs-2507-90009 1
paper/learning-optimal-k-space-acquisition-2022 = corr:abs-2204-90005 1
paper/magicface-high-fidelity-facial-expression-2025 = corr:abs-2501-90008 1
paper/mer-2023-multi-label-learning-2023 = rec:conf/mm/LianSSZ23 1
paper/mer-2023-multi-label-learning-2023 = doi:10.1145/3581783.9000004 1
paper/mer-2024-semi-supervised-learning-2024 = corr:abs-2404-90002 1
paper/modality-unifying-network-for-visible-2023 = rec:journals/tip/YuCPZ23 1
paper/modality-unifying-network-for-visible-2023 = doi:10.1109/tip.2023.9000008 1
paper/physformer-facial-video-based-physiological-2021 = rec:conf/cvpr/YuSSZ22 0.955
paper/physformer-facial-video-based-physiological-2021 = doi:10.1109/cvpr52688.2022.9000002
  0.955
paper/physformer-facial-video-based-physiological-2023 = rec:journals/ijcv/YuSSZ23 1
paper/physformer-facial-video-based-physiological-2023 = doi:10.1007/s11263-023-9000003 1
paper/ric-cnn-rotation-invariant-coordinate-2022 = rec:journals/tip/MoZ22 1
paper/ric-cnn-rotation-invariant-coordinate-2022 = doi:10.1016/j.patcog.2022.9000006 1
paper/searching-multi-rate-and-multi-2020 ~ rec:journals/tip/YuZWZ23 0.88
paper/semantic-mismatch-and-perceptual-degradation-2025 = corr:abs-2512-90006 1
paper/steering-vision-language-pre-trained-2025 = corr:abs-2512-90007 1
paper/towards-consistent-and-controllable-image-2025 ~ rec:journals/tip/WeiVLZ26 0.79
paper/towards-localized-fine-grained-control-2024 = corr:abs-2407-90010 1
paper/uncertain-facial-expression-recognition-via-2022 = rec:journals/tmm/LiuZKZ23 0.955
paper/uncertain-facial-expression-recognition-via-2022 = doi:10.1109/tmm.2023.9000007 0.955
paper/uncertain-label-correction-via-auxiliary-2022 = corr:abs-2204-90003 1
person/guanming-lu = pid:99/1025 0.95
person/guoying-zhao = pid:99/1001 1
person/guoying-zhao = orcid:0000-0009-0000-0015 1
person/haiyang-sun = pid:99/1017 1
person/hanlin-mo = pid:99/1015 0.95
person/hao-tang = pid:99/1011 0.95
person/hao-yu = pid:99/1028 0.95
person/haoyu-chen = pid:99/1010 0.95
person/haoze-li = pid:99/1030 0.95
person/huai-qian-khor-f5f57b62 = pid:99/1021 1
person/janne-kauttonen = pid:99/1014 1
person/jingang-shi = pid:99/1009 1
person/jinsheng-wei = pid:99/1024 0.95
person/kevin-h-m-cheng-e9f8d837 = pid:99/1022 0.91
person/khanh-nguyen-a16678c4 = pid:99/1027 0.95
person/li-feng = pid:99/1026 0.95
person/licai-sun = pid:99/1018 1
person/mengting-wei = pid:99/1019 0.975
person/nicu-sebe = pid:99/1012 0.95
person/shuai-dong = pid:99/1029 0.95
person/tuomas-varanka = pid:99/1002 1
person/tuomas-varanka = orcid:0000-0009-0000-0023 1
person/wei-peng = pid:99/1003-2 1
person/wei-peng = orcid:0000-0009-0000-0031 1
person/xingming-zhang = pid:99/1013 1
person/xingxun-jiang = pid:99/1020 1
person/xu-cheng = pid:99/1023 1
person/yang-liu = pid:99/1005-3 1
person/yante-li = pid:99/1004 1
person/yuming-shen = pid:99/1008 1
person/zheng-lian = pid:99/1016 1
person/zitong-yu = pid:99/1007 1
person/zitong-yu = orcid:0000-0009-0000-0058 1
""")

LINKS = """SELECT ?s ?p ?o ?confidence { GRAPH ?g {
  ?link a kg:Link ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:confidence ?confidence .
  ?s ?p ?o } FILTER(?g = <graph/links/SOURCE>) }"""


def links_of(store_dir: Path, source: str) -> set[tuple[str, str, str, str]]:
    """(ours, relation, theirs, confidence) of every link node that states its triple; ours
    by its name (`paper/<five title words>-<year>`, `person/<slug>`)."""
    store, _ = load_in_memory(store_dir)
    names = names_of(store_dir)
    return {(names[r["s"]], r["p"].rsplit("#", 1)[1], r["o"], r["confidence"])
            for r in select(store, LINKS.replace("SOURCE", source))}


def decisions_of(store_dir: Path, report) -> dict:  # type: ignore[no-untyped-def]
    """The decisions of a run, by the name of ours they are about."""
    names = names_of(store_dir)
    return {names[d.local]: d for d in report.decisions}


@pytest.fixture()
def seed_dir(tmp_path: Path) -> Path:
    """A private store of the seed: link runs replace graphs in it."""
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False, validate=False)
    return store_dir


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Two real `oxigraph serve` processes on 127.0.0.1, loaded with the dblp and Wikidata
    fixtures: {source: query URL}."""
    servers: list[Oxigraph] = []
    try:
        for name, fixture in (("dblp", DBLP), ("wikidata", WIKIDATA)):
            servers.append(Oxigraph(tmp_path_factory.mktemp(f"oxigraph-{name}"), load=fixture))
        yield {"dblp": servers[0].query_url, "wikidata": servers[1].query_url}
    finally:
        for server in servers:
            server.stop()


def test_dblp_dump_gives_the_expected_links(seed_dir):
    report = link_source(seed_dir, "dblp", dumps=[DBLP], now=lambda: WHEN)
    assert links_of(seed_dir, "dblp") == DBLP_LINKS
    assert report.rows() == [("paper", 23, 36, 19, 2, 2, 0), ("person", 32, 35, 29, 0, 2, 1)]


def test_dblp_refuses_homonyms_and_a_name_that_stands_for_two_people(seed_dir):
    report = link_source(seed_dir, "dblp", dumps=[DBLP], dry_run=True)
    decisions = decisions_of(seed_dir, report)
    peng = decisions["person/wei-peng"]
    assert [(c.external, c.score) for c in peng.candidates] == [
        ("https://dblp.org/pid/99/1003-2", 1.0), ("https://dblp.org/pid/99/1003-1", 0.4)]
    liu = decisions["person/yang-liu"]
    assert [(c.external, c.score) for c in liu.candidates][1] == (
        "https://dblp.org/pid/99/1005-1", 0.4)
    zhang = decisions["person/jie-zhang"]
    assert zhang.outcome is Outcome.AMBIGUOUS
    assert zhang.reason == ("its papers are shared with 2 different persons "
                            "(https://dblp.org/pid/99/1006-11, https://dblp.org/pid/99/1006-50): "
                            "the name may stand for several people")
    ric = decisions["paper/ric-cnn-rotation-invariant-coordinate-2022"]
    assert [(c.external, c.vetoed) for c in ric.candidates] == [
        ("https://dblp.org/rec/journals/tip/MoZ22", None),
        ("https://dblp.org/rec/conf/icip/LiuC22", "no author in common")]
    assert "paper/image-moment-invariants-to-rotational-2023" not in decisions
    assert not report.written


def test_a_link_carries_its_confidence_method_evidence_source_and_date(seed_dir):
    link_source(seed_dir, "dblp", dumps=[DBLP], now=lambda: WHEN)
    store, _ = load_in_memory(seed_dir)
    rows = select(store, """SELECT ?link ?method ?source ?activity ?when ?from {
      GRAPH <graph/links/dblp> { ?link rdf:subject <person/wei-peng> ;
        rdf:object <https://dblp.org/pid/99/1003-2> ; kg:method ?method ;
        dcterms:source ?source ; prov:wasGeneratedBy ?activity ; prov:generatedAtTime ?when ;
        prov:wasDerivedFrom ?from }}""")
    assert rows == [{"link": BASE + "link/dblp/e7ec6c92a1e2",
                     "method": "person: name with shared papers, co-authors and identifiers",
                     "source": "https://dblp.org", "activity": BASE + "graph/links/dblp#activity",
                     "when": "2026-11-24T12:00:00Z", "from": "https://dblp.org/pid/99/1003-2"}]
    evidence = {r["e"] for r in select(store, """SELECT ?e { GRAPH <graph/links/dblp> {
        <link/dblp/e7ec6c92a1e2> kg:evidence ?e } }""")}
    assert evidence == {
        "name similarity 1.000 (Wei Peng ~ Wei Peng 0002)",
        "shared paper " + iri_of(seed_dir, "paper/data-leakage-and-evaluation-issues-2022"),
        "shared paper " + iri_of(seed_dir, "paper/geometric-graph-representation-with-"
                                           "learnable-2022"),
        "shared paper " + iri_of(seed_dir, "paper/learning-optimal-k-space-acquisition-2022"),
        "shared paper " + iri_of(seed_dir, "paper/modality-unifying-network-for-visible-2023"),
        "co-authors in common: Guanming Lu, Guoying Zhao, Hao Yu, Jinsheng Wei, Li Feng, "
        "Tuomas Varanka, Xu Cheng, Yante Li",
        # each signature's dblp:signatureOrdinal is the place in the byline
        *(f"author {place} of both bylines of " + iri_of(seed_dir, paper) for place, paper in (
            (3, "paper/data-leakage-and-evaluation-issues-2022"),
            (2, "paper/geometric-graph-representation-with-learnable-2022"),
            (1, "paper/learning-optimal-k-space-acquisition-2022"),
            (3, "paper/modality-unifying-network-for-visible-2023")))}
    orcid = select(store, """SELECT ?from { GRAPH <graph/links/dblp> { ?link rdf:subject
        <person/wei-peng> ; rdf:object <https://orcid.org/0000-0009-0000-0031> ;
        prov:wasDerivedFrom ?from } } ORDER BY ?from""")
    assert [r["from"] for r in orcid] == [BASE + "link/dblp/e7ec6c92a1e2",
                                          "https://dblp.org/pid/99/1003-2"]


def test_the_link_graph_is_a_void_linkset_with_its_prov_activity(seed_dir):
    link_source(seed_dir, "dblp", dumps=[DBLP], now=lambda: WHEN)
    store, _ = load_in_memory(seed_dir)
    linksets = select(store, """SELECT ?set ?target ?n
      (GROUP_CONCAT(STR(?p); separator=" ") AS ?ps) {
      GRAPH <graph/links/dblp> { ?set a void:Linkset ; void:objectsTarget ?target ;
        void:triples ?n ; void:subjectsTarget <.well-known/void#dataset> ;
        void:linkPredicate ?p } } GROUP BY ?set ?target ?n ORDER BY ?set""")
    same, close = "http://www.w3.org/2002/07/owl#sameAs", "http://www.w3.org/2004/02/skos/core#closeMatch"
    assert [(r["set"].removeprefix(BASE), r["target"], r["n"], set(r["ps"].split()))
            for r in linksets] == [
        ("graph/links/dblp", "https://dblp.org", "50", {same, close}),
        ("graph/links/dblp#doi", "https://doi.org/", "8", {same}),
        ("graph/links/dblp#orcid", "https://orcid.org/", "4", {same})]
    activity = select(store, """SELECT ?label ?start ?end ?upper ?lower ?input {
      GRAPH <graph/links/dblp> { <graph/links/dblp#activity> a prov:Activity ; rdfs:label ?label ;
        prov:startedAtTime ?start ; prov:endedAtTime ?end ; kg:sameAsThreshold ?upper ;
        kg:closeMatchThreshold ?lower ; prov:used/rdfs:label ?input ;
        prov:wasAssociatedWith/a prov:SoftwareAgent } }""")
    assert activity == [{"label": "kg link dblp", "start": "2026-11-24T12:00:00Z",
                         "end": "2026-11-24T12:00:00Z", "upper": "0.9", "lower": "0.75",
                         "input": "dblp.nt"}]


@pytest.mark.parametrize("name", ["dblp.nt.gz", "dblp.ttl", "dblp.ttl.gz"])
def test_dblp_dump_in_turtle_and_gzip_gives_the_same_links(seed_dir, tmp_path, name):
    dump = tmp_path / name
    data = DBLP.read_bytes()
    if ".ttl" in name:
        triples = (q.triple for q in parse(data, RdfFormat.N_TRIPLES))
        data = serialize(triples, format=RdfFormat.TURTLE,
                         prefixes={"dblp": "https://dblp.org/rdf/schema#"})
    dump.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    link_source(seed_dir, "dblp", dumps=[dump])
    assert links_of(seed_dir, "dblp") == DBLP_LINKS


@pytest.mark.slow
def test_dblp_endpoint_gives_the_same_links_as_the_dump(seed_dir, oxigraph):
    report = link_source(seed_dir, "dblp", endpoint=oxigraph["dblp"])
    assert links_of(seed_dir, "dblp") == DBLP_LINKS
    store, _ = load_in_memory(seed_dir)
    used = select(store, """SELECT ?input ?at { GRAPH <graph/links/dblp> {
        <graph/links/dblp#activity> prov:used ?u . ?u rdfs:label ?input ; prov:atLocation ?at }}""")
    assert used == [{"input": oxigraph["dblp"], "at": oxigraph["dblp"]}]
    assert report.rows()[1] == ("person", 32, 35, 29, 0, 2, 1)


#: the Wikidata fixture's links (without ORCID iDs and DOIs, checked apart)
WIKIDATA_LINKS = {
    ("paper/aniformer-data-driven-3d-animation-2021", "sameAs", "Q96000013"),
    ("paper/data-leakage-and-evaluation-issues-2022", "sameAs", "Q96000001"),
    ("paper/geometric-graph-representation-with-learnable-2022", "sameAs", "Q96000009"),
    ("paper/is-micro-expression-ethnic-leaning-2025", "sameAs", "Q96000012"),
    ("paper/learning-optimal-k-space-acquisition-2022", "sameAs", "Q96000008"),
    ("paper/magicface-high-fidelity-facial-expression-2025", "sameAs", "Q96000011"),
    ("paper/mer-2023-multi-label-learning-2023", "sameAs", "Q96000004"),
    ("paper/physformer-facial-video-based-physiological-2021", "sameAs", "Q96000002"),
    ("paper/physformer-facial-video-based-physiological-2023", "sameAs", "Q96000003"),
    ("paper/ric-cnn-rotation-invariant-coordinate-2022", "sameAs", "Q96000010"),
    ("paper/towards-consistent-and-controllable-image-2025", "closeMatch", "Q96000005"),
    ("paper/uncertain-facial-expression-recognition-via-2022", "sameAs", "Q96000007"),
    ("paper/uncertain-label-correction-via-auxiliary-2022", "sameAs", "Q96000006"),
    ("person/guoying-zhao", "sameAs", "Q95000001"),
    ("person/haiyang-sun", "sameAs", "Q95000017"),
    ("person/hanlin-mo", "sameAs", "Q95000015"),
    ("person/hao-tang", "sameAs", "Q95000011"),
    ("person/haoyu-chen", "sameAs", "Q95000010"),
    ("person/huai-qian-khor-f5f57b62", "sameAs", "Q95000021"),
    ("person/licai-sun", "sameAs", "Q95000018"),
    ("person/mengting-wei", "sameAs", "Q95000019"),
    ("person/tuomas-varanka", "sameAs", "Q95000002"),
    ("person/wei-peng", "sameAs", "Q95000003"),
    ("person/xingxun-jiang", "sameAs", "Q95000020"),
    ("person/yang-liu", "sameAs", "Q95000005"),
    ("person/yante-li", "sameAs", "Q95000004"),
    ("person/zheng-lian", "sameAs", "Q95000016"),
    ("person/zitong-yu", "sameAs", "Q95000007"),
}
WD = "http://www.wikidata.org/entity/"


def _wikidata_links(store_dir: Path) -> set[tuple[str, str, str]]:
    return {(s, p, o.removeprefix(WD)) for s, p, o, _ in links_of(store_dir, "wikidata")
            if o.startswith(WD)}


@pytest.mark.slow
def test_wikidata_endpoint_adds_the_expected_links_and_refuses_homonyms(seed_dir, oxigraph):
    report = link_source(seed_dir, "wikidata", endpoint=oxigraph["wikidata"])
    assert _wikidata_links(seed_dir) == WIKIDATA_LINKS
    decisions = decisions_of(seed_dir, report)
    liu = decisions["person/yang-liu"].candidates
    # the namesake shares a co-author, not a paper
    assert [(c.external.removeprefix(WD), c.score) for c in liu] == [
        ("Q95000005", 1.0), ("Q95000105", 0.45)]
    moment = decisions["paper/image-moment-invariants-to-rotational-2023"]
    assert (moment.outcome, moment.reason) == (Outcome.BELOW, "no author in common")


def test_wikidata_dump_gives_the_same_links_as_the_endpoint_model(seed_dir):
    link_source(seed_dir, "wikidata", dumps=[WIKIDATA])
    assert _wikidata_links(seed_dir) == WIKIDATA_LINKS


def test_identifiers_linked_from_dblp_are_evidence_for_wikidata(seed_dir):
    link_source(seed_dir, "dblp", dumps=[DBLP])
    report = link_source(seed_dir, "wikidata", dumps=[WIKIDATA], dry_run=True)
    decisions = decisions_of(seed_dir, report)
    zhao = decisions["person/guoying-zhao"].best
    assert "identifier agrees: https://dblp.org/pid/99/1001" in zhao.evidence
    assert "identifier agrees: https://orcid.org/0000-0009-0000-0015" in zhao.evidence
    namesake = decisions["person/wei-peng"].candidates[-1]
    assert (namesake.external, namesake.vetoed) == (
        WD + "Q95000103", "orcid identifier https://orcid.org/0000-0009-0000-004X differs from "
        "https://orcid.org/0000-0009-0000-0031 linked before")
    leak = decisions["paper/data-leakage-and-evaluation-issues-2022"].best
    assert "identifier agrees: https://doi.org/10.48550/arxiv.2211.90001" in leak.evidence


def test_openalex_snapshot_gzip_or_not(seed_dir, tmp_path):
    works = tmp_path / "part_000.gz"
    works.write_bytes(gzip.compress(OPENALEX[0].read_bytes()))
    report = link_source(seed_dir, "openalex", dumps=[works, OPENALEX[1]])
    links = {(s, p, o) for s, p, o, _ in links_of(seed_dir, "openalex")}
    assert ("person/hao-tang", "sameAs", "https://openalex.org/A5900000011") in links  # "Tang Hao"
    assert ("paper/l2rw-a-comprehensive-benchmark-towards-2025", "sameAs",
            "https://openalex.org/W5900000004") in links  # "L$^2$RW+: …"
    assert not {link for link in links if link[0] == "person/xingxun-jiang"}
    (split,) = report.ambiguous()
    assert split.reason == ("its papers are shared with 2 different persons "
                            "(https://openalex.org/A5900000020, https://openalex.org/A5900000120): "
                            "the name may stand for several people")
    assert report.rows() == [("paper", 14, 20, 10, 1, 3, 0), ("person", 15, 18, 14, 0, 0, 1)]
    assert len(links) == 33


def test_openalex_authors_before_works_give_the_same_links(seed_dir, tmp_path):
    """Regression: every author record was held in memory; now only wanted ones are, and
    authors read before the works that name them are fetched in a second pass."""
    link_source(seed_dir, "openalex", dumps=OPENALEX)
    works_first = links_of(seed_dir, "openalex")
    link_source(seed_dir, "openalex", dumps=list(reversed(OPENALEX)))
    assert links_of(seed_dir, "openalex") == works_first
    assert len(works_first) > 10


@pytest.mark.parametrize(("content", "message"), [
    ('{"id": "https://openalex.org/W1", "title": "x"}\n{"id": \n',
     "{path}:2: not JSON: Expecting value (column 8)"),
    ('[1, 2]\n', '{path}:1: not an OpenAlex record: no "id" string'),
])
def test_a_bad_openalex_line_is_reported_with_file_and_line(seed_dir, tmp_path, content, message):
    path = tmp_path / "works.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KgError) as error:
        link_source(seed_dir, "openalex", dumps=[path])
    assert str(error.value) == message.format(path=path)


def test_a_bad_rdf_dump_is_reported_with_file_and_line(seed_dir, tmp_path):
    path = tmp_path / "dblp.nt"
    shutil.copy(DBLP, path)
    with path.open("a", encoding="utf-8") as f:
        f.write('<https://dblp.org/rec/x> <https://dblp.org/rdf/schema#title> "no dot"\n')
    lines = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(KgError) as error:
        link_source(seed_dir, "dblp", dumps=[path])
    assert str(error.value) == f"{path}:{lines + 1}: Quads must be followed by a dot (column 1)"


def test_an_unknown_dump_format_and_an_unreachable_endpoint_are_user_errors(seed_dir, tmp_path):
    odd = tmp_path / "dblp.xml"
    odd.write_text("<dblp/>", encoding="utf-8")
    with pytest.raises(KgError) as error:
        link_source(seed_dir, "dblp", dumps=[odd])
    assert str(error.value) == (f"{odd}: cannot tell the format of this dump; name it .nt or "
                                ".ttl (optionally .gz)")
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(KgError) as error:
        link_source(seed_dir, "wikidata", endpoint=url)
    assert str(error.value) == (f"{url}: cannot reach the SPARQL endpoint ([Errno 111] "
                                "Connection refused)")


def test_a_truncated_gzip_dump_is_a_user_error(seed_dir, tmp_path):
    """A download cut short: gzip's end-of-stream marker is missing."""
    dump = tmp_path / "dblp.nt.gz"
    data = gzip.compress(DBLP.read_bytes())
    dump.write_bytes(data[: len(data) // 2])
    with pytest.raises(KgError) as error:
        link_source(seed_dir, "dblp", dumps=[dump])
    assert str(error.value) == (f"{dump}: cannot read the dump (Compressed file ended before the "
                                "end-of-stream marker was reached)")


def test_openalex_keeps_only_wanted_author_records_in_either_order(store, tmp_path):
    """An author neither bearing our names nor named by a kept work is never held; one named
    only by a kept work keeps its ORCID even when the authors file comes first."""
    from kg.link.backends import no_progress
    from kg.link.local import read_local
    from kg.link.sources.openalex import read_snapshot

    work = {"id": "https://openalex.org/W1", "publication_year": 2022,
            "title": "Data Leakage and Evaluation Issues in Micro-Expression Analysis",
            "authorships": [{"author": {"id": "https://openalex.org/A1",
                                        "display_name": "Somebody Else"}}]}
    referenced = {"id": "https://openalex.org/A1", "display_name": "Somebody Else",
                  "orcid": "https://orcid.org/0000-0002-1825-0097"}
    stranger = {"id": "https://openalex.org/A2", "display_name": "Nobody Here"}
    works, authors = tmp_path / "works.jsonl", tmp_path / "authors.jsonl"
    works.write_text(json.dumps(work) + "\n")
    authors.write_text(json.dumps(referenced) + "\n" + json.dumps(stranger) + "\n")
    local = read_local(store, BASE)
    for order in ([works, authors], [authors, works]):
        reference = read_snapshot(order, local, no_progress)
        assert set(reference.persons) == {"https://openalex.org/A1"}
        assert reference.persons["https://openalex.org/A1"].ids == frozenset(
            {"https://orcid.org/0000-0002-1825-0097"})


def test_openalex_states_a_place_in_the_byline_only_for_its_first_author(store, tmp_path):
    """A record may list some authors only: "last" or an index in the list need not be the
    byline's place, "first" is."""
    from kg.link.backends import no_progress
    from kg.link.local import read_local
    from kg.link.sources.openalex import read_snapshot

    work = {"id": "https://openalex.org/W1", "publication_year": 2022,
            "title": "Data Leakage and Evaluation Issues in Micro-Expression Analysis",
            "authorships": [
                {"author_position": "first", "author": {"id": "https://openalex.org/A1",
                                                        "display_name": "Tuomas Varanka"}},
                {"author_position": "last", "author": {"id": "https://openalex.org/A2",
                                                       "display_name": "Guoying Zhao"}}]}
    works = tmp_path / "works.jsonl"
    works.write_text(json.dumps(work) + "\n")
    local = read_local(store, BASE)
    reference = read_snapshot([works], local, no_progress)
    assert [(a.name, a.ordinal) for a in reference.works["https://openalex.org/W1"].authors] \
        == [("Tuomas Varanka", 1), ("Guoying Zhao", None)]
    (ours,) = [p for p in local.papers.values() if p.title == work["title"]]
    # "Tuomas Varanka, Yante Li, Wei Peng et al." and Guoying Zhao's page: three placed
    assert ours.listed == 3
    assert [name for _, name in ours.authors][:3] == ["Tuomas Varanka", "Yante Li", "Wei Peng"]


def test_an_endpoint_that_refuses_the_query_or_stalls_is_a_user_error(oxigraph):
    """Through the one HTTP client (`kg.http_client`): the server's status and first line of
    its reason; a server that takes the connection and never answers, the timeout."""
    import socket

    from kg.link.backends import EndpointSparql

    url = oxigraph["dblp"]
    with pytest.raises(KgError) as error:
        EndpointSparql(url).select("SELECT nothing")
    assert str(error.value) == (f"{url}: HTTP 400 Bad Request: error at 1:15: expected one "
                                "of REDUCED, [_]")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (backlog), never answers
        stalled = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        with pytest.raises(KgError) as error:
            EndpointSparql(stalled, timeout=0.5).select("SELECT * { ?s ?p ?o }")
    assert str(error.value) == (f"{stalled}: cannot reach the SPARQL endpoint (no answer "
                                "within 0.5 s)")
