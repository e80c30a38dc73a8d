"""The Python API (`kg.query`, `kg.dataset`) on the seed store, and the README's example run."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

import kg
from conftest import BASE, ROOT
from kg.errors import QueryError, StoreError
from kg.mapping.vocab import XSD

PAPERS = "SELECT (COUNT(*) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"


def test_query_returns_rows_of_rdflib_terms(seed_store_dir: Path):
    rows = kg.query("""SELECT ?person ?name ?missing {
        ?person a schema:Person ; schema:name "Guoying Zhao", ?name }""", store=seed_store_dir)
    assert rows == [{"person": URIRef(BASE + "person/guoying-zhao"),
                     "name": Literal("Guoying Zhao"), "missing": None}]
    (row,) = kg.query(PAPERS, store=str(seed_store_dir))
    assert row["n"] == Literal("50", datatype=URIRef(XSD + "integer"))
    assert row["n"].toPython() == 50


def test_query_refuses_what_is_not_a_select(seed_store_dir: Path):
    with pytest.raises(QueryError, match="SELECT"):
        kg.query("ASK { ?s ?p ?o }", store=seed_store_dir)
    with pytest.raises(QueryError, match="invalid SPARQL"):
        kg.query("SELECT nonsense", store=seed_store_dir)


def test_query_without_a_store_is_a_store_error(tmp_path: Path):
    with pytest.raises(StoreError):
        kg.query(PAPERS, store=tmp_path / "none")


def test_dataset_is_the_store_in_rdflib_default_graph_merged(seed_store_dir: Path):
    graphs = kg.dataset(seed_store_dir)
    names = sorted(str(g.identifier) for g in graphs.graphs())
    assert names == [BASE + "graph/000_4bcbefa2e1da6666", BASE + "graph/terms/arxiv",
                     BASE + "graph/terms/keyphrases", str(DATASET_DEFAULT_GRAPH_ID)]
    merged = graphs.default_graph
    assert [tuple(r) for r in merged.query(PAPERS)] == [
        (Literal("50", datatype=URIRef(XSD + "integer")),)]
    assert len(merged) == kg.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
                                   store=seed_store_dir)[0]["n"].toPython()
    # read-only: a built store is replaced by kg build, never edited in place
    with pytest.raises(RuntimeError, match="read-write"):
        merged.add((URIRef(BASE + "x"), URIRef(BASE + "y"), Literal("z")))


def test_readme_python_example_prints_what_it_says(seed_store_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    """The README's example, run as written on the seed in `data/store`."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    expected = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "store").symlink_to(seed_store_dir.resolve())
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    assert printed.getvalue().splitlines() == expected
