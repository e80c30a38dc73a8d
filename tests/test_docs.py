"""The README documents every command and every saved query, and leads with the two commands."""

from __future__ import annotations

from conftest import ROOT
from kg.cli import main
from kg.config import QUERIES_DIR

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_leads_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make serve" in first_block and "make test" in first_block


def test_every_cli_command_is_in_the_readme():
    for name in main.commands:
        assert f"`kg {name}" in README, name


def test_every_saved_query_is_in_the_readme():
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        assert path.name in README, path.name


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
