"""Precision and recall of `kg link` per source, on the real and the synthetic sets apart.

    .venv/bin/python benchmarks/link_quality.py

Builds the seed into a temporary store, links it to the fixture dumps of each set (dblp, then
Wikidata, then OpenAlex: later sources use the identifiers earlier ones linked, as in real use)
and compares every link with the set's hand-labelled gold file, whose rows say for a pair
(ours, theirs) `same` (one thing), `close` (related: a closeMatch is right, a sameAs wrong) or
`different` (a decoy: any link is wrong). Our papers are named `paper/<five title words>-<year>`
(`kg.link.local.paper_key`), so the gold set holds whatever scheme mints their IRIs.

- real: records of the seed's papers found in public material (tests/data/link/real/, each
  with where it was found); OpenAlex only: no dblp or Wikidata record could be found;
- synthetic: records written for the matcher's hard cases (tests/data/link/).

- precision: the share of links that are right (a pair missing from the gold counts as wrong);
- recall: the share of our entities with a `same` pair in the gold that got a right link.

ORCID iDs and DOIs taken from matched records are scored as kinds of their own.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kg.build import build
from kg.config import DEFAULT_BASE
from kg.link.links import CLOSE_MATCH, Link
from kg.link.local import local_names, read_local
from kg.link.run import link_source
from kg.store.local import open_read_only

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "link"
REAL = FIXTURES / "real"
SEED = sorted((ROOT / "seeds").glob("*.txt"))
AS_OF = date(2026, 11, 24)


@dataclass(frozen=True)
class FixtureSet:
    """A gold file and, per source in the order they are linked, its dump files."""

    gold: Path
    dumps: dict[str, list[Path]]


SETS = {
    "real": FixtureSet(REAL / "gold.csv", {"openalex": [REAL / "openalex-works.jsonl"]}),
    "synthetic": FixtureSet(FIXTURES / "gold.csv", {
        "dblp": [FIXTURES / "dblp.nt"],
        "wikidata": [FIXTURES / "wikidata.nt"],
        "openalex": [FIXTURES / "openalex-works.jsonl", FIXTURES / "openalex-authors.jsonl"]}),
}
KINDS = ("paper", "person", "doi", "orcid")


@dataclass(frozen=True)
class Score:
    """The figures of one source (or one kind of one source)."""

    links: int
    right: int
    expected: int
    found: int

    @property
    def precision(self) -> float:
        return self.right / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def read_gold(path: Path) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(source, local path, external IRI) → (kind, label)."""
    with path.open(encoding="utf-8", newline="") as f:
        return {(r["source"], r["local"], r["external"]): (r["kind"], r["label"])
                for r in csv.DictReader(f)}


def kind_of(link: Link, local: str) -> str:
    if link.target.startswith("https://orcid.org/"):
        return "orcid"
    if link.target.startswith("https://doi.org/"):
        return "doi"
    return local.split("/", 1)[0]


def score(source: str, links: list[Link], gold: dict, keys: dict[str, str]) -> dict[str, Score]:
    """Figures per kind, and for all kinds together under "all". `keys`: our IRI → the name
    the gold set gives it."""
    right: dict[str, int] = defaultdict(int)
    made: dict[str, int] = defaultdict(int)
    found: dict[str, set[str]] = defaultdict(set)
    for link in links:
        local = keys.get(link.subject, link.subject)
        kind = kind_of(link, local)
        made[kind] += 1
        _, label = gold.get((source, local, link.target), (kind, "unlisted"))
        if label == "same" or (label == "close" and link.predicate == CLOSE_MATCH):
            right[kind] += 1
            if label == "same":
                found[kind].add(local)
    expected: dict[str, set[str]] = defaultdict(set)
    for (src, local, _external), (kind, label) in gold.items():
        if src == source and label == "same":
            expected[kind].add(local)
    figures = {k: Score(made[k], right[k], len(expected[k]), len(found[k] & expected[k]))
               for k in KINDS}
    figures["all"] = Score(*(sum(getattr(s, f) for s in figures.values())
                             for f in ("links", "right", "expected", "found")))
    return figures


def local_keys(store_dir: Path, base: str = DEFAULT_BASE) -> dict[str, str]:
    """Our IRI → its name in the gold set: `paper/<words>-<year>`, `person/<slug>`."""
    store, _ = open_read_only(store_dir)
    return local_names(read_local(store, base), base)


def run(fixtures: FixtureSet) -> dict[str, dict[str, Score]]:
    """Build the seed, link every source of the set in turn, and score each one."""
    gold = read_gold(fixtures.gold)
    with tempfile.TemporaryDirectory(prefix="kg-link-quality-") as scratch:
        store = Path(scratch) / "store"
        build(SEED, store, base=DEFAULT_BASE, as_of=AS_OF, keyphrases=False, validate=False)
        keys = local_keys(store)
        return {source: score(source, link_source(store, source, dumps=dumps).links, gold, keys)
                for source, dumps in fixtures.dumps.items()}


def run_all() -> dict[str, dict[str, dict[str, Score]]]:
    """{set: {source: {kind: Score}}} for the real and the synthetic sets."""
    return {name: run(fixtures) for name, fixtures in SETS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), action="append",
                        help="Score only this set (repeatable); default: all.")
    chosen = parser.parse_args().set or list(SETS)
    print(f"{'set':<10} {'source':<10} {'kind':<7} {'links':>5} {'right':>5} {'precision':>9} "
          f"{'expected':>8} {'found':>5} {'recall':>6}")
    for name in chosen:
        for source, figures in run(SETS[name]).items():
            for kind in (*KINDS, "all"):
                s = figures[kind]
                print(f"{name:<10} {source:<10} {kind:<7} {s.links:>5} {s.right:>5} "
                      f"{s.precision:>9.3f} {s.expected:>8} {s.found:>5} {s.recall:>6.3f}")


if __name__ == "__main__":
    main()
