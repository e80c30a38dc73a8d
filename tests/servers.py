"""Real servers for tests: free loopback ports, `kg serve` and `oxigraph serve` processes,
waiting until one answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

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
