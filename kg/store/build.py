"""Build a store from profile files, aside, and swap it in only when it is complete.

A build parses every file first (so every problem is reported before anything is written),
then maps and bulk-loads the profiles into a new folder, carries over the graphs that do not
come from profiles (links), validates, and swaps the new folder in (`kg.store.swap`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pyoxigraph import Quad, Store

from kg import __version__
from kg.errors import KgError, Problem, ProfileError
from kg.mapping import Mapper
from kg.parse import Profile, parse_profile
from kg.store.graphs import kept_graphs
from kg.store.local import DATABASE, MANIFEST
from kg.store.stats import graph_stats
from kg.store.swap import build_aside, current_build
from kg.store.validate import validate_store

Progress = Callable[[str], None]


@dataclass
class BuildReport:
    """What a build did: the figures of the summary, and what it skipped or warned about."""

    store: Path
    counts: dict[str, int]
    seconds: float
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def build(
    sources: list[Path],
    store_dir: Path,
    *,
    base: str,
    as_of: date,
    skip_invalid: bool = False,
    keyphrases: bool = True,
    validate: bool = True,
    progress: Progress | None = None,
) -> BuildReport:
    """Parse, map and load `sources` into a new store at `store_dir`.

    Raises ProfileError with every problem of every file (unless `skip_invalid`), KgError when
    the built graph fails validation, StoreError when `store_dir` is not ours to replace.
    """
    started = time.perf_counter()
    mapper = Mapper(base, keyphrases=keyphrases)
    names = [str(p) for p in sources]
    valid, problems = _check(sources, names, as_of, mapper)
    if problems and not skip_invalid:
        raise ProfileError(problems)
    if not valid:
        raise KgError("no valid profile to build")

    previous = current_build(store_dir)
    with build_aside(store_dir) as aside:
        store = Store(str(aside / DATABASE))
        store.bulk_extend(_quads(valid, names, as_of, mapper, progress))
        if previous is not None:
            store.bulk_extend(kept_graphs(previous, base))
        store.flush()
        if validate:
            report = validate_store(store, base)
            if not report.conforms:
                raise KgError(f"the built graph breaks {report.violations} SHACL constraint(s); "
                              f"nothing was replaced\n{report.text}")
        counts = graph_stats(store, base)
        del store
        _write_manifest(aside, base, as_of, valid, names, counts)
    return BuildReport(store_dir, counts, time.perf_counter() - started, problems,
                       mapper.warnings)


def _check(
    sources: list[Path], names: list[str], as_of: date, mapper: Mapper
) -> tuple[list[int], list[Problem]]:
    """Parse every file once to find every problem before anything is written."""
    valid, problems = [], []
    graphs: dict[str, str] = {}
    for i, (path, name) in enumerate(zip(sources, names, strict=True)):
        try:
            profile = parse_profile(path, as_of, name)
        except ProfileError as e:
            problems.extend(e.problems)
            continue
        graph = mapper.graph_of(profile).value
        if graph in graphs:
            problems.append(Problem(name, 1, f"same file name as {graphs[graph]}: both would be "
                                             f"the named graph {graph}"))
            continue
        graphs[graph] = name
        valid.append(i)
    return valid, problems


def _quads(
    valid: list[int], names: list[str], as_of: date, mapper: Mapper, progress: Progress | None
) -> Iterator[Quad]:
    for i in valid:
        profile: Profile = parse_profile(Path(names[i]), as_of, names[i])
        yield from mapper.quads(profile)
        if progress:
            progress(names[i])


def _write_manifest(
    aside: Path, base: str, as_of: date, valid: list[int], names: list[str], counts: dict
) -> None:
    sources = {names[i]: _sha256(Path(names[i])) for i in valid}
    manifest = {
        "base": base,
        "as_of": as_of.isoformat(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": __version__,
        "sources": sources,
        "counts": counts,
    }
    (aside / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
