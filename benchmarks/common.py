"""What every benchmark shares: data sets, process trees, servers, HTTP, tables and results.

Benchmarks print figures and ratios and write them to `benchmarks/results/<name>.json`; they
never assert on time. Data lives under `data/bench/` (git-ignored) and is made once: synthetic
profiles from `shared/tools/synth/gen_profiles.py` with a fixed seed, plus the seed profile of
`seeds/`, so that the saved queries about Guoying Zhao have answers.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from kg.memory import resident

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KG = BIN / "kg"
OXIGRAPH = BIN / "oxigraph"
WORK = ROOT / "data" / "bench"
RESULTS = ROOT / "benchmarks" / "results"
SYNTH = Path(os.environ.get("KG_SYNTH", ROOT.parent / "shared/tools/synth/gen_profiles.py"))
SYNTH_SEED = 7
PAPERS_PER_PROFILE = 100
AS_OF = "2026-11-24"
#: the base IRI `kg build` mints under by default; other servers get it as a BASE line
BASE = "http://127.0.0.1:8000/"
#: what `make bench` runs; `make bench-full` adds 10,000 (BENCH_FULL=1)
FULL = os.environ.get("BENCH_FULL") == "1"
#: reuse a built store even if the mapping code changed since (BENCH_REUSE_STORE=1)
REUSE_STORE = os.environ.get("BENCH_REUSE_STORE") == "1"


# --- goals ---------------------------------------------------------------------------------------
# The issues' goals, read by each benchmark and by run.py's summary.

#: kg build (and kg export) quads per second against pyoxigraph's bulk_load (oxigraph dump)
BUILD_RATIO_GOAL = EXPORT_RATIO_GOAL = 0.5
#: peak resident memory of the 10,000-profile build's process tree
BUILD_MEMORY_GOAL = 2 * 2**30
#: growth exponent of build time with the number of profiles (1 = linear)
LINEAR_GOAL = 1.1
#: geometric mean of kg serve's median latency over oxigraph serve's
LATENCY_GOAL = 1.0
#: light-mix queries per second, kg serve over oxigraph serve
THROUGHPUT_GOAL = 1.0
#: light p99 with a runaway query over idle p99
OVERLOAD_GOAL = 5.0
#: peak resident memory of kg serve over oxigraph serve at 10,000 profiles
ENDPOINT_MEMORY_GOAL = 1.5
#: the search index's share of the build's time
SEARCH_SHARE_GOAL = 0.25


# --- data ----------------------------------------------------------------------------------------

def dataset(profiles: int) -> Path:
    """`profiles` synthetic profiles of 100 papers (fixed seed) and the seed profile."""
    folder = WORK / f"profiles-{profiles}"
    stamp = folder / ".complete"
    wanted = f"{profiles} profiles, {PAPERS_PER_PROFILE} papers each, seed {SYNTH_SEED}\n"
    if stamp.is_file() and stamp.read_text() == wanted:
        return folder
    if not SYNTH.is_file():
        sys.exit(f"benchmarks: no generator at {SYNTH} (set KG_SYNTH)")
    shutil.rmtree(folder, ignore_errors=True)
    note(f"generating {profiles:,} profiles into {folder.relative_to(ROOT)}")
    subprocess.run([sys.executable, str(SYNTH), str(folder), "--profiles", str(profiles),
                    "--papers-per-profile", str(PAPERS_PER_PROFILE), "--seed", str(SYNTH_SEED)],
                   check=True, stdout=subprocess.DEVNULL)
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    stamp.write_text(wanted)
    return folder


def built_store(profiles: int, keyphrases: bool = True) -> Path:
    """The store of `dataset(profiles)`, built once and without validation (15 of the 57 minutes
    of the default 10,000-profile build; what the endpoint serves does not depend on it).

    The build benchmark writes the same folder; others reuse the build there when the mapping
    code that made it is the current one, or whatever mapping made it with BENCH_REUSE_STORE=1
    (mapping code edited while the benchmarks run would otherwise rebuild for each script).
    """
    from kg.build.plan import mapping_fingerprint

    store = store_path(profiles, keyphrases)
    manifest = store / "build.json"
    if manifest.is_file():
        built = json.loads(manifest.read_text())
        if built.get("keyphrases") == keyphrases and (
                REUSE_STORE or built.get("mapping") == mapping_fingerprint()):
            return store
    note(f"building the {profiles:,}-profile store (untimed)")
    run_kg_build(profiles, keyphrases, store)
    return store


def store_path(profiles: int, keyphrases: bool = True) -> Path:
    return WORK / f"store-{profiles}{'' if keyphrases else '-nokp'}"


def run_kg_build(profiles: int, keyphrases: bool, store: Path) -> subprocess.CompletedProcess:
    command = [str(KG), "build", str(dataset(profiles)), "--store", str(store), "--as-of",
               AS_OF, "--no-validate", "--full"]
    if not keyphrases:
        command.append("--no-keyphrases")
    return subprocess.run(command, check=True, capture_output=True, text=True)


def dump_nquads(store: Path, out: Path) -> int:
    """Write the store as N-Quads with pyoxigraph; returns the number of quads."""
    from pyoxigraph import RdfFormat, Store

    db = Store.read_only(str(store / "oxigraph"))
    db.dump(str(out), RdfFormat.N_QUADS)
    return len(db)


# --- processes -----------------------------------------------------------------------------------

class PeakRss:
    """Samples the resident memory of a process and all its descendants, summed, every 50 ms.

    The sum counts shared pages once per process, so it overstates a little: the figure errs
    on the safe side of a memory goal. Setting `part` names what runs now: `peaks` keeps the
    peak seen under each name, so that a run's peak can be put down to the part that made it.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_single = 0
        self.part = ""
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def peak(self) -> int:
        """The largest sum seen over the whole run."""
        return max(self.peaks.values(), default=0)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [resident(p) for p in self._tree()]
            self.peaks[self.part] = max(self.peaks.get(self.part, 0), sum(sizes))
            self.peak_single = max(self.peak_single, max(sizes, default=0))
            self._stop.wait(self.interval)

    def _tree(self) -> list[int]:
        try:
            return [self.pid] + [c.pid for c in psutil.Process(self.pid).children(recursive=True)]
        except psutil.Error:  # gone
            return []


@dataclass
class Timed:
    seconds: float
    peak_rss: int
    peak_rss_single: int
    output: str


def timed_run(command: Sequence[str], env: dict[str, str] | None = None) -> Timed:
    """Run `command`, timing it and sampling the memory of its process tree; raises on failure."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    with PeakRss(proc.pid) as rss:
        output, _ = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{output[-3000:]}")
    return Timed(seconds, rss.peak, rss.peak_single, output)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(name: str, command: Sequence[str], ready_url: str,
           wait: float = 1800.0) -> Iterator[subprocess.Popen]:
    """Start a server in its own process group, wait until `ready_url` answers, stop it after.

    Its output goes to `data/bench/<name>.log`. Raises RuntimeError if it dies or never answers.
    """
    WORK.mkdir(parents=True, exist_ok=True)
    log_path = WORK / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            started = time.perf_counter()
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}: "
                                       f"{log_path.read_text(errors='replace')[-2000:]}")
                if _answers(ready_url):
                    break
                if time.perf_counter() - started > wait:
                    raise RuntimeError(f"{name} did not answer {ready_url} in {wait:.0f} s")
                time.sleep(0.25)
            note(f"{name} ready in {time.perf_counter() - started:.1f} s")
            yield proc
        finally:
            _stop_group(proc)


def _answers(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        conn.request("GET", parts.path or "/")
        return conn.getresponse().status < 500
    except OSError:
        return False


def _stop_group(proc: subprocess.Popen) -> None:
    """Stop the server we started and every process it started (its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)
        except ProcessLookupError:
            pass
    try:  # workers left behind by a server that died
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --- SPARQL over HTTP ----------------------------------------------------------------------------

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


@dataclass(frozen=True)
class Endpoint:
    """A SPARQL endpoint under test; `prologue` goes before every query (a BASE line)."""

    name: str
    url: str
    prologue: str = ""

    def client(self, timeout: float = 120.0) -> Client:
        return Client(self, timeout)


@dataclass
class Answer:
    status: int
    seconds: float
    count: int | None  # rows, triples or 0/1 for ASK; None when it failed
    error: str = ""


class Client:
    """One keep-alive HTTP connection; POSTs form-encoded queries (the protocol's common form)."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint, self.timeout = endpoint, timeout
        parts = urllib.parse.urlsplit(endpoint.url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.conn: http.client.HTTPConnection | None = None

    def ask(self, query: str, count: bool = False) -> Answer:
        body = urllib.parse.urlencode({"query": self.endpoint.prologue + query})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT}
        started = time.perf_counter()
        try:
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", self.path, body=body, headers=headers)
                response = self.conn.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                if not reused:
                    raise
                # the server closed the kept-alive connection meanwhile (after a timeout, say):
                # what any HTTP client does, once: a fresh connection, the clock restarted
                self.close()
                started = time.perf_counter()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.conn.request("POST", self.path, body=body, headers=headers)
                response = self.conn.getresponse()
            data = response.read()
            seconds = time.perf_counter() - started
            if response.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return Answer(0, time.perf_counter() - started, None, f"{type(e).__name__}: {e}")
        if response.status != 200:
            return Answer(response.status, seconds, None, data[:200].decode(errors="replace"))
        if not count:
            return Answer(200, seconds, 0)
        try:
            return Answer(200, seconds, count_results(response.getheader("Content-Type", ""), data))
        except (ValueError, KeyError) as e:  # a body cut short: the server failed mid-stream
            return Answer(-1, seconds, None, f"HTTP 200 with a broken body ({e}): "
                                             f"{data[-120:].decode(errors='replace')}")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def count_results(content_type: str, data: bytes) -> int:
    """Rows of a SELECT, 1/0 for an ASK, triples of a CONSTRUCT (N-Triples)."""
    if "json" in content_type:
        result = json.loads(data)
        if "boolean" in result:
            return int(result["boolean"])
        return len(result["results"]["bindings"])
    return sum(1 for line in data.splitlines() if line.strip() and not line.startswith(b"#"))


def query_files(folder: Path) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.rq"))}


# --- figures -------------------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest-rank: an observed value, never an interpolation."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def geomean(values: Sequence[float]) -> float:
    values = [v for v in values if v > 0 and math.isfinite(v)]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else math.nan


def verdict(value: float, goal: float, higher_is_better: bool = True) -> str:
    """'met', or by how much the figure misses its goal."""
    if not math.isfinite(value):
        return "n/a"
    if (value >= goal) if higher_is_better else (value <= goal):
        return "met"
    if higher_is_better:
        return f"MISSED (needs {goal / value:.2f}x)" if value > 0 else "MISSED"
    return f"MISSED ({value / goal:.2f}x over)"


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table (numbers right-aligned); printed and returned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [all(_is_number(r[i]) for r in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    text = "\n".join([f"\n{title}", line(headers), line(["-" * w for w in widths])]
                     + [line(r) for r in cells])
    print(text, flush=True)
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "-" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 1 \
            else f"{value:.2f}"
    return str(value)


def note(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


# --- the record ----------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy the machine was when the run began."""
    import pyoxigraph

    from kg import __version__

    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip()
                    for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    memory = 0
    try:
        memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1]) * 1024
    except (OSError, TypeError):
        pass
    oxigraph = subprocess.run([str(OXIGRAPH), "--version"], capture_output=True, text=True)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "scholarkg": __version__,
        "pyoxigraph": pyoxigraph.__version__,
        "oxigraph_cli": oxigraph.stdout.strip() or oxigraph.stderr.strip(),
        "load_average": os.getloadavg(),
        "cores_busy_with_other_work_at_start": _busy_at_start,
    }


def write_result(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2, default=str) + "\n")
    note(f"wrote {path.relative_to(ROOT)}")
    return path


_busy_at_start: float | None = None


def busy_cores(seconds: float = 1.0) -> float:
    """Cores kept busy by anything on the machine over the next `seconds` (from /proc/stat)."""
    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    try:
        busy0, total0 = sample()
        time.sleep(seconds)
        busy1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    return (busy1 - busy0) / max(1, total1 - total0) * (os.cpu_count() or 1)


def warn_if_busy() -> float:
    """Other work on the machine skews every figure; say so before measuring."""
    global _busy_at_start
    busy = _busy_at_start = busy_cores()
    if busy > 0.2:
        note(f"other work keeps {busy:.1f} core(s) busy: figures will be noisy")
    return busy


# --- load from several client processes ----------------------------------------------------------

def run_clients(endpoint: Endpoint, mix: Sequence[str], clients: int, duration: float,
                seed: int, runaway: str | None = None) -> dict[str, Any]:
    """`clients` processes send queries of `mix` (seeded random order) for `duration` seconds.

    With `runaway`, one more process sends that query again and again over the same time. Returns
    the light queries' throughput, latency percentiles and statuses, and the runaway's statuses.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 2.0  # every process starts at once, after its own start-up
    jobs = [(endpoint, list(mix), duration, seed + i, start_at) for i in range(clients)]
    with context.Pool(clients + (1 if runaway else 0)) as pool:
        light = pool.starmap_async(_client_loop, jobs)
        heavy = (pool.apply_async(_client_loop, (endpoint, [runaway], duration, seed, start_at,
                                                 True)) if runaway else None)
        results = light.get()
        runaway_result = heavy.get() if heavy else None
    latencies = [s for r in results for s in r["seconds"]]
    statuses: dict[str, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    ok = statuses.get("200", 0)
    elapsed = max(r["elapsed"] for r in results)
    return {
        "endpoint": endpoint.name,
        "clients": clients,
        "seconds": elapsed,
        "requests": sum(statuses.values()),
        "ok": ok,
        "queries_per_second": ok / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "statuses": statuses,
        "errors": sum(n for s, n in statuses.items() if s != "200"),
        "runaway_statuses": runaway_result["statuses"] if runaway_result else None,
    }


def _client_loop(endpoint: Endpoint, mix: list[str], duration: float, seed: int,
                 start_at: float, runaway: bool = False) -> dict[str, Any]:
    import random

    rnd = random.Random(seed)
    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    deadline = started + duration
    seconds: list[float] = []
    statuses: dict[str, int] = {}
    client = endpoint.client(timeout=duration + 60)
    while (now := time.perf_counter()) < deadline:
        if runaway:  # stop waiting at the deadline: the server's own limit is not ours to test
            client.timeout = max(0.1, deadline - now)
            client.close()
        answer = client.ask(mix[0] if runaway else rnd.choice(mix))
        if runaway and answer.status == 0 and "timed out" in answer.error:
            statuses["client gave up at the end"] = statuses.get("client gave up at the end", 0) + 1
            break
        key = str(answer.status) if answer.status else f"connection error ({answer.error[:60]})"
        statuses[key] = statuses.get(key, 0) + 1
        if answer.status == 200:
            seconds.append(answer.seconds)
    client.close()
    return {"seconds": seconds, "statuses": statuses,
            "elapsed": time.perf_counter() - started}
