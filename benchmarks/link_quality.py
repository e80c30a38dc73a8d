"""Precision and recall of `kg link` per source, against the hand-labelled gold set.

    .venv/bin/python benchmarks/link_quality.py [--gold tests/data/link/gold.csv]

Builds the seed into a temporary store, links it to the fixture dumps of tests/data/link/
(dblp, then Wikidata, then OpenAlex: later sources use the identifiers earlier ones linked, as
in real use) and compares every link with tests/data/link/gold.csv, whose rows say for a pair
(ours, theirs) `same` (one thing), `close` (related: a closeMatch is right, a sameAs wrong) or
`different` (a decoy: any link is wrong).

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

from kg.config import DEFAULT_BASE
from kg.link.links import CLOSE_MATCH, Link
from kg.link.run import link_source
from kg.store import build

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "link"
GOLD = FIXTURES / "gold.csv"
SEED = sorted((ROOT / "seeds").glob("*.txt"))
AS_OF = date(2026, 11, 24)
#: source → its dump files, in the order the sources are linked
DUMPS = {
    "dblp": [FIXTURES / "dblp.nt"],
    "wikidata": [FIXTURES / "wikidata.nt"],
    "openalex": [FIXTURES / "openalex-works.jsonl", FIXTURES / "openalex-authors.jsonl"],
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


def read_gold(path: Path = GOLD) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(source, local path, external IRI) → (kind, label)."""
    with path.open(encoding="utf-8", newline="") as f:
        return {(r["source"], r["local"], r["external"]): (r["kind"], r["label"])
                for r in csv.DictReader(f)}


def kind_of(link: Link, base: str) -> str:
    if link.target.startswith("https://orcid.org/"):
        return "orcid"
    if link.target.startswith("https://doi.org/"):
        return "doi"
    return link.subject.removeprefix(base).split("/", 1)[0]


def score(source: str, links: list[Link], gold: dict, base: str = DEFAULT_BASE
          ) -> dict[str, Score]:
    """Figures per kind, and for all kinds together under "all"."""
    right: dict[str, int] = defaultdict(int)
    made: dict[str, int] = defaultdict(int)
    found: dict[str, set[str]] = defaultdict(set)
    for link in links:
        kind, local = kind_of(link, base), link.subject.removeprefix(base)
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


def run(gold_path: Path = GOLD) -> dict[str, dict[str, Score]]:
    """Build the seed, link every source in turn, and score each one."""
    gold = read_gold(gold_path)
    with tempfile.TemporaryDirectory(prefix="kg-link-quality-") as scratch:
        store = Path(scratch) / "store"
        build(SEED, store, base=DEFAULT_BASE, as_of=AS_OF, keyphrases=False, validate=False)
        return {source: score(source, link_source(store, source, dumps=dumps).links, gold)
                for source, dumps in DUMPS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    results = run(parser.parse_args().gold)
    print(f"{'source':<10} {'kind':<7} {'links':>5} {'right':>5} {'precision':>9} "
          f"{'expected':>8} {'found':>5} {'recall':>6}")
    for source, figures in results.items():
        for kind in (*KINDS, "all"):
            s = figures[kind]
            print(f"{source:<10} {kind:<7} {s.links:>5} {s.right:>5} {s.precision:>9.3f} "
                  f"{s.expected:>8} {s.found:>5} {s.recall:>6.3f}")


if __name__ == "__main__":
    main()
