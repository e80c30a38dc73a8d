"""Typed records of a profile page.

Every record keeps the file it came from and the line of each of its fields (`lines`), so that
a mapped triple or a validation problem can always point back at the text a person can fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Metrics:
    """The profile's own figures, as stated on the page (None when the page omits one)."""

    h_index: int | None = None
    stated_papers: int | None = None
    citations: int | None = None
    novelty_percent: int | None = None
    ai_score: int | None = None
    lines: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper block: header `<category><date>[Code]`, title, authors, abstract."""

    source: str
    line: int
    category: str
    published: date
    #: True when the page gave no year and the as-of rule chose it.
    year_inferred: bool
    has_code: bool
    title: str
    authors: tuple[str, ...]
    #: True when the author list ended in "et al." (the page cut it).
    authors_cut: bool
    abstract: str
    lines: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Profile:
    """A whole profile page: its person, field, metrics and listed papers."""

    source: str
    name: str
    field_code: str | None
    metrics: Metrics
    papers: tuple[Paper, ...]
    as_of: date
    lines: Mapping[str, int] = field(default_factory=dict)
    #: SHA-256 of the file's bytes, hexadecimal ("" for text not read from a file)
    sha256: str = ""

    @property
    def listed_papers(self) -> int:
        return len(self.papers)
