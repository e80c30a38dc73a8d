"""Build speed: end-to-end `kg build` against pyoxigraph's own bulk loader, in one run.

For each size, the default `kg build` (the CLI, as a user runs it, SHACL validation included;
`--no-validate` leaves it out) is timed from an empty folder with the peak memory of its
process tree (the store and the key phrases an earlier build kept are removed first);
then the store it built is dumped as N-Quads and that file is bulk-loaded into an empty store
by pyoxigraph (`Store.bulk_load`, timed around the call alone). The ratio of quads per second
is kg's share of the loader's speed (goal >= 0.5). Time per profile across sizes shows whether
the build grows linearly (exponent ~1), and the 10,000-profile build's peak memory is held to
2 GB. `make bench-full` also runs the 100-profile build in-process without workers: the
parallel build must give the very same store (same N-Quads, byte for byte; tests/test_build.py
checks it on the seed in every run of the tests).

    python benchmarks/build.py [--sizes 100,1000] [--modes keyphrases,no-keyphrases]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    AS_OF,
    BASE,
    BUILD_MEMORY_GOAL,
    BUILD_RATIO_GOAL,
    FULL,
    KG,
    LINEAR_GOAL,
    WORK,
    built_store,
    dataset,
    dump_nquads,
    median,
    note,
    store_path,
    table,
    timed_run,
    verdict,
    warn_if_busy,
    write_result,
)

#: the size at which the parallel build is compared with a serial one, whatever --sizes says
SERIAL_CHECK_PROFILES = 100

_LOAD = """
import sys, tempfile, time
from pyoxigraph import RdfFormat, Store
store = Store(tempfile.mkdtemp(dir=sys.argv[2]))
started = time.perf_counter()
store.bulk_load(path=sys.argv[1], format=RdfFormat.N_QUADS)
store.flush()
print(time.perf_counter() - started, len(store))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000" if FULL else "100,1000")
    parser.add_argument("--modes", default="keyphrases,no-keyphrases" if FULL else "keyphrases",
                        help="keyphrases (the default build, the goal's; `make bench`), "
                             "no-keyphrases, or both (`make bench-full`)")
    parser.add_argument("--no-keyphrases-max", type=int, default=1000,
                        help="largest size built without key phrases (a figure beside the "
                             "goal, not a goal; at 10,000 profiles it took ~45 minutes)")
    parser.add_argument("--no-validate", action="store_true",
                        help="time `kg build --no-validate` (the figures before 2026-12-02)")
    parser.add_argument("--reps", type=int, default=0,
                        help="runs per size (default: 1; make bench-full: 3 up to 100 "
                             "profiles)")
    parser.add_argument("--serial-check", action=argparse.BooleanOptionalAction, default=FULL,
                        help="compare the parallel build with a serial one at 100 profiles "
                             "(default: with make bench-full)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = [m.strip() for m in args.modes.split(",")]
    warn_if_busy()
    rows, records = [], []
    for mode in modes:
        keyphrases = mode == "keyphrases"
        for profiles in sizes:
            if not keyphrases and profiles > args.no_keyphrases_max:
                note(f"no build without key phrases at {profiles:,} profiles: larger than "
                     f"--no-keyphrases-max {args.no_keyphrases_max:,} (raise it to time it)")
                continue
            record = measure(profiles, keyphrases,
                             args.reps or (3 if FULL and profiles <= 100 else 1),
                             validate=not args.no_validate)
            records.append(record)
            rows.append(_row(record))
    table("kg build vs pyoxigraph bulk_load (quads per second; medians)",
          ["key phrases", "profiles", "quads", "kg build s", "kg quads/s", "bulk_load s",
           "load quads/s", "ratio", "goal >=0.5", "peak RSS MB", "s per 1k profiles"], rows)
    growth = _growth(records)
    if growth:
        table("growth of kg build time with the number of profiles (1.0 = linear)",
              ["key phrases", "from", "to", "time ratio", "size ratio", "exponent",
               "goal <=1.1"], growth)
    memory = _memory(records)
    table("peak memory of kg build (process tree, summed RSS)",
          ["key phrases", "profiles", "peak RSS MB", "largest process MB", "bulk_load MB",
           "goal (10k) <=2048 MB"], memory)
    same = serial_equals_parallel(SERIAL_CHECK_PROFILES) if args.serial_check else None
    if same is not None:
        print(f"\nparallel build == serial build at {SERIAL_CHECK_PROFILES} profiles (no key "
              f"phrases, N-Quads sha256): {same}")
    write_result("build", {"records": records, "growth": growth,
                           "parallel_equals_serial": same,
                           "goals": {"ratio": BUILD_RATIO_GOAL, "memory_bytes": BUILD_MEMORY_GOAL,
                                     "growth_exponent": LINEAR_GOAL}})


def measure(profiles: int, keyphrases: bool, reps: int, validate: bool = True) -> dict:
    data = dataset(profiles)
    store = store_path(profiles, keyphrases)
    label = "with" if keyphrases else "without"
    builds, loads = [], []
    nquads = WORK / f"dump-{profiles}{'' if keyphrases else '-nokp'}.nq"
    for rep in range(reps):
        note(f"kg build, {profiles:,} profiles, {label} key phrases (run {rep + 1}/{reps})")
        command = [str(KG), "build", str(data), "--store", str(store), "--as-of", AS_OF]
        if not validate:
            command.append("--no-validate")
        if not keyphrases:
            command.append("--no-keyphrases")
        _remove_store(store)  # a fresh build: no graphs, no key phrases kept from another
        builds.append(timed_run(command))
        if rep == 0:
            manifest = json.loads((store / "build.json").read_text())
            quads = dump_nquads(store, nquads)
        note(f"pyoxigraph bulk_load of the same {quads:,} quads (run {rep + 1}/{reps})")
        loads.append(_bulk_load(nquads))
    nquads.unlink()
    build_s = median([b.seconds for b in builds])
    load_s = median([seconds for seconds, _rss in loads])
    return {
        "profiles": profiles,
        "profile_files": sum(1 for _ in data.glob("*.txt")),
        "keyphrases": keyphrases,
        "validate": validate,
        "quads": quads,
        "triples": manifest["counts"]["triples"],
        "kg_build_seconds": [b.seconds for b in builds],
        "bulk_load_seconds": [seconds for seconds, _rss in loads],
        "kg_quads_per_second": quads / build_s,
        "bulk_load_quads_per_second": quads / load_s,
        "ratio": load_s / build_s,
        "peak_rss_bytes": max(b.peak_rss for b in builds),
        "peak_rss_largest_process_bytes": max(b.peak_rss_single for b in builds),
        "bulk_load_peak_rss_bytes": max(rss for _s, rss in loads),
    }


def _remove_store(store: Path) -> None:
    """The store at `store` (a symlink to its build folder) and every build folder beside it."""
    for folder in store.parent.glob(f".{store.name}.build-*"):
        shutil.rmtree(folder, ignore_errors=True)
    if store.is_symlink() or store.is_file():
        store.unlink()
    elif store.is_dir():
        shutil.rmtree(store)


def _bulk_load(nquads: Path) -> tuple[float, int]:
    scratch = Path(tempfile.mkdtemp(dir=WORK))
    try:
        run = timed_run([sys.executable, "-c", _LOAD, str(nquads), str(scratch)])
        return float(run.output.split()[0]), run.peak_rss
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _row(r: dict) -> list:
    build_s = median(r["kg_build_seconds"])
    return ["yes" if r["keyphrases"] else "no", r["profile_files"], r["quads"], build_s,
            r["kg_quads_per_second"], median(r["bulk_load_seconds"]),
            r["bulk_load_quads_per_second"], round(r["ratio"], 3),
            verdict(r["ratio"], BUILD_RATIO_GOAL), r["peak_rss_bytes"] / 2**20,
            build_s / r["profiles"] * 1000]


def _growth(records: list[dict]) -> list[list]:
    rows = []
    for keyphrases in (True, False):
        runs = sorted((r for r in records if r["keyphrases"] == keyphrases),
                      key=lambda r: r["profiles"])
        for small, large in zip(runs, runs[1:], strict=False):
            t = median(large["kg_build_seconds"]) / median(small["kg_build_seconds"])
            n = large["profile_files"] / small["profile_files"]
            exponent = math.log(t) / math.log(n)
            rows.append(["yes" if keyphrases else "no", small["profiles"], large["profiles"],
                         round(t, 2), round(n, 2), round(exponent, 3),
                         verdict(exponent, LINEAR_GOAL, higher_is_better=False)])
    return rows


def _memory(records: list[dict]) -> list[list]:
    rows = []
    for r in records:
        goal = (verdict(r["peak_rss_bytes"], BUILD_MEMORY_GOAL, higher_is_better=False)
                if r["profiles"] >= 10000 else "(10k only)")
        rows.append(["yes" if r["keyphrases"] else "no", r["profile_files"],
                     r["peak_rss_bytes"] / 2**20, r["peak_rss_largest_process_bytes"] / 2**20,
                     r["bulk_load_peak_rss_bytes"] / 2**20, goal])
    return rows


def serial_equals_parallel(profiles: int) -> bool:
    """Build in this process without workers and compare with the CLI's (parallel) build."""
    from kg.build import build
    from kg.parse import find_sources

    parallel = built_store(profiles, keyphrases=False)  # rebuilt if the mapping code changed
    serial = Path(tempfile.mkdtemp(dir=WORK)) / "store"
    try:
        note(f"serial in-process build of {profiles:,} profiles (no key phrases) to compare")
        build(find_sources([dataset(profiles)]), serial, base=BASE,
              as_of=date.fromisoformat(AS_OF), keyphrases=False, validate=False, workers=0)
        return _digest(serial) == _digest(parallel)
    finally:
        shutil.rmtree(serial.parent, ignore_errors=True)


def _digest(store: Path) -> str:
    out = subprocess.run([sys.executable, "-c",
                          "import sys; from pyoxigraph import Store, RdfFormat; "
                          "sys.stdout.buffer.write(Store.read_only(sys.argv[1]).dump("
                          "format=RdfFormat.N_QUADS))", str(store / "oxigraph")],
                         check=True, capture_output=True).stdout
    return hashlib.sha256(out).hexdigest()


if __name__ == "__main__":
    main()
