"""Open a built store: read-only on disk, or copied into memory for serving.

A built store is a folder holding `oxigraph/` (the RocksDB store) and `build.json`
(`kg.store.manifest`). `--store DIR` names a symlink that `kg build` swaps atomically, so
whoever opens it gets one complete build.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat, Store

from kg.errors import StoreError
from kg.store.files import write_snapshot
from kg.store.manifest import DATABASE, MANIFEST, StoreInfo, read_info
from kg.store.scratch import scratch_folder

__all__ = ["DATABASE", "MANIFEST", "StoreInfo", "load_in_memory", "open_read_only", "read_info"]

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
    with scratch_folder("load") as scratch:
        dump = Path(scratch) / "graph.trig"
        write_snapshot(disk, dump)  # both steps in Rust: no quad passes through Python
        del disk
        memory.bulk_load(path=str(dump), format=RdfFormat.TRIG)
    return memory, info

