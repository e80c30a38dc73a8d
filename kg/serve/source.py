"""Where a served graph comes from, in a form a worker process can load on its own.

pyoxigraph cannot cancel a running query, so queries run in worker processes that are killed
on timeout; each worker loads its own in-memory copy from a `GraphSource`, or, for a graph too big
for a copy per worker, opens a frozen copy of the store on disk read-only (`kind="disk"`):
then the workers share the operating system's cache instead of holding the graph each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from kg.store.files import load_rdf_file, load_snapshot
from kg.store.local import load_in_memory, open_read_only, read_info


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
