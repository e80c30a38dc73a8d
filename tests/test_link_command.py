"""`kg link` on the command line: the summary, --dry-run, re-linking, rebuilds, arXiv and
GitHub, and one-line errors. Run through click's CliRunner on the `link` group."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from link_names import iri_of, names_of
from pyoxigraph import RdfFormat, parse, serialize

from conftest import AS_OF, BASE, DATA, SEED, select
from kg.build import build
from kg.link.command import link
from kg.serve import ServeConfig, create_app
from kg.store import load_in_memory

DBLP = DATA / "link" / "dblp.nt"


@pytest.fixture()
def seed_dir(tmp_path: Path) -> Path:
    store_dir = tmp_path / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF, keyphrases=False, validate=False)
    return store_dir


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(link, [str(a) for a in args])


def graph_links(store_dir: Path, source: str) -> list[tuple[str, str, str]]:
    """(ours, relation, theirs), ours by its name for papers and persons (`kg.link.local`)."""
    store, _ = load_in_memory(store_dir)
    names = names_of(store_dir)
    rows = select(store, f"""SELECT ?s ?p ?o {{ GRAPH <graph/links/{source}> {{
        ?l a kg:Link ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }} }}""")
    return sorted((names.get(r["s"], r["s"].removeprefix(BASE)), r["p"].rsplit("#", 1)[-1],
                   r["o"]) for r in rows)


def table_row(output: str, label: str) -> list[str]:
    match = re.search(rf"│ {label}\s*│(.*)│", output)
    assert match, output
    return [cell.strip() for cell in match.group(1).split("│")]


def test_link_dblp_prints_the_summary_and_writes_the_graph(seed_dir):
    result = invoke("dblp", "--dump", DBLP, "--store", seed_dir)
    assert result.exit_code == 0, result.output
    assert table_row(result.output, "papers") == ["36", "19", "2", "2", "0"]
    assert table_row(result.output, "persons") == ["35", "29", "0", "2", "1"]
    lines = result.output.splitlines()
    assert "DOI: 8 from the matched records" in lines
    assert "ORCID: 4 from the matched records" in lines
    assert (f"ambiguous: {BASE}person/jie-zhang — its papers are shared with 2 different persons "
            "(https://dblp.org/pid/99/1006-11, https://dblp.org/pid/99/1006-50): the name may "
            "stand for several people") in lines
    assert lines[-1] == f"wrote 62 links (1,011 quads) to the dblp link graph of {seed_dir}"
    assert len(graph_links(seed_dir, "dblp")) == 62


def test_dry_run_writes_nothing(seed_dir):
    before = seed_dir.resolve()
    result = invoke("dblp", "--dump", DBLP, "--store", seed_dir, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == ("dry run: 62 links (50 matched entities) would be "
                                              "written; nothing was changed")
    assert seed_dir.resolve() == before
    assert graph_links(seed_dir, "dblp") == []


def test_relinking_replaces_the_graph_and_a_rebuild_keeps_it(seed_dir, tmp_path):
    assert invoke("dblp", "--dump", DBLP, "--store", seed_dir).exit_code == 0
    keep = {"https://dblp.org/pid/99/1001", "https://dblp.org/pid/99/1015",
            "https://dblp.org/rec/journals/tip/MoZ22"}
    small = tmp_path / "small.nt"
    small.write_bytes(serialize((q.triple for q in parse(path=str(DBLP), format=RdfFormat.N_TRIPLES)
                                 if q.subject.value in keep), format=RdfFormat.N_TRIPLES))
    assert invoke("dblp", "--dump", small, "--store", seed_dir).exit_code == 0
    expected = [
        ("paper/ric-cnn-rotation-invariant-coordinate-2022", "sameAs",
         "https://dblp.org/rec/journals/tip/MoZ22"),
        ("paper/ric-cnn-rotation-invariant-coordinate-2022", "sameAs",
         "https://doi.org/10.1016/j.patcog.2022.9000006"),
        ("person/guoying-zhao", "sameAs", "https://dblp.org/pid/99/1001"),
        ("person/guoying-zhao", "sameAs", "https://orcid.org/0000-0009-0000-0015"),
        ("person/hanlin-mo", "sameAs", "https://dblp.org/pid/99/1015"),
    ]
    assert graph_links(seed_dir, "dblp") == expected
    build([SEED], seed_dir, base=BASE, as_of=AS_OF, keyphrases=False, validate=True)
    assert graph_links(seed_dir, "dblp") == expected


def test_link_arxiv_and_github_need_no_reference_data(seed_dir):
    result = invoke("arxiv", "--store", seed_dir)
    assert result.exit_code == 0, result.output
    assert table_row(result.output, "rdfs:seeAlso") == ["5"]
    # a topic is not arXiv's listing page: see also, never owl:sameAs
    assert graph_links(seed_dir, "arxiv") == [
        (f"topic/{code}", "seeAlso", f"https://arxiv.org/list/{code}")
        for code in ("cs.CL", "cs.CV", "cs.HC", "cs.LG", "eess.IV")]
    result = invoke("github", "--store", seed_dir)
    assert result.exit_code == 0, result.output
    links = graph_links(seed_dir, "github")
    assert len(links) == 22
    # the repository node is not its web page (schema:codeRepository says where that is)
    assert [link for link in links if "tvaranka/meb" in link[0]] == [
        ("repository/github.com/tvaranka/meb", "ownerAccount", "https://github.com/tvaranka")]
    assert graph_links(seed_dir, "arxiv")  # each source keeps its own graph


def test_person_and_paper_pages_show_their_links_with_confidence(seed_dir):
    assert invoke("dblp", "--dump", DBLP, "--store", seed_dir).exit_code == 0
    memory, _ = load_in_memory(seed_dir)
    client = create_app(ServeConfig(store=memory, base=BASE)).test_client()
    html = client.get("/person/wei-peng", headers={"Accept": "text/html"}).text
    section = re.search(r'<section id="links">(.*?)</section>', html, re.S).group(1)
    assert "<h2>External links (2)</h2>" in section
    assert re.findall(r'title="(https://[^"]+)"', section) == [
        "https://dblp.org/pid/99/1003-2", "https://dblp.org", "https://orcid.org/0000-0009-0000-0031",
        "https://dblp.org"]
    assert section.count('<td class="num">1.000</td>') == 2
    assert "<li>name similarity 1.000 (Wei Peng ~ Wei Peng 0002)</li>" in section
    assert "Linked from" not in html.split('<section id="links">')[0]
    towards = iri_of(seed_dir, "paper/towards-consistent-and-controllable-image-2025")
    paper = client.get("/" + towards.removeprefix(BASE), headers={"Accept": "text/html"}).text
    row = re.search(r'<section id="links">(.*?)</section>', paper, re.S).group(1)
    assert ('class="ext">skos:closeMatch</a></td><td><a href="https://dblp.org/rec/journals/tip/'
            'WeiVLZ26"') in row
    assert '<td class="num">0.790</td>' in row
    assert ("<li>authors 4 of our 4 found among their 4: Mengting Wei, Tuomas Varanka, Yante Li, "
            "Guoying Zhao</li><li>title similarity 0.827</li><li>year 2025 vs 2026</li>") in row
    provenance = re.search(r'<a href="(/link/dblp/[0-9a-f]{12})">provenance</a>', row)
    assert provenance
    node = client.get(provenance.group(1) + ".ttl")
    assert node.status_code == 200 and "kg:confidence 0.79" in node.text
    incoming = re.search(r'<section id="incoming">(.*?)</section>', html, re.S)
    assert incoming is None or "rdf:subject" not in incoming.group(1)


@pytest.mark.parametrize(("args", "message"), [
    (("dblp",), "kg: kg link dblp needs either --dump FILE or --endpoint URL (not both)"),
    (("wikidata", "--dump", DBLP, "--endpoint", "http://127.0.0.1:1/query"),
     "kg: kg link wikidata needs either --dump FILE or --endpoint URL (not both)"),
    (("dblp", "--dump", DBLP, "--lower", "0.95"), "kg: --lower 0.95 is above --upper 0.9"),
    (("dblp", "--endpoint", "ftp://example.org/sparql"),
     "kg: 'ftp://example.org/sparql' is not an http(s) URL of a SPARQL endpoint"),
])
def test_bad_options_are_one_line_errors(seed_dir, args, message):
    result = invoke(*args, "--store", seed_dir)
    assert (result.exit_code, result.output) == (1, message + "\n")


def test_a_missing_store_is_a_one_line_error(tmp_path):
    result = invoke("github", "--store", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.output == (f"kg: {tmp_path / 'nowhere'}: no scholarkg store here; build one "
                             f"with 'kg build seeds/ --store {tmp_path / 'nowhere'}'\n")


def test_a_bad_dump_line_is_a_one_line_error_with_file_and_line(seed_dir, tmp_path):
    bad = tmp_path / "works.jsonl"
    bad.write_text('{"id": "https://openalex.org/W1"}\nnot json\n', encoding="utf-8")
    result = invoke("openalex", "--dump", bad, "--store", seed_dir)
    assert (result.exit_code, result.output) == (
        1, f"kg: {bad}:2: not JSON: Expecting value (column 1)\n")
    assert "Traceback" not in result.output
