"""A local copy of the graph a SPARQL server holds, for the commands that read a store folder.

`kg export`, `kg diff` and `kg link` work on the files of a built store; given `--store URL`
they work on a copy made here: the build's named graphs and its merged graph, fetched graph by
graph with the Graph Store HTTP Protocol, and its `build.json` from the server's manifest. The
copy is a store like the ones `kg build` writes (a symlink swapped in by `build_aside`), so the
local code runs on it unchanged; what `kg link` changes in it goes back with
`kg.build.remote.push_graphs`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store

from kg.mapping.iris import STAGING_GRAPHS
from kg.store.manifest import DATABASE, StoreInfo, info_from, write_manifest
from kg.store.remote import MANIFEST_GRAPH, MANIFEST_PREDICATE, RemoteStore
from kg.store.swap import build_aside


def copy_build(remote: RemoteStore, store_dir: Path,
               progress: Callable[[str], None] | None = None) -> StoreInfo:
    """Copy the build `remote` serves into a store at `store_dir`; returns its info.

    Graphs staged by a build under way are left out. Raises StoreError when the server holds
    no build or fails.
    """
    manifest = remote.manifest()
    info = info_from(manifest, store_dir)
    graphs = [g for g in remote.named_graphs() if g.value.startswith(info.base)
              and not g.value.startswith(info.base + STAGING_GRAPHS)]
    with build_aside(store_dir) as aside:
        store = Store(str(aside / DATABASE))
        targets: list[NamedNode | DefaultGraph] = [*graphs, DefaultGraph()]
        for graph in targets:
            data = remote.get_graph(graph)
            if data:
                store.load(data, format=RdfFormat.N_TRIPLES, to_graph=graph)
            if progress:
                progress(graph.value if isinstance(graph, NamedNode) else "(merged graph)")
        # the manifest is build.json in a folder, not a triple
        for quad in list(store.quads_for_pattern(NamedNode(MANIFEST_GRAPH),
                                                 NamedNode(MANIFEST_PREDICATE), None,
                                                 DefaultGraph())):
            store.remove(quad)
        store.flush()
        del store
        write_manifest(aside, manifest)
    return info

