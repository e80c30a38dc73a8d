"""The W3C SPARQL 1.1 conformance harness (shared/tools/conformance) against `kg serve`.

Goals of the serving issue: protocol 64/64 (oxigraph serve: 63/64) and query evaluation at
least 224 of 235 (oxigraph's engine: 224).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

HARNESS = ROOT.parent / "shared" / "tools" / "conformance" / "run.py"
SUITE = ROOT.parent / "shared" / "w3c-rdf-tests"
KG = f"exec {sys.executable} -m kg serve --data {{data}} --allow-update --host {{host}} " \
     "--port {port} --workers 1"


def _run(part: str) -> tuple[int, int, str]:
    """One server at a time: with two jobs, subquery06 once got no rows in a CI run, as
    if asked of the other job's server (whose dataset held the same file as a named graph
    only): the harness picks a free port before our server binds it, ~1 s later, so two
    servers can race for one port and the loser's readiness probe finds the winner. 75 s more
    (160 s against 85 s)."""
    if not HARNESS.is_file():
        pytest.fail(f"the conformance harness is missing at {HARNESS}")
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--suite", str(SUITE), "--parts", part, "--query-path",
         "/sparql", "--update-path", "/update", "--jobs", "1", "-q", "--start-cmd", KG],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    last = done.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) passed, (\d+) failed, (\d+) skipped", last)
    assert match, done.stdout[-2000:] + done.stderr[-2000:]
    return int(match[1]), int(match[2]), done.stdout


@pytest.mark.slow
def test_protocol_64_of_64():
    passed, failed, output = _run("protocol")
    assert (passed, failed) == (64, 0), output[-3000:]


@pytest.mark.slow
def test_query_evaluation_at_least_224_of_235():
    passed, failed, output = _run("query")
    assert passed + failed == 235, output[-3000:]
    assert passed >= 224, output[-3000:]
