"""Parse and map profile files, each once, in this process or in worker processes.

Every file is parsed once: its problems are collected and its quads handed on in the same
pass. Nothing is written where it could be seen before every file was read, because a local
build loads into a store built aside (discarded when a problem turns up) and a remote build
into memory. Parsing and mapping (key phrases above all) cost far more than loading, so on a
machine with several cores and enough profile text, worker processes map chunks of profiles
into N-Quads, in the order of the files.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pyoxigraph import Quad, RdfFormat, serialize

from kg.build.phrases import SharedPhrases
from kg.build.report import Progress
from kg.errors import Problem, ProfileError
from kg.mapping import Mapper
from kg.mapping.iris import Minter
from kg.parse import parse_profile
from kg.store.files import sha256_of
from kg.store.merge import Rows, copies, rows_of

#: below this much profile text (bytes), starting worker processes costs more than they save
PARALLEL_MIN_BYTES = 1 << 20
#: profiles a worker parses and maps per task
CHUNK_PROFILES = 4


@dataclass
class Outcome:
    """What reading the files found: the files that mapped, every problem, every warning."""

    valid: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


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


def distinct_graphs(names: list[str], mint: Minter, kept: set[str]) -> tuple[list[str],
                                                                             list[Problem]]:
    """`names` but those whose graph (it depends on the file name only) another file of the
    build already has; each of those is a problem."""
    graphs = {mint.graph(name).value: name for name in sorted(kept)}
    fine, problems = [], []
    for name in names:
        graph = mint.graph(name).value
        if graph in graphs:
            problems.append(Problem(name, 1, f"same file name as {graphs[graph]}: both would "
                                             f"be the named graph {graph}"))
            continue
        graphs[graph] = name
        fine.append(name)
    return fine, problems


def quads_of(names: list[str], as_of: date, mapper: Mapper, outcome: Outcome,
             progress: Progress | None = None) -> Iterator[Quad]:
    """The quads of every file that parses, in order; problems go to `outcome`."""
    for name in names:
        try:
            profile = parse_profile(Path(name), as_of, name)
        except ProfileError as e:
            outcome.problems.extend(e.problems)
            continue
        outcome.valid.append(name)
        yield from mapper.quads(profile)
        if progress:
            progress(name)


# --- in worker processes ----------------------------------------------------------------------

_worker_mapper: Mapper | None = None


def worker_count(requested: int | None, names: list[str]) -> int:
    """Workers for this build: 0 (all in this process) unless there is enough text to share."""
    if requested is not None:
        return requested if requested > 1 and len(names) > 1 else 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2 or len(names) < 2:
        return 0
    if sum(Path(name).stat().st_size for name in names) < PARALLEL_MIN_BYTES:
        return 0
    return min(cores or 1, -(-len(names) // CHUNK_PROFILES))


def start_workers(count: int, base: str, keyphrases: bool, phrases: Path | None = None
                  ) -> Executor | None:
    """`count` worker processes (none below 2); they share key phrases through `phrases`."""
    if count < 2:
        return None
    return ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(base, keyphrases, phrases))


def _start_worker(base: str, keyphrases: bool, phrases: Path | None) -> None:
    global _worker_mapper
    _worker_mapper = Mapper(base, keyphrases=keyphrases)
    if keyphrases and phrases is not None:
        _worker_mapper.share_phrases(SharedPhrases(phrases))


@dataclass(frozen=True)
class Mapped:
    """One file as a worker read it: its N-Quads (its copies in the merged graph too) and its
    facts (`kg.store.merge`), or its problems; and its warnings."""

    name: str
    nquads: bytes
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    facts: Rows


def _map_chunk(names: list[str], as_of: date) -> list[Mapped]:
    mapper = _worker_mapper
    assert mapper is not None, "_start_worker runs first"
    done = []
    for name in names:
        mapper.warnings = []
        outcome = Outcome()
        # a profile states many triples more than once: the loader needs each once
        quads = dict.fromkeys(quads_of([name], as_of, mapper, outcome))
        facts = rows_of(quads)
        quads.update(dict.fromkeys(copies(list(quads))))  # its share of the merged graph
        data = serialize(quads, format=RdfFormat.N_QUADS) if quads else None
        done.append(Mapped(name, data or b"", tuple(outcome.problems),
                           tuple(mapper.warnings), facts))
    return done


def mapped_in_parallel(pool: Executor, names: list[str], as_of: date) -> Iterator[Mapped]:
    """Every file mapped by the workers, in order, with at most eight chunks per worker in
    flight (so that workers go on mapping while a load call finishes)."""
    ahead = 8 * getattr(pool, "_max_workers", 2)
    pending: deque[Any] = deque()
    for i in range(0, len(names), CHUNK_PROFILES):
        pending.append(pool.submit(_map_chunk, names[i:i + CHUNK_PROFILES], as_of))
        if len(pending) >= ahead:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()
