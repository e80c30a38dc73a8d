"""The kg command: summaries, output formats, and one clear line per problem, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEED
from kg.cli import main

KG = [sys.executable, "-m", "kg"]


def test_build_prints_a_summary(runner, tmp_path: Path):
    result = runner.invoke(main, ["build", str(SEED), "--store", str(tmp_path / "s"),
                                  "--as-of", "2026-11-24"])
    assert result.exit_code == 0, result.output
    lines = {line.strip("│ ").split()[0]: line.split("│")[2].strip()
             for line in result.output.splitlines() if line.count("│") == 3}
    assert {k: lines[k] for k in ("profiles", "papers", "persons", "topics", "repositories",
                                  "triples")} == {
        "profiles": "1", "papers": "50", "persons": "74", "topics": "5", "repositories": "23",
        "triples": "3,075"}
    assert "seconds" in lines


def test_bad_input_is_one_line_per_problem_no_traceback(tmp_path: Path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Someone\n\nh-indexX\n\n1 Papers\n\nCVFeb 30, 2023\nT\n\nA\n\nX.\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    done = subprocess.run([*KG, "build", str(bad), str(empty), "--store",
                           str(tmp_path / "s")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{bad}:3: h-index is not a number: 'X'",
        f"{bad}:7: impossible date 'Feb 30, 2023' in paper header",
        f"{empty}:1: empty file: expected a profile page",
        "kg: 3 problem(s) found; nothing was changed",
    ]
    assert not (tmp_path / "s").exists()


def test_missing_path_and_bad_date(runner, tmp_path: Path):
    result = runner.invoke(main, ["build", str(tmp_path / "nope"), "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"kg: {tmp_path / 'nope'}: no such file or folder\n"
    result = runner.invoke(main, ["build", str(SEED), "--as-of", "24.11.2026"])
    assert result.exit_code == 2 and "'24.11.2026' is not a date like 2026-11-24" in result.output


def test_query_formats(runner, seed_store_dir: Path):
    q = "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a schema:ScholarlyArticle }"
    result = runner.invoke(main, ["query", q, "--store", str(seed_store_dir), "--format", "json"])
    assert json.loads(result.output)["results"]["bindings"][0]["n"]["value"] == "50"
    result = runner.invoke(main, ["query", q, "--store", str(seed_store_dir), "--format", "csv"])
    assert result.output.splitlines() == ["n", "50"]
    result = runner.invoke(main, ["query", q, "--store", str(seed_store_dir)])
    assert "│ 50 │" in result.output
    result = runner.invoke(main, ["query", "ASK { ?p kg:hIndex 45 }", "--store",
                                  str(seed_store_dir)])
    assert result.output == "true\n"


def test_query_errors(runner, seed_store_dir: Path, tmp_path: Path):
    result = runner.invoke(main, ["query", "SELEC ?x", "--store", str(seed_store_dir)])
    assert result.exit_code == 1
    assert result.output == "kg: invalid SPARQL: error at 1:9: expected one of DESCRIBE, [_]\n"
    result = runner.invoke(main, ["query", "ASK {}", "--store", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.output == (f"kg: {tmp_path / 'none'}: no scholarkg store here; build one with "
                             f"'kg build seeds/ --store {tmp_path / 'none'}'\n")


def test_stats_and_validate(runner, seed_store_dir: Path):
    result = runner.invoke(main, ["stats", "--store", str(seed_store_dir), "--json"])
    stats = json.loads(result.output)
    assert (stats["papers"], stats["persons"], stats["repositories"]) == (50, 74, 23)
    result = runner.invoke(main, ["validate", "--store", str(seed_store_dir)])
    assert result.exit_code == 0 and "Conforms: True" in result.output


def test_help_lists_every_command(runner):
    result = runner.invoke(main, ["--help"])
    for command in ("build", "query", "stats", "validate", "serve"):
        assert f"  {command} " in result.output


def test_bad_option_values_and_failing_queries_are_one_line(runner, seed_store_dir, tmp_path):
    """Regression: each of these printed a traceback."""
    result = runner.invoke(main, ["export", "--store", str(seed_store_dir), "--out",
                                  str(tmp_path / "o"), "--license", "not an iri"])
    assert result.exit_code == 2 and "'not an iri' is not an IRI" in result.output
    assert not (tmp_path / "o").exists()
    result = runner.invoke(main, ["build", str(SEED), "--store", str(tmp_path / "s"),
                                  "--base", "http://a b/"])
    assert result.exit_code == 1
    assert result.output.startswith("kg: base IRI 'http://a b/' is not a valid IRI: ")
    result = runner.invoke(main, ["serve", "--store", str(seed_store_dir), "--query-memory",
                                  "lots"])
    assert result.exit_code == 2
    assert "Invalid value for '--query-memory': 'lots' is not a size like 512M or 2G" in \
        result.output
    result = runner.invoke(main, ["serve", "--store", str(seed_store_dir), "--query-memory", ""])
    assert result.exit_code == 2 and "'' is not a size like 512M or 2G" in result.output
    broken = tmp_path / "broken"
    (broken / "oxigraph").mkdir(parents=True)
    (broken / "build.json").write_text("{not json")
    result = runner.invoke(main, ["stats", "--store", str(broken)])
    assert result.exit_code == 1
    assert result.output.startswith(f"kg: {broken / 'build.json'}: damaged build manifest (")


def test_serve_on_a_taken_port_says_so(runner, seed_store_dir):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--store", str(seed_store_dir), "--port",
                                      str(port)])
    assert result.exit_code == 1
    assert result.output == f"kg: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_commands_that_need_a_local_store_say_so_for_a_url(runner):
    result = runner.invoke(main, ["link", "github", "--store", "http://127.0.0.1:7878"])
    assert (result.exit_code, result.output) == (  # it links a copy of the server's build
        1, "kg: the SPARQL store at http://127.0.0.1:7878 does not answer (is it running?)\n")
    result = runner.invoke(main, ["build", str(SEED), "--store", "http://127.0.0.1:7878",
                                  "--full"])
    assert result.output == ("kg: --full is for a local store: a build into a SPARQL server "
                             "always replaces every profile graph\n")
