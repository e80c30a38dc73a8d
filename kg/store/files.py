"""Files of RDF: load one (a dump, or any dataset) into an in-memory store; hash one."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, cast

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, RdfFormat, Store, parse

from kg.errors import KgError
from kg.formats import TABLE, of_file


def load_rdf_file(path: Path) -> Store:
    """Load N-Quads, TriG, Turtle, N-Triples, RDF/XML or JSON-LD, told apart by extension.

    Raises KgError naming the file (and the parser's line and column) when it cannot be read.
    """
    known = of_file(path.name)
    if known is None:
        raise KgError(f"{path}: unknown RDF file extension (use "
                      f"{', '.join('.' + f.suffix for f in TABLE)})")
    rdf_format = known.rdf_format
    store = Store()
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path) as stream:
                store.bulk_load(cast(IO[bytes], stream), format=rdf_format)
        else:
            store.bulk_load(path=str(path), format=rdf_format)
    except SyntaxError as e:
        raise KgError(f"{path}: {e}") from None
    except OSError as e:
        raise KgError(f"{path}: cannot read ({e.strerror or e})") from None
    return store


#: threads that read a store out into a snapshot (pyoxigraph lets go of the GIL as it reads)
SNAPSHOT_THREADS = 2


def write_snapshot(store: Store, path: Path, threads: int = SNAPSHOT_THREADS) -> None:
    """Write every quad of `store` to `path` as TriG, for `load_snapshot`.

    Reading a store out is the slow half of a copy (RocksDB: ~5 µs a quad on one core, 49 s
    for the 8.9 M quads of 1,000 profiles); a graph at a time in two threads takes 28 s. The
    default graph comes first, as N-Triples lines (which are TriG), then each named graph as a
    block; blank nodes keep the store's own labels, shared by every block as in one N-Quads
    file. Each thread writes a file of its own; they are joined at the end. An empty named
    graph is left out, as N-Quads would.
    """
    names = list(store.named_graphs())
    parts = [path] + [path.with_name(f"{path.name}.{i}") for i in range(1, threads)]
    lock = threading.Lock()

    def next_graph() -> NamedNode | BlankNode | None:
        with lock:
            return names.pop() if names else None

    def write(part: Path) -> None:
        if part == path:  # written by Rust, straight to the file
            store.dump(str(part), RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
        with part.open("ab" if part == path else "wb") as out:
            while (graph := next_graph()) is not None:
                block = store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
                if block:
                    out.write(f"{graph} {{\n".encode() + block + b"}\n")

    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="kg-snapshot") as pool:
            for done in [pool.submit(write, part) for part in parts]:
                done.result()
        with path.open("ab") as out:
            for part in parts[1:]:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 24)
    finally:
        for part in parts[1:]:
            part.unlink(missing_ok=True)


def load_snapshot(path: Path) -> Store:
    """A snapshot this process family wrote (`write_snapshot`; N-Quads too, told by the
    extension), blank node labels kept as written.

    Unlike `load_rdf_file` (whose bulk loader gives blank nodes fresh labels), every copy loaded
    from one snapshot answers with the same labels, whichever copy answers. Parsing into
    `bulk_extend` is no slower than the bulk loader here (8.9 M quads: 50.8 s against 52.2 s).
    """
    rdf_format = RdfFormat.TRIG if path.name.endswith(".trig") else RdfFormat.N_QUADS
    store = Store()
    store.bulk_extend(parse(path=str(path), format=rdf_format, rename_blank_nodes=False))
    return store


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read a block at a time (dumps run to gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
