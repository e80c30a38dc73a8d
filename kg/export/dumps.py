"""Write the graph as dump files: streamed, deterministic, serialised by pyoxigraph.

N-Quads and TriG keep every named graph (profiles, term sets, links) and are written by
pyoxigraph in one pass over the store, in its index order: content-derived, so two exports of
the same store are byte-identical and a changed triple moves nothing else. Turtle, N-Triples
and JSON-LD hold the merged graph, which is the store's default graph (`kg.store.merge`): it
is written as it is, streamed in the same index order, each subject's triples together. Memory
holds neither the triples nor the subjects.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import IO, cast

from pyoxigraph import DefaultGraph, RdfFormat, Store, Triple

from kg.formats import BY_SUFFIX
from kg.mapping.vocab import prefixes
from kg.metadata.void import DumpFile
from kg.store.files import sha256_of

DUMP_NAME = "scholarkg"


def merged_triples(store: Store) -> Iterator[Triple]:
    """The merged graph, streamed in the store's index order, each subject's triples together."""
    return (quad.triple for quad in store.quads_for_pattern(None, None, None, DefaultGraph()))


def write_dump(store: Store, base: str, fmt: str, out_dir: Path, compress: bool) -> DumpFile:
    """Write one dump file into `out_dir` (atomically: a temporary name, then a rename)."""
    from kg.export.jsonld import write_jsonld

    rdf_format, media_type = BY_SUFFIX[fmt].rdf_format, BY_SUFFIX[fmt].media_type
    path = out_dir / f"{DUMP_NAME}.{fmt}{'.gz' if compress else ''}"
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as raw:
        wrapper = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") if compress \
            else nullcontext(raw)
        with wrapper as stream:
            output = cast(IO[bytes], stream)
            if rdf_format in (RdfFormat.N_QUADS, RdfFormat.TRIG):
                store.dump(output, rdf_format, prefixes=prefixes())
            elif rdf_format is RdfFormat.JSON_LD:
                write_jsonld(merged_triples(store), output, base)
            else:
                store.dump(output, rdf_format, from_graph=DefaultGraph(),
                           prefixes=prefixes())
    partial.replace(path)
    return DumpFile(path, fmt, media_type, path.stat().st_size, sha256_of(path), compress)

