"""Link sets as SSSOM mapping sets: written with `sssom`, read back with `sssom`, same mappings.

`kg link SOURCE --sssom FILE` writes FILE (SSSOM/TSV, YAML metadata embedded) and FILE.ttl
(SSSOM/RDF); `kg export --sssom` writes one mapping set per link graph of the store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from curies import Converter
from sssom.parsers import from_sssom_rdf, parse_sssom_table

from conftest import AS_OF, BASE, DATA, SEED
from kg.build import build
from kg.cli import main
from kg.link.command import link
from kg.link.links import Link
from kg.link.mappings import (
    LinkSet,
    justification,
    labels,
    prefixes_for,
    rdf_path,
    write_mapping_set,
)
from kg.link.run import link_source
from kg.store.local import open_read_only

DBLP = DATA / "link" / "dblp.nt"
REAL = DATA / "link" / "real" / "openalex-works.jsonl"
WHEN = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
MAPPING = {"http://www.w3.org/2002/07/owl#sameAs", "http://www.w3.org/2004/02/skos/core#closeMatch"}

Row = tuple[str, str, str, str, float]


@pytest.fixture()
def seed_dir(tmp_path: Path) -> Path:
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False, validate=False)
    return store_dir


def expected(links: list[Link]) -> set[Row]:
    """(subject, predicate, object, justification, confidence) of the mapping links."""
    return {(k.subject, k.predicate.value, k.target, justification(k.method),
             round(k.confidence, 3)) for k in links if k.predicate.value in MAPPING}


def rows(frame) -> set[Row]:  # type: ignore[no-untyped-def]
    """The same five fields of a parsed mapping set, CURIEs expanded (sssom reads them as
    EntityReference, a str subclass curies does not expand: hence `str`)."""

    def expand(curie: object) -> str:
        return frame.converter.expand_or_standardize(str(curie), strict=True)

    return {(expand(r["subject_id"]), expand(r["predicate_id"]), expand(r["object_id"]),
             str(r["mapping_justification"]), round(float(r["confidence"]), 3))
            for r in frame.df.to_dict("records")}


def read_rdf(path: Path, targets: list[str]):  # type: ignore[no-untyped-def]
    """An SSSOM/RDF file read back with sssom: rdflib writes only the prefixes it uses, so the
    reader is given the prefix map the writer used (as any SSSOM/RDF consumer supplies one)."""
    graph = rdflib.Graph()
    graph.parse(data=path.read_text(encoding="utf-8"), format="turtle")
    return from_sssom_rdf(graph, prefix_map=Converter.from_prefix_map(prefixes_for(BASE,
                                                                                   targets)))


def test_a_dblp_link_set_round_trips_through_sssom_tsv_and_rdf(seed_dir, tmp_path):
    report = link_source(seed_dir, "dblp", dumps=[DBLP], now=lambda: WHEN)

    store, _ = open_read_only(seed_dir)
    names = labels(store, BASE, (k.subject for k in report.links))
    tsv, ttl = write_mapping_set(LinkSet("dblp", report.links, WHEN), BASE, names,
                                 tmp_path / "dblp.sssom.tsv")
    assert ttl == rdf_path(tsv) == tmp_path / "dblp.sssom.ttl"
    table = parse_sssom_table(tsv)
    assert rows(table) == expected(report.links)
    assert len(table.df) == 62
    assert rows(read_rdf(ttl, [k.target for k in report.links])) == expected(report.links)
    assert table.metadata["mapping_set_id"] == BASE + "graph/links/dblp"
    assert set(table.df["mapping_date"].astype(str)) == {"2026-11-24"}  # propagated
    justifications = {r["mapping_justification"] for r in table.df.to_dict("records")}
    assert justifications == {"semapv:CompositeMatching", "semapv:MappingChaining"}
    zhao = table.df[table.df["subject_label"] == "Guoying Zhao"]
    assert set(zhao["object_id"]) == {"dblp:pid/99/1001", "orcid:0000-0009-0000-0015"}
    header = tsv.read_text(encoding="utf-8").splitlines()[0]
    assert header == "# curie_map:"


def test_kg_link_sssom_writes_the_mapping_set_of_the_run(seed_dir, tmp_path):
    target = tmp_path / "out" / "openalex.sssom.tsv"
    result = CliRunner().invoke(link, ["openalex", "--dump", str(REAL), "--store",
                                       str(seed_dir), "--sssom", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (f"SSSOM mapping set: {target} and "
                                              f"{target.with_suffix('.ttl')}")
    table = parse_sssom_table(target)
    closes = table.df[table.df["predicate_id"] == "skos:closeMatch"]
    # three papers whose records list no authors are closeMatch; Zitong Yu and the ORCID iD
    # of the matched record are owl:sameAs beside PhysFormer and its DOI
    assert len(table.df) == 7 and len(closes) == 3
    # PhysFormer++ is reported as another version, and has no mapping
    assert any(line.startswith("another version: ") and "W4312358294" in line
               for line in result.output.splitlines())
    assert not any("SlowFast" in str(label) for label in table.df["subject_label"])


def test_kg_export_sssom_writes_one_mapping_set_per_link_graph(seed_dir, tmp_path):
    runner = CliRunner()
    assert runner.invoke(link, ["dblp", "--dump", str(DBLP), "--store",
                                str(seed_dir)]).exit_code == 0
    assert runner.invoke(link, ["arxiv", "--store", str(seed_dir)]).exit_code == 0
    out = tmp_path / "dumps"
    result = runner.invoke(main, ["export", "--store", str(seed_dir), "--out", str(out),
                                  "--format", "nt", "--no-validate", "--sssom"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("links-*")) == [
        "links-arxiv.sssom.tsv", "links-arxiv.sssom.ttl",
        "links-dblp.sssom.tsv", "links-dblp.sssom.ttl"]
    dblp = parse_sssom_table(out / "links-dblp.sssom.tsv")
    assert len(dblp.df) == 62
    targets = [dblp.converter.expand(str(o)) for o in dblp.df["object_id"]]
    assert rows(read_rdf(out / "links-dblp.sssom.ttl", targets)) == rows(dblp)
    arxiv = parse_sssom_table(out / "links-arxiv.sssom.tsv")
    assert set(arxiv.df["mapping_justification"]) == {"semapv:LexicalMatching"}
