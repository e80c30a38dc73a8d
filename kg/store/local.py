"""Open a built store: read-only on disk, or copied into memory for serving.

A built store is a folder holding `oxigraph/` (the RocksDB store) and `build.json` (the base
IRI, as-of date and source hashes of the build). `--store DIR` names a symlink that `kg build`
swaps atomically, so whoever opens it gets one complete build.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from kg.errors import StoreError

DATABASE = "oxigraph"
MANIFEST = "build.json"


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


def read_info(store_dir: Path) -> StoreInfo:
    """Raises StoreError when `store_dir` is not a store `kg build` wrote."""
    manifest = store_dir / MANIFEST
    if not manifest.is_file() or not (store_dir / DATABASE).is_dir():
        raise StoreError(f"{store_dir}: no scholarkg store here; build one with "
                         f"'kg build seeds/ --store {store_dir}'")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        known = {f.name for f in fields(StoreInfo)} - {"path"}
        return StoreInfo(path=store_dir, **{k: v for k, v in data.items() if k in known})
    except (ValueError, TypeError) as e:  # not JSON, or a required field missing
        raise StoreError(f"{manifest}: damaged build manifest ({e}); rebuild with "
                         f"'kg build … --store {store_dir} --full'") from None


def open_read_only(store_dir: Path) -> tuple[Store, StoreInfo]:
    """The on-disk store, read-only: safe beside a running build or server."""
    info = read_info(store_dir)
    try:  # the build folder itself: RocksDB opens files lazily, by path, and a rebuild swaps
        # the symlink `store_dir` to another build meanwhile
        return Store.read_only(str(store_dir.resolve() / DATABASE)), info
    except OSError as e:
        raise StoreError(f"{store_dir}: cannot open the store ({e})") from e


def load_in_memory(store_dir: Path) -> tuple[Store, StoreInfo]:
    """A copy of the store in memory: several times faster to query than RocksDB on disk."""
    disk, info = open_read_only(store_dir)
    memory = Store()
    with tempfile.TemporaryDirectory(prefix="kg-load-") as scratch:
        dump = f"{scratch}/graph.nq"
        disk.dump(dump, RdfFormat.N_QUADS)  # both steps in Rust: no quad passes through Python
        del disk
        memory.bulk_load(path=dump, format=RdfFormat.N_QUADS)
    return memory, info

