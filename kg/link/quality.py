"""How good links are: precision and recall of `kg link` against a hand-labelled gold set.

A gold file's rows say for a pair (ours, theirs) `same` (one thing), `close` (related: a
closeMatch is right, a sameAs wrong) or `different` (a decoy: any link is wrong). Our papers are
named `paper/<five title words>-<year>` (`kg.link.local.paper_key`), so a gold set holds
whatever scheme mints their IRIs.

- precision: the share of links that are right (a pair missing from the gold counts as wrong);
- recall: the share of our entities with a `same` pair in the gold that got a right link.

ORCID iDs and DOIs taken from matched records are scored as kinds of their own.
`benchmarks/link_quality.py` prints the figures; the tests hold them to their goals.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class FixtureSet:
    """A gold file and, per source in the order they are linked, its dump files."""

    gold: Path
    dumps: dict[str, list[Path]]


def gold_sets(folder: Path) -> dict[str, FixtureSet]:
    """The real and the synthetic sets of a folder laid out as `tests/data/link/`."""
    real = folder / "real"
    return {
        "real": FixtureSet(real / "gold.csv", {"openalex": [real / "openalex-works.jsonl"]}),
        "synthetic": FixtureSet(folder / "gold.csv", {
            "dblp": [folder / "dblp.nt"],
            "wikidata": [folder / "wikidata.nt"],
            "openalex": [folder / "openalex-works.jsonl", folder / "openalex-authors.jsonl"]}),
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


def score(source: str, links: list[Link], gold: dict[tuple[str, str, str], tuple[str, str]],
          keys: dict[str, str]) -> dict[str, Score]:
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


def evaluate(profiles: list[Path], fixtures: FixtureSet, as_of: date
             ) -> dict[str, dict[str, Score]]:
    """Build `profiles`, link every source of the set in turn, and score each one."""
    gold = read_gold(fixtures.gold)
    with tempfile.TemporaryDirectory(prefix="kg-link-quality-") as scratch:
        store = Path(scratch) / "store"
        build(profiles, store, base=DEFAULT_BASE, as_of=as_of, keyphrases=False,
              validate=False)
        keys = local_keys(store)
        return {source: score(source, link_source(store, source, dumps=dumps).links, gold, keys)
                for source, dumps in fixtures.dumps.items()}
