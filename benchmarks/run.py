"""Run every benchmark in one go and print every ratio beside its goal (`make bench`).

`make bench` measures what the goals name at 100 and 1,000 profiles: the default build (key
phrases and validation), the export, the endpoint against oxigraph serve. `make bench-full`
(BENCH_FULL=1) adds 10,000 profiles (the endpoint runs on that graph), the build without key
phrases and the rdflib-endpoint peer, which are figures beside the goals, not goals. Each
script writes its own JSON to `benchmarks/results/`; this one reads them back into one summary,
`results/summary.json`.

    python benchmarks/run.py [--only build,endpoint] [--no-rdflib]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BUILD_MEMORY_GOAL,
    BUILD_RATIO_GOAL,
    ENDPOINT_MEMORY_GOAL,
    EXPORT_RATIO_GOAL,
    FULL,
    LATENCY_GOAL,
    LINEAR_GOAL,
    OVERLOAD_GOAL,
    RESULTS,
    THROUGHPUT_GOAL,
    median,
    table,
    verdict,
    write_result,
)

SCRIPTS = ("keyphrases", "build", "export", "endpoint")
HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SCRIPTS))
    parser.add_argument("--no-rdflib", action="store_true",
                        help="leave out the endpoint's rdflib-endpoint part (~15 minutes; "
                             "only bench-full runs it)")
    args = parser.parse_args()
    started = time.perf_counter()
    failed, minutes = [], {}
    for name in args.only.split(","):
        print(f"\n==== {name} {'(full)' if FULL else ''}", flush=True)
        began = time.perf_counter()
        extra = ["--no-rdflib"] if name == "endpoint" and (args.no_rdflib or not FULL) else []
        if subprocess.run([sys.executable, str(HERE / f"{name}.py"), *extra]).returncode != 0:
            failed.append(name)
        minutes[name] = (time.perf_counter() - began) / 60
    rows = summary()
    table("summary: every ratio beside its goal", ["benchmark", "figure", "value", "goal",
                                                    "verdict"], rows)
    total = (time.perf_counter() - started) / 60
    print(f"\nran in {total:.1f} min ({', '.join(f'{k} {v:.1f}' for k, v in minutes.items())})"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    write_result("summary", {"rows": rows, "minutes": minutes, "failed": failed, "full": FULL})
    if failed:
        sys.exit(1)


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def summary() -> list[list]:
    rows: list[list] = []
    if kp := _load("keyphrases"):
        speed = [r for r in kp["records"] if r["texts"] == "synthetic papers"]
        if speed:
            rows.append(["keyphrases", "YAKE speed-up on synthetic papers (same keywords)",
                         round(speed[0]["yake_ms"] / speed[0]["scholarkg_ms"], 2), "-", "info"])
        rows.append(["keyphrases", "texts whose keywords differ from yake's", kp["differing"],
                     "0", "met" if kp["differing"] == 0 else "MISSED"])
    if build := _load("build"):
        for r in build["records"]:
            mode = "with" if r["keyphrases"] else "without"
            rows.append(["build", f"{r['profiles']:,} profiles {mode} key phrases: kg build / "
                         "bulk_load quads/s", round(r["ratio"], 3), f">= {BUILD_RATIO_GOAL}",
                         verdict(r["ratio"], BUILD_RATIO_GOAL)])
        for g in build["growth"]:
            rows.append(["build", f"time growth exponent {g[1]:,}->{g[2]:,} profiles "
                         f"({'with' if g[0] == 'yes' else 'without'} key phrases)", g[5],
                         f"<= {LINEAR_GOAL}", g[6]])
        big = [r for r in build["records"] if r["profiles"] >= 10000]
        for r in big or sorted(build["records"], key=lambda r: -r["profiles"])[:1]:
            mb = r["peak_rss_bytes"] / 2**20
            rows.append(["build", f"peak RSS of the {r['profiles']:,}-profile build (MB)",
                         round(mb), f"<= {BUILD_MEMORY_GOAL >> 20} (10k)",
                         verdict(mb, BUILD_MEMORY_GOAL >> 20, higher_is_better=False) if big else
                         "10k: make bench-full"])
        if build["parallel_equals_serial"] is not None:  # make bench-full
            rows.append(["build", "parallel build == serial build",
                         build["parallel_equals_serial"], "True",
                         "met" if build["parallel_equals_serial"] else "MISSED"])
    if export := _load("export"):
        for r in export["records"]:
            ox = median(r["oxigraph_dump_seconds"]["nq"])
            if r.get("kg_export_novalidate_seconds"):
                ratio = ox / median(r["kg_export_novalidate_seconds"])
                rows.append(["export", f"{r['profiles']:,} profiles: kg export --no-validate (nq,"
                             " end to end) / oxigraph dump", round(ratio, 3),
                             f">= {EXPORT_RATIO_GOAL}",
                             verdict(ratio, EXPORT_RATIO_GOAL)])
            if r["kg_export_seconds"]:
                ratio = ox / median(r["kg_export_seconds"])
                rows.append(["export", f"{r['profiles']:,} profiles: kg export with its SHACL "
                             "report (nq) / oxigraph dump", round(ratio, 3), "-", "info"])
            if r["kg_dump_seconds"].get("nq"):  # make bench-full
                ratio = ox / median(r["kg_dump_seconds"]["nq"])
                rows.append(["export", f"{r['profiles']:,} profiles: kg N-Quads dump stage / "
                             "oxigraph dump", round(ratio, 3), f">= {EXPORT_RATIO_GOAL}",
                             verdict(ratio, EXPORT_RATIO_GOAL)])
    if endpoint := _load("endpoint"):
        rows += _endpoint_rows(endpoint)
    return rows


def _endpoint_rows(e: dict) -> list[list]:
    from common import geomean

    rows = []
    size = f"{e['profiles']:,} profiles"
    timed = [r for r in e["latency"].values() if "median_ms" in r]
    ratios = [r["median_ms"]["kg serve"] / r["median_ms"]["oxigraph serve"] for r in timed]
    g = geomean(ratios)
    rows.append(["endpoint", f"{size}: latency kg/oxigraph, geometric mean of {len(ratios)} "
                 f"queries ({len(e['latency']) - len(timed)} not timed)", round(g, 3),
                 f"<= {LATENCY_GOAL}", verdict(g, LATENCY_GOAL, higher_is_better=False)])
    over = sorted(name.split("/")[-1] for name, r in e["latency"].items() if "median_ms" in r
                  and r["median_ms"]["kg serve"] > 2 * r["median_ms"]["oxigraph serve"])
    rows.append(["endpoint", f"{size}: queries over 2x oxigraph's time"
                 + (f" ({', '.join(over)})" if over else ""), len(over), "0",
                 "met" if not over else "MISSED"])
    failed = sorted(name.split("/")[-1] for name, r in e["latency"].items()
                    if r["status"].get("kg serve") != 200)
    rows.append(["endpoint", f"{size}: saved and analytic queries kg serve did not answer "
                 f"within {e['timeout_s']:g} s" + (f" ({', '.join(failed)})" if failed else ""),
                 len(failed), "0", "met" if not failed else "MISSED"])
    if memory := e.get("memory"):
        big = e["profiles"] >= 10000
        rows.append(["endpoint", f"{size}: peak memory kg serve / oxigraph serve "
                     f"({e.get('kg_mode', '?')} mode)", round(memory["ratio"], 2),
                     f"<= {ENDPOINT_MEMORY_GOAL} (10k)",
                     verdict(memory["ratio"], ENDPOINT_MEMORY_GOAL, higher_is_better=False)
                     if big else "10k: make bench-full"])
    qps = {name: median([r["queries_per_second"] for r in e["throughput"]
                         if r["endpoint"] == name]) for name in ("kg serve", "oxigraph serve")}
    ratio = qps["kg serve"] / qps["oxigraph serve"]
    rows.append(["endpoint", f"{size}: throughput kg/oxigraph (4 clients, light mix)",
                 round(ratio, 3), f">= {THROUGHPUT_GOAL}", verdict(ratio, THROUGHPUT_GOAL)])
    errors = sum(r["errors"] for r in e["throughput"] if r["endpoint"] == "kg serve")
    rows.append(["endpoint", f"{size}: kg serve errors under load", errors, "0",
                 "met" if errors == 0 else "MISSED"])
    for r in e["overload"]:
        idle = median([t["p99_ms"] for t in e["throughput"] if t["endpoint"] == r["endpoint"]])
        growth = r["p99_ms"] / idle
        bad = sum(n for s, n in {**r["statuses"], **(r["runaway_statuses"] or {})}.items()
                  if s not in ("200", "503", "504", "client gave up at the end"))
        rows.append(["overload", f"{r['endpoint']}: light p99 with a runaway / idle p99",
                     round(growth, 2), f"<= {OVERLOAD_GOAL:g}",
                     verdict(growth, OVERLOAD_GOAL, higher_is_better=False)])
        rows.append(["overload", f"{r['endpoint']}: failures other than 503/504", bad, "0",
                     "met" if bad == 0 else "MISSED"])
    rdflib = e.get("rdflib") or {}
    if rdflib.get("latency"):
        pairs = [(e["latency"].get(k, {}).get("median_ms", {}).get("kg serve"), r["median_ms"])
                 for k, r in rdflib["latency"].items() if "median_ms" in r]
        g = geomean([k / r for k, r in pairs if k])
        rows.append(["python peer", f"{rdflib['profiles']:,} profiles: latency kg/rdflib-endpoint"
                     f", geometric mean of {len(pairs)} queries", round(g, 4), "-", "info"])
        if "throughput" in rdflib:
            ratio = qps["kg serve"] / rdflib["throughput"]["queries_per_second"]
            rows.append(["python peer", "throughput kg/rdflib-endpoint", round(ratio, 1), "-",
                         "info"])
    return rows


if __name__ == "__main__":
    main()
