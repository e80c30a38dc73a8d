"""Build a store from profile files, aside, and swap it in only when it is complete.

A build parses every file first (so every problem is reported before anything is written),
then maps and bulk-loads the profiles into a new folder, carries over the graphs that do not
come from profiles (links), validates, and swaps the new folder in (`kg.store.swap`).

Parsing and mapping (key phrases above all) cost far more than loading. On a machine with
several cores and enough profile text, worker processes parse and map chunks of profiles and
send back N-Quads, which the main process streams, in the order of the files, through pipes
into pyoxigraph's bulk loader (a new call every `LOAD_BATCH_BYTES`, which bounds its memory).
The store holds the same quads either way, so its dumps are the same bytes. At most a few
chunks are in flight: memory does not grow with the number of profiles.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, serialize

from kg import __version__
from kg.errors import KgError, Problem, ProfileError
from kg.mapping import Mapper
from kg.mapping.iris import TERM_GRAPHS
from kg.mapping.topics import TABLE as TOPIC_TABLE
from kg.parse import Profile, parse_profile
from kg.store.files import sha256_of
from kg.store.graphs import kept_graphs
from kg.store.local import DATABASE, MANIFEST
from kg.store.merge import derive
from kg.store.query import run_query
from kg.store.stats import graph_stats
from kg.store.swap import build_aside, current_build, writer_lock
from kg.store.validate import validate_store

Progress = Callable[[str], None]
#: below this much profile text (bytes), starting worker processes costs more than they save
PARALLEL_MIN_BYTES = 1 << 20
#: profiles a worker parses and maps per task
CHUNK_PROFILES = 4
#: N-Quads one bulk_load call reads (about 500,000 quads): bounds the loader's memory (~0.6 GB)
LOAD_BATCH_BYTES = 128 << 20


@dataclass
class BuildReport:
    """What a build did: the figures of the summary, and what it skipped or warned about."""

    store: Path
    counts: dict[str, int]
    seconds: float
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: profiles parsed and (re)written, kept from the previous build as they were, removed
    rebuilt: int = 0
    reused: int = 0
    removed: int = 0


def build(
    sources: list[Path],
    store_dir: Path,
    *,
    base: str,
    as_of: date,
    skip_invalid: bool = False,
    keyphrases: bool = True,
    validate: bool = True,
    full: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Parse, map and load `sources` into a new store at `store_dir`.

    When the current store was built with the same base, as-of date, options and version, only
    the profiles whose content changed, or that were added or removed, are parsed and their
    graphs rewritten (`full` forces a complete build); the result is the same either way.
    `workers` parse and map in parallel (default: one per core when there is enough profile
    text, else none); 0 or 1 does everything in this process. The store is the same either way.

    Raises ProfileError with every problem of every file (unless `skip_invalid`), KgError when
    the built graph fails validation, StoreError when `store_dir` is not ours to replace.
    """
    started = time.perf_counter()
    mapper = Mapper(base, keyphrases=keyphrases)
    names = list(dict.fromkeys(str(p) for p in sources))
    hashes = source_hashes(names)
    with writer_lock(store_dir):
        return _build(store_dir, names, hashes, mapper, started, base=base, as_of=as_of,
                      skip_invalid=skip_invalid, keyphrases=keyphrases, validate=validate,
                      full=full, progress=progress, workers=workers)


def source_hashes(names: list[str]) -> dict[str, str]:
    """SHA-256 of each file; raises ProfileError naming every file that cannot be read."""
    hashes, problems = {}, []
    for name in names:
        try:
            hashes[name] = sha256_of(Path(name))
        except OSError as e:
            problems.append(Problem(name, None, f"cannot read this file ({e.strerror})"))
    if problems:
        raise ProfileError(problems)
    return hashes


def _build(store_dir: Path, names: list[str], hashes: dict[str, str],
           mapper: Mapper, started: float, *, base: str, as_of: date, skip_invalid: bool,
           keyphrases: bool, validate: bool, full: bool, progress: Progress | None,
           workers: int | None) -> BuildReport:
    previous = current_build(store_dir)
    settings = {"base": base, "as_of": as_of.isoformat(), "keyphrases": keyphrases,
                "version": __version__, "mapping": mapping_fingerprint()}
    plan = _plan(previous, settings, hashes, full)
    taken = {mapper.mint.graph(name).value: name for name in plan.keep}
    pool = _start_workers(_worker_count(workers, plan.parse), base, keyphrases)
    try:
        valid, problems = check_profiles(plan.parse, as_of, mapper, taken, pool=pool)
        if problems and not skip_invalid:
            raise ProfileError(problems)
        if not valid and not plan.keep:
            raise KgError("no valid profile to build")
        counts = _load(store_dir, previous, plan, valid, as_of, mapper, progress, pool,
                       base=base, validate=validate, settings=settings,
                       built={n: hashes[n] for n in names if n in plan.keep or n in valid})
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return BuildReport(store_dir, counts, time.perf_counter() - started, problems,
                       mapper.warnings, rebuilt=len(valid), reused=len(plan.keep),
                       removed=len(plan.removed))


def _load(store_dir: Path, previous: Path | None, plan: _Plan, valid: list[str], as_of: date,
          mapper: Mapper, progress: Progress | None, pool: Executor | None, *, base: str,
          validate: bool, settings: dict, built: dict[str, str]) -> dict[str, int]:
    """Write the new store aside and swap it in; returns its counts."""
    with build_aside(store_dir) as aside:
        if plan.incremental:
            assert previous is not None
            Store.read_only(str(previous / DATABASE)).backup(str(aside / DATABASE))
            store = Store(str(aside / DATABASE))
            for name in plan.drop:
                graph = mapper.mint.graph(name)
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
        else:
            store = Store(str(aside / DATABASE))
        if pool is None:
            store.bulk_extend(profile_quads(valid, as_of, mapper, progress))
        else:
            _load_in_parallel(store, pool, valid, as_of, mapper, progress)
        if previous is not None and not plan.incremental:
            store.bulk_extend(kept_graphs(previous, base))
        write_term_sets(store, mapper)
        derive(store, scratch=aside)
        store.flush()
        if validate:
            report = validate_store(store, base)
            if not report.conforms:
                raise KgError(f"the built graph breaks {report.violations} SHACL constraint(s); "
                              f"nothing was replaced\n{report.text}")
        counts = graph_stats(store, base)
        del store
        _write_manifest(aside, settings, built, counts)
    return counts


_REFERRED_TOPICS = "SELECT DISTINCT ?t { GRAPH ?g { ?x schema:about|schema:knowsAbout ?t } }"


def write_term_sets(store: Store, mapper: Mapper) -> None:
    """(Re)write the graphs of the term sets, for the topics the profile graphs refer to.

    Run after the profile graphs are in `store`, on a full build as on an incremental one.
    """
    topics = {row[0] for row in run_query(store, _REFERRED_TOPICS, mapper.base)}
    stale = [g for g in store.named_graphs()
             if isinstance(g, NamedNode) and g.value.startswith(mapper.base + TERM_GRAPHS)]
    for graph in stale:
        store.remove_graph(graph)
    store.bulk_extend(mapper.term_quads(topics))



def mapping_fingerprint() -> str:
    """A hash of what turns a file into triples: the parser, the mapping code, the category
    table. When it changes, graphs kept from an earlier build could differ from a fresh one, so
    the next build is a full one."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    files = sorted([*(package / "parse").glob("*.py"), *(package / "mapping").glob("*.py")])
    for path in [*files, TOPIC_TABLE]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class _Plan:
    """What a build does: parse `parse`, keep the graphs of `keep`, drop those of `drop`."""

    incremental: bool
    parse: list[str]
    keep: set[str]
    drop: set[str]
    removed: set[str]


def _plan(previous: Path | None, settings: dict, hashes: dict[str, str], full: bool) -> _Plan:
    names = list(hashes)
    if full or previous is None:
        return _Plan(False, names, set(), set(), set())
    manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
    if any(manifest.get(key) != value for key, value in settings.items()):
        return _Plan(False, names, set(), set(), set())
    old: dict[str, str] = manifest.get("sources", {})
    keep = {n for n in names if old.get(n) == hashes[n]}
    removed = set(old) - set(names)
    changed = {n for n in names if n in old and n not in keep}
    return _Plan(True, [n for n in names if n not in keep], keep, changed | removed, removed)


def check_profiles(
    names: list[str], as_of: date, mapper: Mapper, taken: dict[str, str],
    pool: Executor | None = None,
) -> tuple[list[str], list[Problem]]:
    """Parse every file once to find every problem before anything is written.

    `taken` maps the graphs of profiles kept from the previous build to their files; `pool`
    (of `_start_workers`) parses in parallel.
    """
    valid, problems = [], []
    graphs = dict(taken)
    if pool is None:
        found: Iterable[tuple[Problem, ...]] = (_problems_of(name, as_of) for name in names)
    else:
        found = (problem for chunk in _in_order(pool, _check_chunk, _chunks(names), as_of)
                 for problem in chunk)
    for name, file_problems in zip(names, found, strict=True):
        if file_problems:
            problems.extend(file_problems)
            continue
        graph = mapper.mint.graph(name).value  # a profile's graph depends on its name only
        if graph in graphs:
            problems.append(Problem(name, 1, f"same file name as {graphs[graph]}: both would be "
                                             f"the named graph {graph}"))
            continue
        graphs[graph] = name
        valid.append(name)
    return valid, problems


def profile_quads(
    valid: list[str], as_of: date, mapper: Mapper, progress: Progress | None
) -> Iterator[Quad]:
    for name in valid:
        profile: Profile = parse_profile(Path(name), as_of, name)
        yield from mapper.quads(profile)
        if progress:
            progress(name)


def _problems_of(name: str, as_of: date) -> tuple[Problem, ...]:
    try:
        parse_profile(Path(name), as_of, name)
    except ProfileError as e:
        return e.problems
    return ()


# --- parallel parse and map -------------------------------------------------------------------

_worker_mapper: Mapper | None = None


def _worker_count(requested: int | None, names: list[str]) -> int:
    """Workers for this build: 0 (all in this process) unless there is enough text to share."""
    if not os.path.isdir("/dev/fd"):  # the loader reads the workers' output through a pipe
        return 0
    if requested is not None:
        return requested if requested > 1 and len(names) > 1 else 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2 or len(names) < 2:
        return 0
    if sum(Path(name).stat().st_size for name in names) < PARALLEL_MIN_BYTES:
        return 0
    return min(cores or 1, -(-len(names) // CHUNK_PROFILES))


def _start_workers(count: int, base: str, keyphrases: bool) -> Executor | None:
    if count < 2:
        return None
    return ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(base, keyphrases))


def _start_worker(base: str, keyphrases: bool) -> None:
    global _worker_mapper
    _worker_mapper = Mapper(base, keyphrases=keyphrases)


def _check_chunk(names: list[str], as_of: date) -> list[tuple[Problem, ...]]:
    return [_problems_of(name, as_of) for name in names]


def _map_chunk(names: list[str], as_of: date) -> tuple[list[str], bytes, list[Problem]]:
    """The N-Quads of `names`, and the warnings mapping them raised."""
    mapper = _worker_mapper
    assert mapper is not None, "_start_worker runs first"
    mapper.warnings = []
    data = bytearray()
    for name in names:  # a profile states many triples more than once: the loader needs one
        quads = dict.fromkeys(profile_quads([name], as_of, mapper, None))
        data += serialize(quads, format=RdfFormat.N_QUADS)
    return names, bytes(data), mapper.warnings


def _chunks(names: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(names), CHUNK_PROFILES):
        yield names[i:i + CHUNK_PROFILES]


def _in_order(pool: Executor, task: Callable[..., Any], chunks: Iterator[list[str]],
              *args: Any) -> Iterator[Any]:
    """`task(chunk, *args)` for every chunk, in order, with at most eight per worker in flight
    (so that workers go on mapping while a load call finishes)."""
    ahead = 8 * getattr(pool, "_max_workers", 2)
    pending: deque = deque()
    for chunk in chunks:
        pending.append(pool.submit(task, chunk, *args))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _load_in_parallel(store: Store, pool: Executor, valid: list[str], as_of: date,
                      mapper: Mapper, progress: Progress | None) -> None:
    """Bulk-load the quads the workers map, through pipes, in the order of `valid`.

    Each loader runs in a thread (pyoxigraph releases the GIL while it loads); this thread
    collects the workers' chunks and writes them to the loader's pipe, which blocks while the
    loader is behind. The loader's memory grows with what one `bulk_load` call reads (1.9 GB
    for 3 million quads, 0.4 GB for 64 MB of N-Quads), so a new call, on a new pipe, starts
    every `LOAD_BATCH_BYTES`. Raises what a loader or a worker raised.
    """
    loader: _Loader | None = None
    try:
        for names, data, warnings in _in_order(pool, _map_chunk, _chunks(valid), as_of):
            mapper.warnings.extend(warnings)
            if loader is None:
                loader = _Loader(store)
            if not loader.write(data):
                break  # the loader stopped early: its error is raised below
            if loader.written >= LOAD_BATCH_BYTES:
                loader.finish()
                loader = None
            if progress:
                for name in names:
                    progress(name)
    finally:
        if loader is not None:
            loader.finish()


class _Loader:
    """One `bulk_load` call in a thread, reading N-Quads from a pipe this process writes."""

    def __init__(self, store: Store) -> None:
        read_end, write_end = os.pipe()
        self.written = 0
        self._failed: list[BaseException] = []
        self._pipe = os.fdopen(write_end, "wb")

        def load() -> None:
            try:  # our own serialisation: skipping IRI validation only saves time
                store.bulk_load(path=f"/dev/fd/{read_end}", format=RdfFormat.N_QUADS,
                                lenient=True)
            except BaseException as e:  # handed to the building thread
                self._failed.append(e)
            finally:
                os.close(read_end)  # a writer still writing gets BrokenPipeError, not a hang

        self._thread = threading.Thread(target=load, name="kg-bulk-load", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> bool:
        """False when the loader has stopped (`finish` raises its error)."""
        try:
            self._pipe.write(data)
        except BrokenPipeError:
            return False
        self.written += len(data)
        return True

    def finish(self) -> None:
        """Close the pipe, wait for the load to end; raises what the loader raised."""
        try:
            self._pipe.close()
        except BrokenPipeError:
            pass
        self._thread.join()
        if self._failed:
            raise self._failed[0]


def _write_manifest(aside: Path, settings: dict, sources: dict[str, str], counts: dict) -> None:
    manifest = {
        **settings,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": dict(sorted(sources.items())),
        "counts": counts,
    }
    (aside / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

