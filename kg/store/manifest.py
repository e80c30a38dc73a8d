"""`build.json`: what a build records about a store, read and written here only.

A built store is a folder holding `oxigraph/` (the RocksDB store) and `build.json`: the base
IRI, as-of date, options, version and mapping fingerprint of the build (which decide whether
the next build may be incremental), a SHA-256 per source file, and the figures of the graph. A
remote store keeps the same record as one JSON literal (`kg.store.remote`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.errors import StoreError

DATABASE = "oxigraph"
MANIFEST = "build.json"
#: the full-text index of the build (`kg.search`), a tantivy folder
SEARCH_INDEX = "search"


@dataclass(frozen=True)
class StoreInfo:
    """What `build.json` says about a store."""

    path: Path
    base: str
    as_of: str
    built_at: str
    version: str
    sources: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    keyphrases: bool = True


def info_from(data: Mapping[str, Any], path: Path | None) -> StoreInfo:
    """A StoreInfo from a manifest's fields; raises TypeError when a required one is missing."""
    known = {f.name for f in fields(StoreInfo)} - {"path"}
    return StoreInfo(path=path, **{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


def read_manifest(store_dir: Path) -> dict[str, Any]:
    """The manifest as written. Raises StoreError when `store_dir` is not a store `kg build`
    wrote, or its manifest is damaged."""
    manifest = store_dir / MANIFEST
    if not manifest.is_file() or not (store_dir / DATABASE).is_dir():
        raise StoreError(f"{store_dir}: no scholarkg store here; build one with "
                         f"'kg build seeds/ --store {store_dir}'")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data
    except ValueError as e:
        raise StoreError(f"{manifest}: damaged build manifest ({e}); rebuild with "
                         f"'kg build … --store {store_dir} --full'") from None


def read_info(store_dir: Path) -> StoreInfo:
    """Raises StoreError when `store_dir` is not a store `kg build` wrote."""
    data = read_manifest(store_dir)
    try:
        return info_from(data, store_dir)
    except TypeError as e:  # a required field missing
        raise StoreError(f"{store_dir / MANIFEST}: damaged build manifest ({e}); rebuild with "
                         f"'kg build … --store {store_dir} --full'") from None


def manifest_of(settings: Mapping[str, Any], sources: Mapping[str, str],
                counts: Mapping[str, int]) -> dict[str, Any]:
    """What a build records: its settings, when it ended, its sources and figures."""
    return {
        **settings,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": dict(sorted(sources.items())),
        "counts": dict(counts),
    }


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
