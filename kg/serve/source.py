"""Where a served graph comes from, in a form a worker process can load on its own.

pyoxigraph cannot cancel a running query, so queries run in worker processes that are killed
on timeout; each worker loads its own in-memory copy from a `Source`.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from kg.errors import KgError
from kg.store.local import load_in_memory, read_info


@dataclass(frozen=True)
class Source:
    """A built store (`kind="store"`) or a plain RDF file (`kind="data"`)."""

    kind: str
    path: Path

    def load(self) -> Store:
        """A fresh in-memory store holding the source's quads."""
        if self.kind == "store":
            return load_in_memory(self.path)[0]
        return load_rdf_file(self.path)

    def base(self) -> str | None:
        """The graph's base IRI: a built store knows it; a plain RDF file has none."""
        return read_info(self.path).base if self.kind == "store" else None


def load_rdf_file(path: Path) -> Store:
    """Load N-Quads, TriG, Turtle, N-Triples, RDF/XML or JSON-LD, told apart by extension.

    Raises KgError naming the file (and the parser's line and column) when it cannot be read.
    """
    name = path.name.removesuffix(".gz")
    rdf_format = RdfFormat.from_extension(name.rsplit(".", 1)[-1]) if "." in name else None
    if rdf_format is None:
        raise KgError(f"{path}: unknown RDF file extension (use .nq, .trig, .ttl, .nt, .rdf "
                      "or .jsonld)")
    store = Store()
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path) as stream:
                store.bulk_load(stream, format=rdf_format)
        else:
            store.bulk_load(path=str(path), format=rdf_format)
    except SyntaxError as e:
        raise KgError(f"{path}: {e}") from None
    except OSError as e:
        raise KgError(f"{path}: cannot read ({e.strerror or e})") from None
    return store
