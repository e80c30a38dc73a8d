"""What a build does: which files to parse, which graphs to keep from the previous build and
which to drop.

A build is incremental when the current store was built with the same settings (base IRI,
as-of date, key phrases, version, and the fingerprint of the code that turns a file into
triples): then only the profiles whose content changed, or that were added or removed, are
parsed, and their graphs rewritten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kg import __version__
from kg.mapping.topics import TABLE as TOPIC_TABLE
from kg.store.manifest import read_manifest


@dataclass(frozen=True)
class Plan:
    """Parse `parse`, keep the graphs of `keep`, drop those of `drop` (`removed`: files no
    longer built)."""

    incremental: bool
    parse: list[str]
    keep: set[str]
    drop: set[str]
    removed: set[str]


def settings(base: str, as_of: date, keyphrases: bool) -> dict[str, Any]:
    """What must be equal for a previous build's graphs to be kept."""
    return {"base": base, "as_of": as_of.isoformat(), "keyphrases": keyphrases,
            "version": __version__, "mapping": mapping_fingerprint()}


def mapping_fingerprint() -> str:
    """A hash of what turns a file into triples: the parser, the mapping code, the category
    table. When it changes, graphs kept from an earlier build could differ from a fresh one, so
    the next build is a full one."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    files = sorted([*(package / "parse").glob("*.py"), *(package / "mapping").glob("*.py")])
    for path in [*files, TOPIC_TABLE]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def plan(previous: Path | None, wanted: dict[str, Any], hashes: dict[str, str],
         full: bool) -> Plan:
    """The plan for building `hashes` (file → SHA-256) over the build at `previous`."""
    names = list(hashes)
    if full or previous is None:
        return Plan(False, names, set(), set(), set())
    manifest = read_manifest(previous)
    if any(manifest.get(key) != value for key, value in wanted.items()):
        return Plan(False, names, set(), set(), set())
    old: dict[str, str] = manifest.get("sources", {})
    keep = {n for n in names if old.get(n) == hashes[n]}
    removed = set(old) - set(names)
    changed = {n for n in names if n in old and n not in keep}
    return Plan(True, [n for n in names if n not in keep], keep, changed | removed, removed)
