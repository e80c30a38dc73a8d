"""Build a local store: aside, then swapped in whole (`kg.store.swap`).

The store is opened here and closed (its last reference dropped) before the folder it lies in
is swapped in or removed: a store left open in a traceback kept writing into the folder being
removed.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import date
from pathlib import Path

from pyoxigraph import Store

from kg.build.finish import finish
from kg.build.loader import Loader, can_pipe
from kg.build.options import Options
from kg.build.phrases import SharedPhrases, carry_over
from kg.build.plan import Plan, plan, settings
from kg.build.profiles import (
    Outcome,
    distinct_graphs,
    mapped_in_parallel,
    quads_of,
    source_hashes,
    start_workers,
    worker_count,
)
from kg.build.report import BuildReport, Progress
from kg.errors import KgError, ProfileError, StoreError
from kg.mapping import Mapper
from kg.memory import give_back
from kg.search.index import write_index
from kg.store.graphs import kept_graphs
from kg.store.manifest import DATABASE, manifest_of, write_manifest
from kg.store.merge import Facts
from kg.store.stats import graph_stats
from kg.store.swap import build_aside, current_build, writer_lock

#: N-Quads one bulk_load call reads (about 500,000 quads): bounds the loader's memory (~0.6 GB
#: a call; two run at once, one reading while the other ends)
LOAD_BATCH_BYTES = 128 << 20
#: the merge's facts (`kg.store.merge.Facts`), removed before the store is swapped in
_FACTS = "facts.sqlite"


def build_local(sources: list[Path], store_dir: Path, options: Options, *, full: bool = False,
                workers: int | None = None) -> BuildReport:
    """Parse, map and load `sources` into a new store at `store_dir`.

    When the current store was built with the same settings, only the profiles whose content
    changed, or that were added or removed, are parsed and their graphs rewritten (`full`
    forces a complete build); the result is the same either way. `workers` parse and map in
    parallel (default: one per core when there is enough profile text, else none); 0 or 1
    does everything in this process. The store is the same either way.

    Raises ProfileError with every problem of every file (unless `skip_invalid`) and every
    violation of the shapes, KgError when no profile is valid, StoreError when `store_dir` is
    not ours to replace.
    """
    started = time.perf_counter()
    base, as_of, keyphrases = options.base, options.as_of, options.keyphrases
    mapper = Mapper(base, keyphrases=keyphrases)
    names = list(dict.fromkeys(str(p) for p in sources))
    hashes = source_hashes(names)
    wanted = settings(base, as_of, keyphrases)
    with writer_lock(store_dir):
        previous = current_build(store_dir)
        steps = plan(previous, wanted, hashes, full)
        parse, outcome = _checked_names(steps, mapper)
        with build_aside(store_dir) as aside:
            phrases = carry_over(previous, aside, wanted["mapping"]) if keyphrases else None
            shared = SharedPhrases(phrases) if phrases is not None else None
            mapper.share_phrases(shared)
            pool = start_workers(worker_count(workers, parse) if can_pipe() else 0, base,
                                 keyphrases, phrases)
            try:
                counts = _write(aside, previous, steps, parse, outcome, as_of, mapper,
                                pool, options.progress, validate=options.validate,
                                skip_invalid=options.skip_invalid, all_names=names)
                built = {n: hashes[n] for n in names if n in steps.keep or n in outcome.valid}
                write_manifest(aside, manifest_of(wanted, built, counts))
            except (OSError, sqlite3.Error) as e:  # a full disk, a size limit, a device gone
                raise StoreError(f"{store_dir}: cannot write the new store ({_reason(e)}); "
                                 "the store is unchanged") from None
            finally:  # the workers and the cache let go of the folder before it is swapped
                if pool is not None:
                    pool.shutdown(cancel_futures=True)
                if shared is not None:
                    shared.close()
    return BuildReport(store_dir, counts, time.perf_counter() - started, outcome.problems,
                       outcome.warnings, rebuilt=len(outcome.valid), reused=len(steps.keep),
                       removed=len(steps.removed))


def _reason(error: OSError | sqlite3.Error) -> str:
    """The gist of an I/O error: RocksDB's messages nest "IO error:" three deep."""
    text = getattr(error, "strerror", None) or str(error)
    return text.rsplit(": ", 1)[-1].strip() or text


def _checked_names(steps: Plan, mapper: Mapper) -> tuple[list[str], Outcome]:
    parse, problems = distinct_graphs(steps.parse, mapper.mint, steps.keep)
    return parse, Outcome(problems=problems)


def _write(aside: Path, previous: Path | None, steps: Plan, parse: list[str],
           outcome: Outcome, as_of: date, mapper: Mapper, pool: object, progress: Progress | None,
           *, validate: bool, skip_invalid: bool, all_names: list[str]) -> dict[str, int]:
    """Fill the store aside; returns its figures. The store is closed when this returns or
    raises."""
    if steps.incremental:
        assert previous is not None
        Store.read_only(str(previous / DATABASE)).backup(str(aside / DATABASE))
    store = Store(str(aside / DATABASE))
    facts: Facts | None = None
    try:
        # a new store's merged graph is written with its named graphs (`kg.store.merge`); an
        # incremental build's is derived again from the graphs it keeps and writes
        facts = None if steps.incremental else Facts(aside / _FACTS)
        for name in steps.drop:
            graph = mapper.mint.graph(name)
            if store.contains_named_graph(graph):
                store.remove_graph(graph)
        if pool is None:
            quads = quads_of(parse, as_of, mapper, outcome, progress)
            store.bulk_extend(quads if facts is None else facts.collect(quads))
            outcome.warnings.extend(mapper.warnings)
        else:
            _load_in_parallel(store, pool, parse, as_of, outcome, progress, facts)
        give_back()  # the loader's buffers: most of this process's memory (~650 MB at 1,000)
        if outcome.problems and not skip_invalid:
            raise ProfileError(outcome.problems)
        if not outcome.valid and not steps.keep:
            raise KgError("no valid profile to build")
        if previous is not None and facts is not None:
            store.bulk_extend(facts.collect(kept_graphs(previous, mapper.base)))
        finish(store, mapper, validate=validate, paths=all_names, scratch=aside,
               executor=pool, facts=facts)  # type: ignore[arg-type]
        if pool is not None:  # idle from now on: what they hold counts in the build's memory
            pool.shutdown()  # type: ignore[attr-defined]
        counts = graph_stats(store, mapper.base)
        store.flush()
        write_index(store, aside, mapper.base)
        return counts
    finally:
        del store
        try:
            if facts is not None:
                facts.close()
        finally:
            (aside / _FACTS).unlink(missing_ok=True)


def _load_in_parallel(store: Store, pool: object, names: list[str], as_of: date,
                      outcome: Outcome, progress: Progress | None, facts: Facts | None
                      ) -> None:
    """Bulk-load what the workers map, through pipes, in the order of `names`; a new load
    call every `LOAD_BATCH_BYTES` bounds the loader's memory (1.9 GB for 3 million quads in
    one call, 0.4 GB for 64 MB of N-Quads). A call ends (sorts and writes what it read) while
    the next one reads: waiting for it took 46 of the 71 s of this step at 1,000 profiles.
    Raises what a loader or a worker raised."""
    loader: Loader | None = None
    ending: Loader | None = None
    try:
        for mapped in mapped_in_parallel(pool, names, as_of):  # type: ignore[arg-type]
            outcome.problems.extend(mapped.problems)
            outcome.warnings.extend(mapped.warnings)
            if mapped.problems:
                continue
            outcome.valid.append(mapped.name)
            if facts is not None:
                facts.add(mapped.facts)
            if loader is None:
                loader = Loader(store)
            if not loader.write(mapped.nquads):
                break  # the loader stopped early: its error is raised below
            if loader.written >= LOAD_BATCH_BYTES:
                if ending is not None:
                    ending.finish()
                    give_back()
                loader.close()
                ending, loader = loader, None
            if progress:
                progress(mapped.name)
    finally:
        try:
            if ending is not None:
                ending.finish()
        finally:
            if loader is not None:
                loader.finish()
