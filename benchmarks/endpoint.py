"""The endpoint: `kg serve` against `oxigraph serve` (and rdflib-endpoint) on the same graph.

Both servers run at once on the store of `kg build` (with key phrases, no SHACL): kg serve as a
user starts it (worker processes, each with the graph in memory; at 10,000 profiles reading
it from disk, `--mode disk`, as three copies would not fit), Oxigraph's own server
read-only on the very same RocksDB folder, as it comes: both answer on the store's default
graph, which the build fills with the merged graph (each triple once; the profile graphs stay
named graphs beside it). `BASE <http://127.0.0.1:8000/>` goes before every query sent to a
peer, so that a relative IRI means what it means to kg serve. Four parts, in one run:

1. latency: every saved query (queries/*.rq) and the analytic ones of benchmarks/queries/,
   timed alternately on each server; the median per query, the ratio kg/oxigraph and their
   geometric mean (goal <= 1.0). A query whose result count differs between the servers, or
   that fails or times out on one, is reported and not timed. A query under 1 s runs at
   least 3 times, one of 5 s or more at most twice, one of 20 s or more once.
2. throughput: 4 client processes send a light mix (point look-ups on random entities) for
   10 s, 3 rounds per server, servers alternating; queries/s, p50/p99 and errors
   (goal: kg >= 1.0x oxigraph, 0 errors). Then cached answers apart: one round per server of
   one light query sent again and again for 5 s, which kg serve answers from its result cache
   after the first time (oxigraph has none), beside kg's rate on the mix.

Every query of parts 1 to 3 reaches both servers as a text never sent before (a comment
unique to the request follows it): the latency and throughput ratios are those of queries that
are not repeated, not of kg serve's result cache.
3. overload: the same light load with one more client sending a runaway query: the light
   queries' p99 must stay within 5x its idle value, and no request may fail other than with
   503 or 504. oxigraph serve runs it without a query time limit: its `--timeout-s` starts a
   thread per query that lives out the whole limit, and at this rate it runs out of threads
   and fails (measured); without a limit the runaway runs until the server stops, which it
   does before kg serve's round, the last of the run.
   Before part 1 every file of the store is read once, so both servers start on a warm cache.
   Memory: the peak resident memory of each server's whole process tree over parts 1 to 3,
   sampled every second (goal: kg serve <= 1.5x oxigraph serve), and the parts of the run
   (each latency query, throughput, cached answers, overload) that made the largest peaks.
4. rdflib-endpoint (PyPI, `make bench` installs it) on the same quads as the Python peer, in
   an rdflib `Dataset` whose default graph is the merged one (no union):
   one throughput round, then the saved queries' latency, cheapest first; a query past 60 s
   is reported as such, and the next one waits until rdflib has finished it (it cannot stop
   a query), within 10 minutes in all.

    python benchmarks/endpoint.py [--profiles 1000] [--reps 3] [--no-rdflib]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BASE,
    ENDPOINT_MEMORY_GOAL,
    FULL,
    KG,
    LATENCY_GOAL,
    OVERLOAD_GOAL,
    OXIGRAPH,
    ROOT,
    THROUGHPUT_GOAL,
    WORK,
    Answer,
    Client,
    Endpoint,
    PeakRss,
    built_store,
    dump_nquads,
    free_port,
    geomean,
    median,
    note,
    query_files,
    run_clients,
    server,
    table,
    verdict,
    warn_if_busy,
    write_result,
)

PROLOGUE = f"BASE <{BASE}>\n"
RDFLIB_TIMEOUT = 60.0
#: seconds the rdflib latency part may take in all (it waits out queries rdflib cannot stop)
RDFLIB_BUDGET = 600.0
#: a query whose first runs all took less than this is run at least 3 times, whatever --reps
LIGHT_SECONDS = 1.0
#: a query whose first run took this long on either server runs twice at most (its time varies
#: by a few per cent; a third run of the slowest took ~30 s of `make bench`)
HEAVY_SECONDS = 5.0
#: and one that took this long runs once: the second run of the slowest (oxigraph serve's
#: coauthor-pairs at 1,000 profiles, 29 s, with kg's 4 s) took ~35 s of `make bench`
SLOW_SECONDS = 20.0

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

# Light queries: what a page of the site or a client looking one thing up asks.
LIGHT = {
    "paper": "SELECT ?p ?o WHERE {{ <{paper}> ?p ?o }}",
    "paper-authors": "PREFIX schema: <https://schema.org/>\n"
                     "SELECT ?person ?name WHERE {{ <{paper}> schema:author ?person . "
                     "?person schema:name ?name }}",
    "person-papers": "PREFIX schema: <https://schema.org/>\n"
                     "SELECT ?paper ?title WHERE {{ ?paper schema:author <{person}> ; "
                     "schema:name ?title }} ORDER BY ?title LIMIT 20",
    "person-name": "PREFIX schema: <https://schema.org/>\n"
                   "SELECT ?name WHERE {{ <{person}> schema:name ?name }}",
    "ask-author": "PREFIX schema: <https://schema.org/>\n"
                  "ASK {{ <{paper}> schema:author <{person}> }}",
    "profile": "PREFIX schema: <https://schema.org/>\n"
               "PREFIX kg: <https://w3id.org/scholarkg/ontology#>\n"
               "SELECT ?name ?h ?citations WHERE {{ <{page}> schema:about ?person ; "
               "kg:hIndex ?h ; kg:citationCount ?citations . ?person schema:name ?name }}",
}


@dataclass(frozen=True)
class Fresh(Endpoint):
    """An endpoint that every query reaches as a new text, so no answer comes from a cache."""

    def client(self, timeout: float = 120.0) -> Client:
        return _FreshClient(self, timeout)


class _FreshClient(Client):
    """Adds a comment unique to the request (process, client, count) after each query."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        super().__init__(endpoint, timeout)
        self._sent, self._who = 0, f"{os.getpid()}-{id(self):x}"

    def ask(self, query: str, count: bool = False) -> Answer:
        self._sent += 1
        return super().ask(f"{query}\n# {self._who}-{self._sent}", count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=10000 if FULL else 1000)
    parser.add_argument("--reps", type=int, default=0,
                        help="timed runs per query and server (default: 3 below 10,000 "
                             "profiles, 1 from there, where a whole-graph query takes 10-30 s; "
                             "a query under 1 s runs at least 3 times, one of 5 s or more at "
                             "most twice, one of 20 s or more once)")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of each throughput, cached and overload round (~10,000 "
                             "light queries at kg serve's rate)")
    parser.add_argument("--cached-duration", type=float, default=5.0,
                        help="seconds of the cached-answers round per server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="both servers' query time limit, seconds (kg serve's default)")
    parser.add_argument("--keyphrases", choices=("yes", "no"), default="yes",
                        help="serve the build with key phrases (the default build, and the "
                             "goal's graph at every size)")
    parser.add_argument("--mode", choices=("memory", "disk"), default=None,
                        help="kg serve --mode (default: memory below 10,000 profiles, disk "
                             "from there: three in-memory copies of 30 M quads need ~30 GB)")
    parser.add_argument("--no-rdflib", action="store_true")
    parser.add_argument("--rdflib-profiles", type=int, default=1000)
    args = parser.parse_args()
    warn_if_busy()
    args.reps = args.reps or (3 if args.profiles < 10000 else 1)
    keyphrases = args.keyphrases == "yes"
    store = built_store(args.profiles, keyphrases)
    mix = light_mix(store)
    queries = {**{f"saved/{k}": v for k, v in query_files(ROOT / "queries").items()},
               **{f"analytic/{k}": v
                  for k, v in query_files(ROOT / "benchmarks" / "queries").items()}}
    kg_port, ox_port = free_port(), free_port()
    kg = Fresh("kg serve", f"http://127.0.0.1:{kg_port}/sparql")
    ox = Fresh("oxigraph serve", f"http://127.0.0.1:{ox_port}/query", PROLOGUE)
    mode = args.mode or ("memory" if args.profiles < 10000 else "disk")
    kg_command = [str(KG), "serve", "--store", str(store), "--host", "127.0.0.1", "--port",
                  str(kg_port), "--timeout", str(args.timeout), "--mode", mode]
    ox_command = _oxigraph(store, ox_port) + ["--timeout-s", str(int(args.timeout))]
    # oxigraph serve's --timeout-s starts a thread per query that sleeps out the whole limit:
    # at a thousand queries a second it runs out of thread stacks within a round and fails
    # every request after. The throughput rounds use an instance without a limit.
    plain_port = free_port()
    ox_plain = Fresh("oxigraph serve", f"http://127.0.0.1:{plain_port}/query", PROLOGUE)
    plain_command = _oxigraph(store, plain_port)
    counts = json.loads((store / "build.json").read_text())["counts"]
    result: dict = {"profiles": args.profiles, "keyphrases": keyphrases, "kg_mode": mode,
                    "quads": counts["quads"],
                    "triples": counts["triples"], "timeout_s": args.timeout,
                    "kg_serve": kg_command[1:], "oxigraph_serve": ox_command[1:],
                    "oxigraph_serve_throughput": plain_command[1:]}
    warm_cache(store)
    with server("kg-serve", kg_command, kg.url) as kg_proc, \
            server("oxigraph-serve", ox_command, ox.url) as ox_proc, \
            PeakRss(kg_proc.pid, 1.0) as kg_rss, PeakRss(ox_proc.pid, 1.0) as ox_rss:
        samplers = [kg_rss, ox_rss]

        def part(name: str) -> None:
            for sampler in samplers:
                sampler.part = name

        part("idle")
        latency = measure_latency(queries, [kg, ox], args.reps, args.timeout, on_query=part)
        result["latency"] = latency
        report_latency(latency, kg, ox)
        with server("oxigraph-serve-no-limit", plain_command, ox_plain.url) as plain_proc, \
                PeakRss(plain_proc.pid, 1.0) as plain_rss:
            samplers.append(plain_rss)
            part("throughput")
            rounds = measure_throughput([kg, ox_plain], mix, args)
            idle = report_throughput(rounds, kg, ox)
            part("cached answers")
            cached = measure_cached([kg, ox_plain], mix[0], args)
            report_cached(cached, rounds, kg, ox)
            # oxigraph serve's runaway runs without a limit until this server stops, which it
            # does before kg serve's round; kg serve's round is the last part of the run, so
            # neither server's runaway (nor kg's worker loading again) overlaps the other's round
            part("overload")
            overload = [overload_round(ox_plain, mix, args)]
        overload.insert(0, overload_round(kg, mix, args))
        result["throughput"] = rounds
        result["cached"] = cached
        result["overload"] = overload
        report_overload(overload, idle)
    result["memory"] = report_memory(kg_rss.peak, max(ox_rss.peak, plain_rss.peak))
    result["memory"]["peaks_by_part"] = report_peaks(
        {"kg serve": kg_rss.peaks,
         # the two oxigraph servers, each part's larger peak (a Counter's union keeps the max)
         "oxigraph serve": dict(Counter(ox_rss.peaks) | Counter(plain_rss.peaks))})
    write_result("endpoint", result)  # kept should the long rdflib part fail
    if not args.no_rdflib:
        result["rdflib"] = rdflib_peer(args, queries, mix, latency, rounds)
        write_result("endpoint", result)


def warm_cache(store: Path) -> None:
    """Read every file of the store once, so that the operating system's cache holds it before
    either server runs a query: kg serve (first in every latency round) would otherwise pay
    for the cold reads that oxigraph serve then finds cached (both read the same files: kg
    serve's frozen copy is hard-linked). It fits: 24 GB of memory, ~13 GB of store at 10,000."""
    started, size = time.perf_counter(), 0
    for path in sorted((store / "oxigraph").rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                while block := f.read(1 << 24):
                    size += len(block)
    note(f"read the store's {size / 2**30:.1f} GB once in {time.perf_counter() - started:.0f} s "
         "(a warm cache for both servers)")


def report_memory(kg_bytes: int, ox_bytes: int) -> dict[str, float]:
    """Peak resident memory of each server's whole process tree over the run (sampled each
    second; kg serve's front and its query workers summed)."""
    ratio = kg_bytes / ox_bytes if ox_bytes else float("nan")
    table("memory: peak resident set over the run, whole process tree",
          ["server", "peak GB", "ratio", f"goal <= {ENDPOINT_MEMORY_GOAL}x"],
          [["kg serve", round(kg_bytes / 2**30, 2), round(ratio, 2),
            verdict(ratio, ENDPOINT_MEMORY_GOAL, higher_is_better=False)],
           ["oxigraph serve", round(ox_bytes / 2**30, 2), 1.0, ""]])
    return {"kg_peak_bytes": kg_bytes, "oxigraph_peak_bytes": ox_bytes, "ratio": ratio}


def report_peaks(peaks: dict[str, dict[str, int]], top: int = 8) -> dict[str, dict[str, int]]:
    """The parts of the run under which each server's process tree was largest: a peak taken
    over the whole run says how much, this says which query or load made it."""
    rows = []
    for name, by_part in peaks.items():
        for part, size in sorted(by_part.items(), key=lambda item: -item[1])[:top]:
            rows.append([name, part, round(size / 2**30, 2)])
    table(f"memory: the {top} largest peaks of each server by part of the run "
          "(latency parts are named by query; a runaway's memory shows under overload)",
          ["server", "part", "peak GB"], rows)
    return peaks


def _oxigraph(store: Path, port: int) -> list[str]:
    return [str(OXIGRAPH), "serve-read-only", "--location", str(store / "oxigraph"), "--bind",
            f"127.0.0.1:{port}"]


# --- the light mix -------------------------------------------------------------------------------

def light_mix(store: Path, size: int = 300, seed: int = 11) -> list[str]:
    """Light queries on entities drawn with a fixed seed from the store."""
    from pyoxigraph import Store

    from kg.store.query import run_query

    db = Store.read_only(str(store / "oxigraph"))

    def values(query: str) -> list[str]:
        return [row[0].value for row in run_query(db, query, BASE)]  # type: ignore[union-attr]

    # no ORDER BY in the engine: it looks each IRI up at every comparison (minutes at 10k);
    # the store's own order is fixed for a given build, and Python sorts what it gives
    pairs = sorted(values("SELECT ?x { { SELECT DISTINCT ?paper ?person { ?paper schema:author "
                          "?person } LIMIT 20000 } BIND(CONCAT(STR(?paper), ' ', STR(?person)) "
                          "AS ?x) }"))
    pages = sorted(values("SELECT DISTINCT ?page { ?page a schema:ProfilePage }"))
    rnd = random.Random(seed)
    mix = []
    for i in range(size):
        paper, person = rnd.choice(pairs).split(" ")
        if i % 3 == 0:  # an author of another paper: the ASK is false at times
            person = rnd.choice(pairs).split(" ")[1]
        template = list(LIGHT.values())[i % len(LIGHT)]
        mix.append(template.format(paper=paper, person=person, page=rnd.choice(pages)))
    return mix


# --- latency -------------------------------------------------------------------------------------

def measure_latency(queries: dict[str, str], endpoints: list[Endpoint], reps: int,
                    timeout: float, on_query: Callable[[str], None] = lambda name: None,
                    ) -> dict[str, dict]:
    """Each query `reps` times per server, servers alternating; the first run also counts.
    `on_query` hears each query's name before it is first sent."""
    clients = {e.name: e.client(timeout=timeout + 30) for e in endpoints}
    out: dict[str, dict] = {}
    for name, text in queries.items():
        note(f"latency: {name}")
        on_query(name)
        record: dict = {"counts": {}, "status": {}}
        seconds: dict[str, list[float]] = {e.name: [] for e in endpoints}
        # First run: every server must answer, with the same count. Each gets it even when
        # another failed, so that a query past the limit says whether only kg failed.
        failures = []
        for e in endpoints:
            answer = clients[e.name].ask(text, count=True)
            record["counts"][e.name], record["status"][e.name] = answer.count, answer.status
            seconds[e.name].append(answer.seconds)
            if answer.status != 200:
                reason = " ".join((answer.error or f"HTTP {answer.status}").split())
                failures.append(f"{e.name}: {reason[:120]}")
        record["seconds"] = seconds  # an excluded query keeps its first runs' times
        if failures:
            record["excluded"] = "; ".join(failures)
        if "excluded" not in record and len(set(record["counts"].values())) > 1:
            record["excluded"] = "result counts differ"
        if "excluded" not in record:
            # a light query costs nothing to repeat, and one run of it (a cold first look-up
            # at 10,000 profiles: 177 against 15 ms warm) says little
            for rep in range(1, _runs(max(s[0] for s in seconds.values()), reps)):
                for e in (endpoints[::-1] if rep % 2 else endpoints):
                    answer = clients[e.name].ask(text)
                    if answer.status == 200:
                        seconds[e.name].append(answer.seconds)
            record["median_ms"] = {n: median(s) * 1000 for n, s in seconds.items()}
        out[name] = record
    for c in clients.values():
        c.close()
    return out


def _runs(first: float, reps: int) -> int:
    """How many times to time a query whose slowest first run took `first` seconds: a light
    one is cheap to repeat and noisy, a slow one is steady and costly (see LIGHT_SECONDS)."""
    if first < LIGHT_SECONDS:
        return max(reps, 3)
    if first >= SLOW_SECONDS:
        return 1
    if first >= HEAVY_SECONDS:
        return min(reps, 2)
    return reps


def report_latency(latency: dict[str, dict], kg: Endpoint, ox: Endpoint) -> float:
    rows, ratios = [], []
    for name, r in latency.items():
        if "excluded" in r:
            first = {n: s[0] for n, s in r.get("seconds", {}).items() if s}
            rows.append([name, r["counts"].get(kg.name), r["counts"].get(ox.name),
                         _ms(first.get(kg.name)), _ms(first.get(ox.name)), None,
                         f"not timed: {r['excluded'][:100]}"])
            continue
        k, o = r["median_ms"][kg.name], r["median_ms"][ox.name]
        ratios.append(k / o)
        rows.append([name, r["counts"][kg.name], r["counts"][ox.name], k, o, round(k / o, 3),
                     ""])
    g = geomean(ratios)
    rows.append(["geometric mean of ratios", None, None, None, None, round(g, 3),
                 f"goal <= {LATENCY_GOAL}: {verdict(g, LATENCY_GOAL, higher_is_better=False)}"])
    table(f"query latency, median ms ({kg.name} vs {ox.name}; ratio < 1: kg faster)",
          ["query", "rows kg", "rows oxigraph", "kg ms", "oxigraph ms", "kg/oxigraph", "note"],
          rows)
    return g


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000)


# --- throughput and overload ---------------------------------------------------------------------

def measure_throughput(endpoints: list[Endpoint], mix: list[str], args) -> list[dict]:  # type: ignore[no-untyped-def]
    rounds = []
    for i in range(args.rounds):
        for e in (endpoints if i % 2 == 0 else endpoints[::-1]):
            note(f"throughput: {e.name}, round {i + 1}/{args.rounds}")
            rounds.append({"round": i + 1, **run_clients(e, mix, args.clients, args.duration,
                                                          seed=100 + i)})
    return rounds


def report_throughput(rounds: list[dict], kg: Endpoint, ox: Endpoint) -> dict[str, float]:
    rows = [[r["endpoint"], r["round"], r["queries_per_second"], r["p50_ms"], r["p99_ms"],
             r["errors"]] for r in rounds]
    qps = {e.name: median([r["queries_per_second"] for r in rounds if r["endpoint"] == e.name])
           for e in (kg, ox)}
    p99 = {e.name: median([r["p99_ms"] for r in rounds if r["endpoint"] == e.name])
           for e in (kg, ox)}
    errors = sum(r["errors"] for r in rounds)
    ratio = qps[kg.name] / qps[ox.name] if qps[ox.name] else float("nan")
    table(f"throughput, light mix, {rounds[0]['clients']} client processes",
          ["server", "round", "queries/s", "p50 ms", "p99 ms", "errors"], rows)
    print(f"throughput ratio kg/oxigraph (medians of rounds): {ratio:.3f} — goal >= "
          f"{THROUGHPUT_GOAL}: {verdict(ratio, THROUGHPUT_GOAL)}; errors: {errors} — goal 0: "
          f"{'met' if errors == 0 else 'MISSED'}")
    return p99


def measure_cached(endpoints: list[Endpoint], query: str, args) -> list[dict]:  # type: ignore[no-untyped-def]
    """One round per server of `query` sent again and again, as the same text each time."""
    out = []
    for e in endpoints:
        same = Endpoint(e.name, e.url, e.prologue)  # not Fresh: the text repeats
        note(f"cached answers: {e.name}, one query repeated")
        out.append({"query": query, **run_clients(same, [query], args.clients,
                                                   args.cached_duration, seed=300)})
    return out


def report_cached(cached: list[dict], rounds: list[dict], kg: Endpoint, ox: Endpoint) -> None:
    mix = {e.name: median([r["queries_per_second"] for r in rounds if r["endpoint"] == e.name])
           for e in (kg, ox)}
    rows = [[r["endpoint"], r["queries_per_second"], r["p50_ms"], r["p99_ms"], r["errors"],
             mix[r["endpoint"]], round(r["queries_per_second"] / mix[r["endpoint"]], 2)
             if mix[r["endpoint"]] else None] for r in cached]
    table(f"cached answers: one light query repeated, {cached[0]['clients']} client processes "
          "(kg serve answers from its result cache; oxigraph serve has none)",
          ["server", "queries/s", "p50 ms", "p99 ms", "errors", "light mix q/s",
           "repeated/mix"], rows)
    qps = {r["endpoint"]: r["queries_per_second"] for r in cached}
    if qps.get(ox.name):
        print(f"repeated query, kg/oxigraph: {qps[kg.name] / qps[ox.name]:.3f} (not a goal: "
              "the throughput goal is on the mix, whose queries are never repeated)")


def overload_round(e: Endpoint, mix: list[str], args) -> dict:  # type: ignore[no-untyped-def]
    note(f"overload: {e.name}, light load and a runaway query")
    return run_clients(e, mix, args.clients, args.duration, seed=200, runaway=RUNAWAY)


def report_overload(overload: list[dict], idle_p99: dict[str, float]) -> None:
    rows = []
    for r in overload:
        bad = {s: n for s, n in r["statuses"].items() if s not in ("200", "503", "504")}
        bad_runaway = {s: n for s, n in (r["runaway_statuses"] or {}).items()
                       if s not in ("200", "503", "504", "client gave up at the end")}
        growth = r["p99_ms"] / idle_p99[r["endpoint"]]
        rows.append([r["endpoint"], r["queries_per_second"], idle_p99[r["endpoint"]],
                     r["p99_ms"], round(growth, 2),
                     verdict(growth, OVERLOAD_GOAL, higher_is_better=False),
                     _statuses(r["statuses"]), _statuses(r["runaway_statuses"] or {}),
                     "met" if not bad and not bad_runaway else "MISSED"])
    table("overload: light load plus a runaway query",
          ["server", "light q/s", "idle p99 ms", "p99 ms", "p99 x idle", "goal <=5x",
           "light statuses", "runaway statuses", "only 503/504 fail"], rows)


def _statuses(statuses: dict[str, int]) -> str:
    return " ".join(f"{s[:40]}:{n}" for s, n in sorted(statuses.items()))


# --- rdflib-endpoint ------------------------------------------------------------------------------

_RDFLIB_SERVER = """
import sys, time
from rdflib import Dataset
import uvicorn
from rdflib_endpoint import SparqlEndpoint
graph = Dataset()  # the default graph: the merged one, as on kg serve
started = time.perf_counter()
graph.parse(sys.argv[1], format="nquads")
print(f"loaded {len(graph)} triples in {time.perf_counter() - started:.1f} s", flush=True)
uvicorn.run(SparqlEndpoint(graph=graph), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning")
"""


def rdflib_peer(args, queries: dict[str, str], mix: list[str], latency: dict[str, dict],  # type: ignore[no-untyped-def]
                rounds: list[dict]) -> dict:
    if importlib.util.find_spec("rdflib_endpoint") is None:
        note("rdflib-endpoint is not installed (make bench installs the 'bench' extra): skipped")
        return {"skipped": "rdflib-endpoint not installed"}
    if args.rdflib_profiles != args.profiles:
        latency = {}  # another graph: its counts are checked against nothing
    store = built_store(args.rdflib_profiles)
    nquads = WORK / f"rdflib-{args.rdflib_profiles}.nq"
    quads = dump_nquads(store, nquads)
    port = free_port()
    peer = Endpoint("rdflib-endpoint", f"http://127.0.0.1:{port}/", PROLOGUE)
    command = [sys.executable, "-c", _RDFLIB_SERVER, str(nquads), str(port)]
    note(f"rdflib-endpoint: loading {quads:,} quads into rdflib (slow)")
    # cheapest first (by kg's time): each query rdflib cannot finish blocks the ones after it
    saved = dict(sorted(((k, v) for k, v in queries.items() if k.startswith("saved/")),
                        key=lambda kv: latency.get(kv[0], {}).get("median_ms", {})
                        .get("kg serve", float("inf"))))
    out: dict = {"profiles": args.rdflib_profiles, "quads": quads, "latency": {}}
    try:
        with server("rdflib-endpoint", command, peer.url, wait=3600):
            note("rdflib-endpoint throughput: one round")
            out["throughput"] = run_clients(peer, mix, args.clients, args.duration, 300)
            client = peer.client(timeout=RDFLIB_TIMEOUT)
            budget = time.perf_counter() + RDFLIB_BUDGET
            for i, (name, text) in enumerate(saved.items()):
                last = i == len(saved) - 1
                note(f"rdflib-endpoint latency: {name}")
                first = client.ask(text, count=True)
                record: dict = {"count": first.count, "status": first.status}
                out["latency"][name] = record
                if first.status != 200:
                    record["excluded"] = first.error[:200] or f"HTTP {first.status}"
                    if "timed out" in first.error and not last and \
                            not _wait_until_free(peer, budget):
                        out["stopped"] = (f"rdflib cannot stop a query: after {name} ran past "
                                          f"{RDFLIB_TIMEOUT:.0f} s it stayed busy beyond the "
                                          "time given to this part; later queries not run")
                        break
                    continue
                expected = latency.get(name, {}).get("counts", {}).get("oxigraph serve")
                if expected is not None and expected != first.count:
                    record["excluded"] = f"result count {first.count} != {expected}"
                    continue
                seconds = [first.seconds] + [client.ask(text).seconds
                                             for _ in range(max(0, args.reps - 1))]
                record["median_ms"] = median(seconds) * 1000
            client.close()
    finally:
        nquads.unlink(missing_ok=True)
    report_rdflib(out, latency, rounds)
    return out


def _wait_until_free(peer: Endpoint, budget: float) -> bool:
    """Whether rdflib-endpoint answers a trivial query again before `budget` (perf_counter)."""
    remaining = budget - time.perf_counter()
    if remaining <= 0:
        return False
    probe = peer.client(timeout=remaining)
    answer = probe.ask("ASK {}")
    probe.close()
    return answer.status == 200


def report_rdflib(out: dict, latency: dict[str, dict], rounds: list[dict]) -> None:
    rows, ratios = [], []
    for name, r in out["latency"].items():
        kg_ms = latency.get(name, {}).get("median_ms", {}).get("kg serve")
        if "median_ms" in r and kg_ms:
            ratios.append(kg_ms / r["median_ms"])
        rows.append([name, r.get("count"), kg_ms, r.get("median_ms"),
                     round(kg_ms / r["median_ms"], 4) if kg_ms and "median_ms" in r else None,
                     r.get("excluded", "")[:60]])
    g = geomean(ratios)
    rows.append(["geometric mean", None, None, None, round(g, 4), ""])
    table(f"kg serve vs rdflib-endpoint (the Python peer), {out['profiles']:,} profiles, "
          "median ms", ["query", "rows", "kg ms", "rdflib ms", "kg/rdflib", "note"], rows)
    if "throughput" in out:
        t = out["throughput"]
        kg_qps = median([r["queries_per_second"] for r in rounds if r["endpoint"] == "kg serve"])
        print(f"rdflib-endpoint light mix: {t['queries_per_second']:.1f} q/s, p50 "
              f"{t['p50_ms']:.1f} ms, p99 {t['p99_ms']:.1f} ms, errors {t['errors']}; "
              f"kg serve/rdflib-endpoint throughput: {kg_qps / t['queries_per_second']:.1f}x")
    if "stopped" in out:
        print(f"rdflib-endpoint stopped early: {out['stopped']}")


if __name__ == "__main__":
    main()
