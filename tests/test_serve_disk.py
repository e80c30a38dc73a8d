"""`kg serve --mode disk`: a graph too big for a copy per worker, read from a frozen copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conftest import AS_OF, SEED
from kg.cli import main
from kg.errors import KgError
from kg.serve.run import Listen, reads_from_disk
from kg.store.local import read_info
from servers import Server

GRAPHS = "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { } }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _build(sources: Path, store: Path) -> None:
    subprocess.run([sys.executable, "-m", "kg", "build", str(sources), "--store", str(store),
                    "--as-of", AS_OF.isoformat()], check=True, capture_output=True)


def _seed_store(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding the seed profile, and a store built from it."""
    sources, store = tmp_path / "profiles", tmp_path / "store"
    sources.mkdir()
    shutil.copy(SEED, sources)
    _build(sources, store)
    return sources, store


def _assert_zhao_page(server: Server) -> None:
    """The seed owner's page answers: the server's own reads (not its workers') work."""
    page = requests.get(f"{server.url}/profile/000_4bcbefa2e1da6666", timeout=10,
                        headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Guoying Zhao" in page.text


def _assert_stopped_cleanly(server: Server, copy: Path) -> None:
    """A server stopped as asked exits 0 and removes its frozen copy."""
    assert server.process.returncode == 0
    assert not copy.exists()


def test_disk_mode_serves_a_frozen_copy_that_outlives_a_rebuild(tmp_path: Path):
    sources, store = _seed_store(tmp_path)
    first = store.resolve()
    server = Server("--store", str(store), "--mode", "disk", "--workers", "1", "--timeout", "1")
    try:
        copy = first.with_name(f"{first.name}.serve-{server.process.pid}")
        assert (copy / "oxigraph").is_dir()
        assert server.count() == "50"
        assert server.count(GRAPHS) == "3"  # the profile and two term sets
        shutil.copy(SEED, sources / "second.txt")
        _build(sources, store)  # swaps the store; the build it replaced stays until the next
        _build(sources, store)  # which removes the build the server started on
        assert not first.exists() and copy.is_dir()  # a live server's copy is not stale
        # a query past the limit: its worker is killed and a fresh one opens the copy again,
        # which it could not do had the server read the build it started on
        assert server.query(RUNAWAY).status_code == 504
        assert server.count(GRAPHS) == "3"
        home = requests.get(f"{server.url}/", timeout=10)
        counts = read_info(copy).counts  # the build's own figures, not counted again
        assert f'<td class="num">{counts["triples"]}</td>' in home.text
        _assert_zhao_page(server)
    finally:
        server.stop()
    _assert_stopped_cleanly(server, copy)


def test_the_next_build_removes_the_copy_of_a_killed_server(tmp_path: Path):
    sources, store = _seed_store(tmp_path)
    first = store.resolve()
    server = Server("--store", str(store), "--mode", "disk", "--workers", "1")
    copy = first.with_name(f"{first.name}.serve-{server.process.pid}")
    server.process.kill()  # no clean-up
    server.process.wait(10)
    server.process.stdout.close()
    assert copy.is_dir()
    _build(sources, store)
    assert not copy.exists()


def test_disk_mode_refuses_updates(runner, seed_store_dir: Path):
    result = runner.invoke(main, ["serve", "--store", str(seed_store_dir), "--mode", "disk",
                                  "--allow-update", "--port", "0"])
    assert result.exit_code == 1
    assert result.output == ("kg: --allow-update needs the graph in memory (--mode memory): a "
                             "graph served from disk is read-only\n")


def test_mode_is_for_a_built_store(runner, tmp_path: Path):
    data = tmp_path / "d.nt"
    data.write_text("")
    result = runner.invoke(main, ["serve", "--data", str(data), "--mode", "disk"])
    assert result.exit_code == 1
    assert result.output == "kg: --mode is for a built local store (--store DIR)\n"


@pytest.mark.parametrize(("available", "allow_update", "copies"),
                         [(2**20, False, 2), (2**20, True, 3), (2**40, False, 0)])
def test_auto_mode_reads_from_disk_when_the_copies_would_not_fit(
        monkeypatch, seed_store_dir: Path, available: int, allow_update: bool, copies: int):
    monkeypatch.setattr("kg.serve.run._available_memory", lambda: available)
    quads = read_info(seed_store_dir).counts["quads"]
    said: list[str] = []
    listen = Listen("127.0.0.1", 0, 30.0, 2, 8, Path("dumps"), allow_update, None, "auto")
    if allow_update:  # a graph open to updates cannot be read from disk
        with pytest.raises(KgError, match="--allow-update needs the graph in memory"):
            reads_from_disk(seed_store_dir, listen, said.append)
    else:
        assert reads_from_disk(seed_store_dir, listen, said.append) is bool(copies)
    # two workers' copies; the pages' own copy only where updates must reach it
    needed = quads * 350 * copies / 2**20
    assert said == ([f"serving from disk: {copies} in-memory copies of {quads:,} quads would "
                     f"take ~{needed:.3g} MB of the 1 MB available (--mode memory to insist)"]
                    if copies else [])


def test_memory_mode_reads_pages_from_a_frozen_copy(tmp_path: Path):
    """The workers hold the graph in memory; the server's own reads (pages) go to a frozen
    copy on disk, which outlives a rebuild, instead of a third copy in memory."""
    sources, store = _seed_store(tmp_path)
    first = store.resolve()
    server = Server("--store", str(store), "--mode", "memory", "--workers", "1")
    try:
        copy = first.with_name(f"{first.name}.serve-{server.process.pid}")
        assert (copy / "oxigraph").is_dir()
        shutil.copy(SEED, sources / "second.txt")
        _build(sources, store)
        _build(sources, store)  # removes the build the server started on
        assert not first.exists()
        _assert_zhao_page(server)
        assert server.count() == "50"
        assert server.count(GRAPHS) == "3"  # the build it started on, not the rebuilt one
    finally:
        server.stop()
    _assert_stopped_cleanly(server, copy)


def test_memory_mode_with_updates_keeps_the_pages_in_memory(tmp_path: Path):
    _sources, store = _seed_store(tmp_path)
    first = store.resolve()
    server = Server("--store", str(store), "--mode", "memory", "--workers", "1",
                    "--allow-update")
    try:
        assert server.count() == "50"
        assert not first.with_name(f"{first.name}.serve-{server.process.pid}").exists()
    finally:
        server.stop()
