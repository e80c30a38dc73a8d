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
) -> BuildReport:
    """Parse, map and load `sources` into a new store at `store_dir`.

    When the current store was built with the same base, as-of date, options and version, only
    the profiles whose content changed, or that were added or removed, are parsed and their
    graphs rewritten (`full` forces a complete build); the result is the same either way.

    Raises ProfileError with every problem of every file (unless `skip_invalid`), KgError when
    the built graph fails validation, StoreError when `store_dir` is not ours to replace.
    """
    started = time.perf_counter()
    mapper = Mapper(base, keyphrases=keyphrases)
    names = list(dict.fromkeys(str(p) for p in sources))
    hashes = {name: sha256_of(Path(name)) for name in names}
    previous = current_build(store_dir)
    settings = {"base": base, "as_of": as_of.isoformat(), "keyphrases": keyphrases,
                "version": __version__}
    plan = _plan(previous, settings, hashes, full)
    taken = {mapper.mint.graph(name).value: name for name in plan.keep}
    valid, problems = check_profiles(plan.parse, as_of, mapper, taken)
    if problems and not skip_invalid:
        raise ProfileError(problems)
    if not valid and not plan.keep:
        raise KgError("no valid profile to build")

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
        store.bulk_extend(profile_quads(valid, as_of, mapper, progress))
        if previous is not None and not plan.incremental:
            store.bulk_extend(kept_graphs(previous, base))
        store.flush()
        if validate:
            report = validate_store(store, base)
            if not report.conforms:
                raise KgError(f"the built graph breaks {report.violations} SHACL constraint(s); "
                              f"nothing was replaced\n{report.text}")
        counts = graph_stats(store, base)
        del store
        built = {name: hashes[name] for name in names if name in plan.keep or name in valid}
        _write_manifest(aside, settings, built, counts)
    return BuildReport(store_dir, counts, time.perf_counter() - started, problems,
                       mapper.warnings, rebuilt=len(valid), reused=len(plan.keep),
                       removed=len(plan.removed))


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
    names: list[str], as_of: date, mapper: Mapper, taken: dict[str, str]
) -> tuple[list[str], list[Problem]]:
    """Parse every file once to find every problem before anything is written.

    `taken` maps the graphs of profiles kept from the previous build to their files.
    """
    valid, problems = [], []
    graphs = dict(taken)
    for name in names:
        try:
            profile = parse_profile(Path(name), as_of, name)
        except ProfileError as e:
            problems.extend(e.problems)
            continue
        graph = mapper.graph_of(profile).value
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


def _write_manifest(aside: Path, settings: dict, sources: dict[str, str], counts: dict) -> None:
    manifest = {
        **settings,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": dict(sorted(sources.items())),
        "counts": counts,
    }
    (aside / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
