"""Replace some named graphs of a built store atomically, and keep the ones builds do not make.

Profiles are rebuilt from files; link graphs (`<base>graph/links/<source>`) are made by
`kg link` from reference data and must survive a rebuild of the profiles. Both a link run and
an incremental rebuild copy the current store aside (hard links: cheap), change only their
graphs, and swap the copy in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pyoxigraph import NamedNode, Quad, Store

from kg.errors import StoreError
from kg.mapping.iris import LINK_GRAPHS
from kg.store.manifest import DATABASE, info_from, read_info, read_manifest, write_manifest
from kg.store.merge import derive
from kg.store.stats import graph_stats
from kg.store.swap import build_aside, copy_index, current_build, writer_lock


def kept_graphs(build_dir: Path, base: str) -> Iterator[Quad]:
    """The quads of `build_dir` that a profile build does not produce (link graphs)."""
    info = read_info(build_dir)
    if info.base != base:
        return
    store = Store.read_only(str(build_dir / DATABASE))
    prefix = base + LINK_GRAPHS
    for graph in store.named_graphs():
        if isinstance(graph, NamedNode) and graph.value.startswith(prefix):
            yield from store.quads_for_pattern(None, None, None, graph)


def replace_graphs(
    store_dir: Path,
    replacements: Mapping[NamedNode, Iterable[Quad]],
) -> dict[str, int]:
    """Swap in a copy of the store where each graph of `replacements` holds only its new quads.

    An empty iterable removes the graph. Returns the new counts. Raises StoreError when there is
    no store at `store_dir`.
    """
    with writer_lock(store_dir):
        return _replace(store_dir, replacements)


def _replace(
    store_dir: Path,
    replacements: Mapping[NamedNode, Iterable[Quad]],
) -> dict[str, int]:
    current = current_build(store_dir)
    if current is None:
        raise StoreError(f"{store_dir}: no scholarkg store here; build one with "
                         f"'kg build seeds/ --store {store_dir}'")
    manifest = read_manifest(current)  # read once: the base below, the counts replaced
    info = info_from(manifest, current)
    with build_aside(store_dir) as aside:
        Store.read_only(str(current / DATABASE)).backup(str(aside / DATABASE))
        store = Store(str(aside / DATABASE))
        for graph, quads in replacements.items():
            if store.contains_named_graph(graph):
                store.remove_graph(graph)
            store.bulk_extend(quads)
        derive(store, scratch=aside)
        store.flush()
        copy_index(current, aside)
        counts = graph_stats(store, info.base)
        del store
        manifest["counts"] = counts
        write_manifest(aside, manifest)
    return counts
