"""Export speed: `kg export` against `oxigraph dump` of the same store, in one run.

`kg export` writes the dump files, their VoID description and a SHACL report of the whole
graph. Three figures per size:

* end to end: `kg export --format nq --no-validate` (the CLI: dump, VoID, @context) against
  `oxigraph dump` to N-Quads (the CLI), quads per second (goal >= 0.5); and, for the record,
  the export with its SHACL report (the default; validated a chunk at a time, as the build
  does), up to --e2e-max profiles;
* with `make bench-full`, up to 1,000 profiles (RECORD_MAX), the dump stage alone: kg's
  N-Quads and TriG writers (`kg.export.dumps.write_dump`, what the export spends on those
  files) against `oxigraph dump` of the same format; and kg's merged-graph formats (Turtle,
  N-Triples, JSON-LD: the store's default graph, which the build fills with the merged
  graph), for the record.

The N-Quads of both must be the same bytes.

    python benchmarks/export.py [--sizes 100,1000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    EXPORT_RATIO_GOAL,
    FULL,
    KG,
    OXIGRAPH,
    WORK,
    built_store,
    median,
    note,
    table,
    timed_run,
    verdict,
    warn_if_busy,
    write_result,
)

from kg.store.files import sha256_of  # noqa: E402

_STAGES = """
import json, sys, time
from pathlib import Path
from kg.export.dumps import write_dump
from kg.store.local import open_read_only
store, info = open_read_only(Path(sys.argv[1]))
out, times = Path(sys.argv[2]), {}
for fmt in sys.argv[3].split(","):
    started = time.perf_counter()
    write_dump(store, info.base, fmt, out, False)
    times[fmt] = time.perf_counter() - started
print(json.dumps({"seconds": times, "quads": len(store)}))
"""


#: the largest size bench-full times the figures for the record at (the goal's pair at all)
RECORD_MAX = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000" if FULL else "100,1000")
    parser.add_argument("--e2e-max", type=int, default=1000 if FULL else 0,
                        help="largest size for the end-to-end kg export with its SHACL "
                             "report (a figure for the record, not a goal)")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    warn_if_busy()
    records = [measure(int(n), args) for n in args.sizes.split(",")]
    rows = []
    for r in records:
        ox_nq = median(r["oxigraph_dump_seconds"]["nq"])
        quads = r["quads"]
        e2e = median(r["kg_export_novalidate_seconds"])
        rows.append([r["profiles"], "kg export --format nq --no-validate", quads, e2e,
                     quads / e2e, ox_nq, quads / ox_nq, round(ox_nq / e2e, 3),
                     verdict(ox_nq / e2e, EXPORT_RATIO_GOAL)])
        if r.get("kg_export_seconds"):
            e2e = median(r["kg_export_seconds"])
            rows.append([r["profiles"], "kg export --format nq (+ SHACL report)", quads, e2e,
                         quads / e2e, ox_nq, quads / ox_nq, round(ox_nq / e2e, 3), "info"])
        for fmt in ("nq", "trig") if r["kg_dump_seconds"] else ():
            kg_s = median(r["kg_dump_seconds"][fmt])
            ox_s = median(r["oxigraph_dump_seconds"][fmt])
            rows.append([r["profiles"], f"dump stage, {fmt}", quads, kg_s, quads / kg_s, ox_s,
                         quads / ox_s, round(ox_s / kg_s, 3),
                         verdict(ox_s / kg_s, EXPORT_RATIO_GOAL)])
    table("kg export vs oxigraph dump (quads per second; medians)",
          ["profiles", "what", "quads", "kg s", "kg quads/s", "oxigraph s", "oxigraph quads/s",
           "ratio", "goal >=0.5"], rows)
    merged = [[r["profiles"], fmt, r["triples"], median(r["kg_dump_seconds"][fmt]),
               r["triples"] / median(r["kg_dump_seconds"][fmt])]
              for r in records for fmt in ("ttl", "nt", "jsonld") if fmt in r["kg_dump_seconds"]]
    if merged:
        table("kg's merged-graph dumps (no oxigraph counterpart)",
              ["profiles", "format", "triples", "seconds", "triples/s"], merged)
    for r in records:
        print(f"N-Quads of kg export and oxigraph dump identical at {r['profiles']:,} profiles: "
              f"{r['nquads_identical']}")
    write_result("export", {"records": records, "goals": {"ratio": EXPORT_RATIO_GOAL}})


def measure(profiles: int, args) -> dict:  # type: ignore[no-untyped-def]
    store = built_store(profiles)
    info = json.loads((store / "build.json").read_text())
    scratch = Path(tempfile.mkdtemp(dir=WORK))
    # `make bench` times what the goal names: kg export against oxigraph dump, N-Quads. The
    # dump stage alone, TriG (~4 minutes at 1,000 profiles), the merged-graph writers (minutes
    # from 1,000 profiles on, see the README) and the export with its report are figures for
    # the record, timed by bench-full up to RECORD_MAX profiles (at 10,000: ~20 minutes more)
    record_too = FULL and profiles <= RECORD_MAX
    stages = (["nq", "trig"] + (["ttl", "nt", "jsonld"] if profiles <= 100 else [])) \
        if record_too else []
    dumps = ["nq", "trig"] if record_too else ["nq"]
    record: dict = {"profiles": profiles, "quads": info["counts"]["quads"],
                    "triples": info["counts"]["triples"], "kg_export_seconds": [],
                    "kg_export_novalidate_seconds": [],
                    "kg_dump_seconds": {f: [] for f in stages},
                    "oxigraph_dump_seconds": {f: [] for f in dumps}}
    digests: dict[str, str] = {}
    try:
        reps = args.reps if profiles <= 100 else 1
        for rep in range(reps):
            note(f"kg export --format nq --no-validate, {profiles:,} profiles "
                 f"(run {rep + 1}/{reps})")
            run = timed_run([str(KG), "export", "--store", str(store), "--out",
                             str(scratch / "kg"), "--format", "nq", "--no-validate"])
            record["kg_export_novalidate_seconds"].append(run.seconds)
            digests["kg"] = _digest_and_remove(scratch / "kg" / "scholarkg.nq")
            if profiles <= args.e2e_max:
                note(f"kg export --format nq, {profiles:,} profiles (run {rep + 1}/{reps})")
                run = timed_run([str(KG), "export", "--store", str(store), "--out",
                                 str(scratch / "kg"), "--format", "nq"])
                record["kg_export_seconds"].append(run.seconds)
                (scratch / "kg" / "scholarkg.nq").unlink()
            if stages:
                some = stages if rep == 0 else ["nq", "trig"]
                note(f"kg dump stage: {', '.join(some)} (run {rep + 1}/{reps})")
                run = timed_run([sys.executable, "-c", _STAGES, str(store), str(scratch),
                                 ",".join(some)])
                for fmt, seconds in json.loads(run.output.splitlines()[-1])["seconds"].items():
                    record["kg_dump_seconds"][fmt].append(seconds)
            for fmt in dumps:
                note(f"oxigraph dump --format {fmt} (run {rep + 1}/{reps})")
                target = scratch / f"oxigraph.{fmt}"
                run = timed_run([str(OXIGRAPH), "dump", "--location", str(store / "oxigraph"),
                                 "--file", str(target)])
                record["oxigraph_dump_seconds"][fmt].append(run.seconds)
                if fmt == "nq":
                    digests["oxigraph"] = _digest_and_remove(target)
                else:
                    target.unlink()
        record["nquads_identical"] = digests["kg"] == digests["oxigraph"]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return record


def _digest_and_remove(path: Path) -> str:
    """The file's SHA-256; the file removed, so that one dump at a time takes the disk (the
    N-Quads of 10,000 profiles take ~13 GB each)."""
    digest = sha256_of(path)
    path.unlink()
    return digest


if __name__ == "__main__":
    main()
