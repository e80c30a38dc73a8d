"""A store that cannot be written: one line saying why, exit 1, the previous store intact
(issue 16, item 9). Each case ended in a traceback before."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from conftest import AS_OF, DATA, ROOT, SEED
from servers import free_port, wait_until_answers

KG = [sys.executable, "-m", "kg"]


def kg_build(*args: str, limit_file_size: int | None = None) -> subprocess.CompletedProcess:
    def limited() -> None:  # as a full disk does, writes past the limit fail (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run([*KG, "build", *args, "--as-of", AS_OF.isoformat(),
                           "--no-keyphrases"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, preexec_fn=limited if limit_file_size else None)


def test_a_store_whose_parent_is_a_file(tmp_path: Path):
    """Regression: `--store FILE/store` ended in FileExistsError."""
    file = tmp_path / "file"
    file.write_text("not a folder")
    done = kg_build(str(SEED), "--store", str(file / "store"))
    assert (done.returncode, done.stderr) == (
        1, f"kg: {file / 'store'}: {file} is a file, not a folder\n")


def test_a_store_under_proc():
    """Regression: `--store /proc/kgstore` ended in FileNotFoundError."""
    done = kg_build(str(SEED), "--store", "/proc/kgstore")
    assert (done.returncode, done.stderr) == (
        1, "kg: /proc/kgstore: cannot make a store there (No such file or directory: "
           "/proc/.kgstore.lock)\n")


def test_a_write_that_fails_mid_build_leaves_the_store_as_it_was(tmp_path: Path):
    """Regression: a full disk ended the build in RocksDB's OSError traceback. A limit on the
    size of a file the process writes fails the same writes, the same way, on any machine."""
    store = tmp_path / "store"
    assert kg_build(str(SEED), "--store", str(store)).returncode == 0
    before = store.resolve()
    done = kg_build(str(SEED), str(DATA / "second_profile.txt"), "--store", str(store),
                    limit_file_size=64 << 10)
    assert (done.returncode, done.stderr) == (
        1, f"kg: {store}: cannot write the new store (File too large); the store is "
           "unchanged\n")
    assert store.resolve() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".store.lock", "store", before.name])
    stats = subprocess.run([*KG, "stats", "--store", str(store), "--json"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert '"profiles": 1' in stats.stdout


def test_a_killed_server_leaves_no_snapshot_for_long(tmp_path: Path):
    """Regression: a memory-mode server killed with SIGKILL left /tmp/kg-serve-*/snapshot.trig
    (a copy of the whole graph) for good; the next server removes it."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    data = tmp_path / "data.ttl"
    data.write_text("<http://example.org/s> <http://example.org/p> 1 .\n")
    env = {**os.environ, "TMPDIR": str(scratch)}

    def serve() -> subprocess.Popen:
        port = free_port()
        process = subprocess.Popen([*KG, "serve", "--data", str(data), "--port", str(port),
                                    "--workers", "1"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_answers(f"http://127.0.0.1:{port}/sparql", process)
        return process

    first = serve()
    first.kill()
    first.wait(10)
    (left,) = scratch.glob(f"kg-serve-{first.pid}-*")
    assert (left / "snapshot.trig").is_file()
    second = serve()
    try:
        assert not left.exists()
        assert [p.name.split("-")[2] for p in scratch.glob("kg-serve-*")] == [str(second.pid)]
    finally:
        second.terminate()
        second.wait(10)
