"""What a build did: the figures of its summary, what it skipped, what it warned about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import Problem

#: called with each profile's name once it is loaded
Progress = Callable[[str], None]


@dataclass
class BuildReport:
    store: Path
    counts: dict[str, int]
    seconds: float
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: profiles parsed and (re)written, kept from the previous build as they were, removed
    rebuilt: int = 0
    reused: int = 0
    removed: int = 0
