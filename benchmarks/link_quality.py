"""Precision and recall of `kg link` per source, on the real and the synthetic sets apart.

    .venv/bin/python benchmarks/link_quality.py

Builds the seed into a temporary store, links it to the fixture dumps of each set (dblp, then
Wikidata, then OpenAlex: later sources use the identifiers earlier ones linked, as in real use)
and compares every link with the set's hand-labelled gold file (`kg.link.quality`).

- real: records of the seed's papers found in public material (tests/data/link/real/, each
  with where it was found); OpenAlex only: no dblp or Wikidata record could be found (the
  queries tried are in tests/data/link/README.md), and the table says so;
- synthetic: records written for the matcher's hard cases (tests/data/link/).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from kg.link.quality import KINDS, evaluate, gold_sets
from kg.link.run import SOURCES

ROOT = Path(__file__).resolve().parent.parent
SETS = gold_sets(ROOT / "tests" / "data" / "link")
SEED = sorted((ROOT / "seeds").glob("*.txt"))
AS_OF = date(2026, 11, 24)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), action="append",
                        help="Score only this set (repeatable); default: all.")
    chosen = parser.parse_args().set or list(SETS)
    print(f"{'set':<10} {'source':<10} {'kind':<7} {'links':>5} {'right':>5} {'precision':>9} "
          f"{'expected':>8} {'found':>5} {'recall':>6}")
    for name in chosen:
        for source, figures in evaluate(SEED, SETS[name], AS_OF).items():
            for kind in (*KINDS, "all"):
                s = figures[kind]
                print(f"{name:<10} {source:<10} {kind:<7} {s.links:>5} {s.right:>5} "
                      f"{s.precision:>9.3f} {s.expected:>8} {s.found:>5} {s.recall:>6.3f}")
        for source in sorted(SOURCES.keys() - SETS[name].dumps.keys()):
            print(f"{name:<10} {source:<10} no records of this source in the set")


if __name__ == "__main__":
    main()
