"""Build into a remote SPARQL store, replacing graph by graph, switching all at once.

The graph is made and validated locally, then each profile graph is uploaded (Graph Store
Protocol PUT) under a staging name. Only when every upload succeeded does one SPARQL Update
move the staged graphs over the current ones, drop the graphs of profiles no longer built and
record the manifest: one request, one transaction on the server. A server that goes away
mid-upload leaves the current graphs as they were; the next build drops the staged leftovers.

Virtuoso runs the operations of one request one after the other, not as a transaction, and its
MOVE of a missing graph empties the target instead of failing: there the build first checks
that every staged graph is still there, and a failure during the switch itself (seconds, after
the uploads) can leave it half done until the next build. The merged graph and the manifest go
into `kg.store.remote.MERGED_GRAPH` there, since its default graph is the union of all graphs.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, Literal, NamedNode, RdfFormat, Store

from kg.build.finish import finish
from kg.build.options import Options
from kg.build.plan import settings
from kg.build.profiles import Outcome, distinct_graphs, quads_of, source_hashes
from kg.build.report import BuildReport, Progress
from kg.errors import KgError, ProfileError, StoreError
from kg.mapping import Mapper
from kg.mapping.iris import GRAPHS, LINK_GRAPHS, STAGING_GRAPHS, Minter
from kg.store.local import open_read_only
from kg.store.manifest import manifest_of
from kg.store.remote import MANIFEST_GRAPH, MANIFEST_PREDICATE, RemoteStore
from kg.store.stats import graph_stats

STAMP = "%Y%m%dT%H%M%S%f"
#: staged graphs older than this are a dead build's leftovers; younger ones may be a live build's
STALE_AFTER = timedelta(hours=1)


def _stale(graph: str, base: str, now: datetime, after: timedelta) -> bool:
    if not graph.startswith(base + STAGING_GRAPHS):
        return False
    stamp = graph[len(base + STAGING_GRAPHS):].split("/", 1)[0]
    try:
        return now - datetime.strptime(stamp, STAMP).replace(tzinfo=UTC) > after
    except ValueError:
        return True


def build_remote(sources: list[Path], remote: RemoteStore, options: Options,
                 stale_after: timedelta = STALE_AFTER) -> BuildReport:
    """Raises ProfileError, KgError (validation) or StoreError (the server failed or left).

    Staged graphs older than `stale_after` are a dead build's and are dropped first; younger
    ones may belong to a build running now and are left alone.
    """
    started = time.perf_counter()
    base, as_of, keyphrases, progress = (options.base, options.as_of, options.keyphrases,
                                         options.progress)
    mapper = Mapper(base, keyphrases=keyphrases)
    names = list(dict.fromkeys(str(p) for p in sources))
    hashes = source_hashes(names)
    parse, problems = distinct_graphs(names, mapper.mint, set())
    outcome = Outcome(problems=problems)
    local = Store()
    local.bulk_extend(quads_of(parse, as_of, mapper, outcome))
    outcome.warnings.extend(mapper.warnings)
    if outcome.problems and not options.skip_invalid:
        raise ProfileError(outcome.problems)
    if not outcome.valid:
        raise KgError("no valid profile to build")
    existing = [g.value for g in remote.named_graphs()]  # one listing: a scan on Virtuoso
    links = _load_links(remote, local, base, existing)  # the merged graph states them too
    finish(local, mapper, validate=options.validate, paths=names)

    started_at = datetime.now(UTC)
    leftovers = [g for g in existing if _stale(g, base, started_at, stale_after)]
    if leftovers:
        remote.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in leftovers))
    named = sorted((g for g in local.named_graphs() if isinstance(g, NamedNode)
                    and g.value not in links), key=lambda g: g.value)  # links stay as they are
    profile_graphs = {g for g in existing if g.startswith(base + GRAPHS)
                      and not g.startswith((base + LINK_GRAPHS, base + STAGING_GRAPHS))}
    manifest = manifest_of(settings(base, as_of, keyphrases),
                           {n: hashes[n] for n in outcome.valid}, {})
    try:
        _upload_and_switch(remote, local, mapper.mint, named,
                           sorted(profile_graphs - {g.value for g in named}), manifest, progress)
    except _UploadFailed as e:
        raise StoreError(f"{e}; the build stopped during the upload and the graphs the store "
                         "serves are unchanged") from None
    counts = graph_stats(remote, base)
    return BuildReport(Path(remote.url), counts, time.perf_counter() - started,
                       outcome.problems, outcome.warnings, rebuilt=len(outcome.valid))


def _check_staged(remote: RemoteStore, staged: list[NamedNode]) -> None:
    """Raises StoreError when a staged graph is gone (a concurrent build's clean-up dropped
    it): Virtuoso's MOVE of a missing graph empties its target instead of failing."""
    present = {g.value for g in remote.named_graphs()}
    missing = [g.value for g in staged if g.value not in present]
    if missing:
        raise StoreError(f"the staged graph {missing[0]} is gone from {remote.url} (dropped by "
                         "another build?); the graphs the store serves are unchanged")


class _UploadFailed(StoreError):
    """The server refused or left during the upload: nothing was switched."""


def _load_links(remote: RemoteStore, local: Store, base: str, existing: list[str]) -> set[str]:
    """Copy the server's link graphs (`kg link`) among `existing` into `local`; returns their
    names."""
    links = {g for g in existing if g.startswith(base + LINK_GRAPHS)}
    for name in sorted(links):
        local.load(remote.get_graph(NamedNode(name)), format=RdfFormat.N_TRIPLES,
                   to_graph=NamedNode(name))
    return links


def _upload_and_switch(remote: RemoteStore, local: Store, mint: Minter,
                       named: list[NamedNode], drops: list[str], manifest: dict[str, Any],
                       progress: Progress | None = None) -> None:
    """Upload `named` and the merged graph of `local` under staging names, then in one update
    move them over the current ones, drop the graphs `drops` and record `manifest`.

    Raises _UploadFailed when the upload fails, StoreError when the switch does.
    """
    stamp = datetime.now(UTC).strftime(STAMP)
    moves: list[tuple[NamedNode, NamedNode | DefaultGraph]] = []
    graphs: list[NamedNode | DefaultGraph] = [*named, DefaultGraph()]  # the merged graph too
    try:
        for graph in graphs:
            staged = (mint.staging_graph(stamp, graph) if isinstance(graph, NamedNode)
                      else mint.staging_default_graph(stamp))
            remote.put_graph(staged, local.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
                             or b"")
            moves.append((staged, graph))
            if progress:
                progress(graph.value if isinstance(graph, NamedNode) else "(merged graph)")
    except StoreError as e:
        raise _UploadFailed(str(e)) from None
    # MOVE without SILENT: if another build dropped our staged graphs, the whole switch fails
    # instead of emptying the graphs it would have replaced
    if remote.union_default:  # no transaction: see that every staged graph is still there
        _check_staged(remote, [s for s, _ in moves])
    operations = [f"MOVE GRAPH {s} TO " + (f"GRAPH {g}" if isinstance(g, NamedNode)
                                           else remote.default_graph()) for s, g in moves]
    operations += [f"DROP SILENT GRAPH <{g}>" for g in drops]
    operations += [
        "DELETE WHERE { " + remote.in_default_graph(
            f"<{MANIFEST_GRAPH}> <{MANIFEST_PREDICATE}> ?manifest") + " }",
        "INSERT DATA { " + remote.in_default_graph(
            f"<{MANIFEST_GRAPH}> <{MANIFEST_PREDICATE}> "
            f"{Literal(json.dumps(manifest, sort_keys=True))}") + " }",
    ]
    remote.update(" ;\n".join(operations))


def push_graphs(remote: RemoteStore, store_dir: Path, graphs: list[NamedNode]) -> None:
    """Replace `graphs` (link graphs) and the merged graph on the server with those of the
    store at `store_dir`, a copy of its build (`kg.store.remote_copy`) that `kg link` changed;
    a graph the copy no longer has is dropped. Raises StoreError when the server fails.
    """
    store, info = open_read_only(store_dir)
    present = {g.value for g in store.named_graphs() if isinstance(g, NamedNode)}
    kept = [g for g in graphs if g.value in present]
    try:
        _upload_and_switch(remote, store, Minter(info.base), kept,
                           [g.value for g in graphs if g.value not in present],
                           remote.manifest())
    except _UploadFailed as e:
        raise StoreError(f"{e}; the graphs the store serves are unchanged") from None
