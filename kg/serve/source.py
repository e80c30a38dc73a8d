"""Where a served graph comes from, in a form a worker process can load on its own.

pyoxigraph cannot cancel a running query, so queries run in worker processes that are killed
on timeout; each worker loads its own in-memory copy from a `GraphSource`, or, for a graph too big
for a copy per worker, opens a frozen copy of the store on disk read-only (`kind="disk"`):
then the workers share the operating system's cache instead of holding the graph each.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from kg.store.files import load_rdf_file, load_snapshot
from kg.store.local import load_in_memory, open_read_only, read_info
from kg.store.manifest import read_manifest


@dataclass(frozen=True)
class GraphSource:
    """A built store (`kind="store"`, loaded into memory, or `kind="disk"`, read where it
    lies), a plain RDF file (`kind="data"`) or a snapshot of the served graph that the server
    wrote itself (`kind="snapshot"`)."""

    kind: str
    path: Path

    def load(self) -> Store:
        """A fresh in-memory store holding the source's quads (read-only on disk for "disk")."""
        if self.kind == "disk":
            return open_read_only(self.path)[0]
        if self.kind == "store":
            return load_in_memory(self.path)[0]
        if self.kind == "snapshot":
            return load_snapshot(self.path)
        return load_rdf_file(self.path)

    def base(self) -> str | None:
        """The graph's base IRI: a built store knows it; a plain RDF file has none."""
        return read_info(self.path).base if self.kind in ("store", "disk") else None

    def identity(self) -> str | None:
        """What tells this graph from any other one served here, for ETags: a digest of the
        build's folder name (each build, link run or incremental rebuild writes a new one) and
        its build.json, or of a --data file's path, size and modification time. Ask it of the
        store as named, before a frozen copy (whose name is the server's own). None for a
        snapshot, which only the server's workers read."""
        if self.kind in ("store", "disk"):
            folder = self.path.resolve()
            what = [folder.name, json.dumps(read_manifest(folder), sort_keys=True)]
        elif self.kind == "data":
            stat = self.path.stat()
            what = [str(self.path.resolve()), str(stat.st_size), str(stat.st_mtime_ns)]
        else:
            return None
        return hashlib.sha256("\n".join(what).encode()).hexdigest()[:16]
