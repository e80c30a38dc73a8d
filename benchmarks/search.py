"""Search speed: what the index adds to a build, and how fast a search answers.

For each size (`seed` is the seed profile alone; a number is that many synthetic profiles of
`common.dataset`), `kg build --full` is timed end to end (the CLI, index included), then the
index is written again from the built store, in this process, and timed alone: its share of
the build is `index / (build − index)` (goal ≤ 25%). Then searches of the kinds people type —
full names, names cut short (`zhao guoy`), names with a letter swapped, one or two words of
titles — each run `--reps` times against the index; the median and 90th percentile of all
runs are printed (goal: median ≤ 50 ms at 10,000 profiles).

    python benchmarks/search.py [--sizes seed,1000] [--keyphrases] [--reps 5]
    python benchmarks/search.py --sizes 10000 --reuse [--build-seconds 4321]

`--reuse` measures the store the other benchmarks share (`data/bench/store-<size>[-nokp]`,
built with the same options) instead of building one: at 10,000 profiles a build takes over
an hour. Its build is then not timed here; `--build-seconds` gives the time it took (as
`/usr/bin/time` measured it), for the index's share.

Stores are built under `data/bench/search-store-<size>` (apart from the other benchmarks').
Nothing is asserted: figures are printed and written to `benchmarks/results/search.json`.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    AS_OF,
    KG,
    ROOT,
    SEARCH_SHARE_GOAL,
    WORK,
    dataset,
    median,
    note,
    percentile,
    store_path,
    table,
    write_result,
)

from kg.search import open_index, write_index  # noqa: E402
from kg.store.local import open_read_only  # noqa: E402

SEARCHES = 60


def build_seconds(size: str, keyphrases: bool) -> tuple[Path, float]:
    """Build the store of `size` with `kg build --full --no-validate`; (store, seconds)."""
    source = ROOT / "seeds" if size == "seed" else dataset(int(size))
    store = WORK / f"search-store-{size}{'' if keyphrases else '-nokp'}"
    command = [str(KG), "build", str(source), "--store", str(store), "--as-of", AS_OF,
               "--no-validate", "--full"] + ([] if keyphrases else ["--no-keyphrases"])
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return store, time.perf_counter() - started


def index_seconds(store: Path) -> float:
    """Write the index of `store` again, aside; the seconds it took."""
    db, info = open_read_only(store)
    with tempfile.TemporaryDirectory(dir=WORK) as folder:
        started = time.perf_counter()
        write_index(db, Path(folder), info.base)
        return time.perf_counter() - started


def searches(store: Path, count: int) -> list[str]:
    """Texts people type, drawn from the store's own names and titles (fixed seed)."""
    index = open_index(store.resolve())
    assert index is not None
    rng = random.Random(7)
    names = [h.name for h in index.search("a e i o u", limit=100).hits if h.kind == "person"]
    persons = [h.name for w in ("zhao", "wang", "li", "chen", "liu", "peng", "yu")
               for h in index.search(w, kinds=["person"], limit=20).hits] + names
    titles = [h.name for w in ("learning", "recognition", "network", "face", "emotion")
              for h in index.search(w, kinds=["paper"], limit=20).hits]
    texts: list[str] = []
    for _ in range(count):
        kind = len(texts) % 4
        if kind == 0 and persons:
            texts.append(rng.choice(persons))
        elif kind == 1 and persons:  # the last word cut short
            words = rng.choice(persons).split()
            texts.append(" ".join(words[:-1] + [words[-1][:max(2, len(words[-1]) // 2)]]))
        elif kind == 2 and persons:  # two letters swapped
            name = rng.choice(persons)
            at = rng.randrange(1, max(2, len(name) - 2))
            texts.append(name[:at] + name[at + 1:at + 2] + name[at:at + 1] + name[at + 2:])
        else:
            words = [w for w in rng.choice(titles).split() if len(w) > 3]
            texts.append(" ".join(rng.sample(words, min(2, len(words)))))
    return texts


def latency_ms(store: Path, reps: int) -> list[float]:
    index = open_index(store.resolve())
    assert index is not None
    texts = searches(store, SEARCHES)
    index.search(texts[0])  # the first search maps the files
    times = []
    for _ in range(reps):
        for text in texts:
            started = time.perf_counter()
            index.search(text)
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="seed,1000")
    parser.add_argument("--keyphrases", action="store_true",
                        help="build with key phrases (the default of kg build; slower, so "
                             "the index's share is smaller)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--reuse", action="store_true",
                        help="measure the benchmarks' shared store of each size, unbuilt here")
    parser.add_argument("--build-seconds", type=float, default=None,
                        help="with --reuse: how long that build took, for the index's share")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes.split(","):
        if args.reuse:
            store, build_s = store_path(int(size), args.keyphrases), args.build_seconds
            if not (store / "build.json").is_file():
                sys.exit(f"search: no built store at {store} to reuse")
        else:
            note(f"search: building {size}")
            store, build_s = build_seconds(size, args.keyphrases)
        index_s = index_seconds(store)
        docs = open_index(store.resolve()).documents  # type: ignore[union-attr]
        times = latency_ms(store, args.reps)
        share = (f"{index_s / (build_s - index_s):.1%} (goal ≤ {SEARCH_SHARE_GOAL:.0%})"
                 if build_s is not None else "build not timed")
        rows.append([size, docs, round(build_s, 2) if build_s is not None else "-",
                     round(index_s, 2), share,
                     round(median(times), 2), round(percentile(times, 90), 2)])
    headers = ["profiles", "documents", "build s", "index s", "index share",
               "search median ms", "p90 ms"]
    table("Search index and latency", headers, rows)
    write_result("search", {"keyphrases": args.keyphrases, "reps": args.reps,
                            "rows": [dict(zip(headers, row, strict=True)) for row in rows]})


if __name__ == "__main__":
    main()
