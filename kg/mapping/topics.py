"""Profile category codes (`CV`, `IV`, …) → arXiv taxonomy categories, from `ontology/`.

The table is data, not code: a new code is a line in `ontology/arxiv-categories.csv`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.config import ONTOLOGY_DIR

TABLE = ONTOLOGY_DIR / "arxiv-categories.csv"


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    arxiv: str
    name: str


@cache
def categories(path: Path = TABLE) -> dict[str, Category]:
    """Profile code → category, read once per process."""
    with path.open(encoding="utf-8", newline="") as f:
        return {row["code"]: Category(**row) for row in csv.DictReader(f)}
