"""Real servers for tests: free loopback ports, `kg serve` and `oxigraph serve` processes,
waiting until one answers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
ROOT = Path(__file__).resolve().parent.parent
PAPERS = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"
JSON = "application/sparql-results+json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen | None = None,
                       timeout: float = 60.0) -> None:
    """Poll `url?query=ASK {}` until it answers; fail early if `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"the server exited before answering: {output}")
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


class Oxigraph:
    """`oxigraph serve` on a folder (optionally loaded with a file first); restartable."""

    def __init__(self, location: Path, load: Path | None = None) -> None:
        self.location, self.port = location, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.query_url = f"{self.url}/query"
        if load is not None:
            subprocess.run([str(OXIGRAPH), "load", "--location", str(location), "--file",
                            str(load)], check=True, capture_output=True)
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(OXIGRAPH), "serve", "--location", str(self.location), "--bind",
             f"127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_answers(self.query_url, self.process, timeout=30)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)


class Server:
    """A `kg serve` subprocess; stopped when the test module ends."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", "--port", str(self.port), *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_until_answers(f"{self.url}/sparql", self.process)
        except RuntimeError:
            self.process.stdout.close()
            raise

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.process.stdout.close()

    def query(self, query: str, accept: str = JSON, headers: dict | None = None
              ) -> requests.Response:
        return requests.post(f"{self.url}/sparql", data={"query": query}, timeout=30,
                             headers={"Accept": accept, **(headers or {})})

    def count(self, query: str = PAPERS) -> str:
        response = self.query(query)
        assert response.status_code == 200, response.text
        return response.json()["results"]["bindings"][0]["n"]["value"]


VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
#: Virtuoso's paths for --sparql-paths: query, update, Graph Store Protocol
VIRTUOSO_PATHS = "/sparql,/sparql,/sparql-graph-crud"
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 8
[SPARQL]
ResultSetMaxRows = 10000
"""


class Virtuoso:
    """Debian's `virtuoso-t` in the foreground on a private database folder (its own
    virtuoso.ini: loopback ports, no system service involved), the SPARQL user allowed to
    update, as a new user sets it up; answers cut at Debian's default of 10,000 rows."""

    #: what the tests sharing this server last built into it ("seed"), None when unknown
    holds: str | None = None

    def __init__(self, folder: Path) -> None:
        if VIRTUOSO is None or ISQL is None:
            raise RuntimeError("virtuoso-t/isql-vt missing: `make virtuoso` installs Debian's "
                               "virtuoso-opensource (needs root)")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.http_port, self.isql_port = folder, free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.query_url = f"{self.url}/sparql"
        (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
            folder=folder, isql_port=self.isql_port, http_port=self.http_port))
        self.start()
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
        self.own = self.graphs()  # its system graphs

    def start(self) -> None:
        with open(self.folder / "console.log", "ab") as console:  # a pipe would fill up
            self.process = subprocess.Popen(
                [VIRTUOSO, "+foreground", "+configfile", str(self.folder / "virtuoso.ini")],
                cwd=self.folder, stdout=console, stderr=subprocess.STDOUT)
        try:
            wait_until_answers(self.query_url, self.process, timeout=120)
        except RuntimeError as e:
            log = (self.folder / "console.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{e}\n{log}") from None

    def isql(self, statement: str) -> None:
        assert ISQL is not None
        subprocess.run([ISQL, f"127.0.0.1:{self.isql_port}", "dba", "dba",
                        f"exec={statement}"], check=True, capture_output=True, timeout=60)

    def graphs(self) -> set[str]:
        """Every graph holding a triple (Virtuoso answers `GRAPH ?g { }` with nothing)."""
        listed = requests.post(self.query_url, timeout=60, data={
            "query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": JSON}).json()["results"]["bindings"]
        return {row["g"]["value"] for row in listed}

    def clear(self) -> None:
        """Drop every graph but Virtuoso's own: what the tests before left behind."""
        graphs = sorted(self.graphs() - self.own)
        if graphs:
            answer = requests.post(self.query_url, timeout=60, data={
                "update": " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)})
            assert answer.status_code == 200, answer.text

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(30)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """One Virtuoso for the session (it takes seconds to start); tests use graphs of their
    own base IRI where they must not see each other's."""
    if VIRTUOSO is None or ISQL is None:
        message = ("Debian's virtuoso-opensource is not installed: run `make virtuoso` (as root "
                   "it installs what is missing)")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()
