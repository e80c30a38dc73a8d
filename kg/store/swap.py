"""Atomic replacement of a store: build a new folder aside, then swap a symlink in one rename.

`--store DIR` is a symlink to a build folder beside it (`.DIR.build-<time>-<pid>`). Whoever
writes a store — a build, a link run, an incremental rebuild — does so through `build_aside`,
so a failed, refused or killed writer leaves the previous store and its readers untouched. A
server that reads a build from disk does so from a `frozen_copy` of it, which a swap leaves
alone.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Store

from kg.errors import StoreError
from kg.store.local import DATABASE, MANIFEST
from kg.store.manifest import SEARCH_INDEX

#: in a server's copy of a build: locked while the server lives (see `frozen_copy`)
SERVING_LOCK = ".serving"


@contextmanager
def build_aside(store_dir: Path) -> Iterator[Path]:
    """Yield a fresh folder; swap it in when the block ends, remove it if the block raises.

    Raises StoreError when `store_dir` exists and is not a store that kg wrote.
    """
    store_dir = store_dir.absolute()
    if store_dir.exists() and not store_dir.is_symlink():
        raise StoreError(f"{store_dir} exists and is not a store kg build made; "
                         "choose another --store or remove it")
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(store_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    aside = store_dir.parent / f".{store_dir.name}.build-{stamp}-{os.getpid()}"
    aside.mkdir()
    try:
        yield aside
    except BaseException:
        shutil.rmtree(aside, ignore_errors=True)
        raise
    _swap(aside, store_dir)


@contextmanager
def writer_lock(store_dir: Path) -> Iterator[None]:
    """Hold the store's writer lock: one writer (build, link run) at a time, from reading the
    current build to swapping in the new one, so that neither drops the other's work.

    Raises StoreError at once when another writer holds it, or when no store can be made
    there (its parent is a file, a read-only or virtual file system).
    """
    store_dir = store_dir.absolute()
    for parent in store_dir.parents:
        if parent.exists() and not parent.is_dir():
            raise StoreError(f"{store_dir}: {parent} is a file, not a folder")
    try:
        store_dir.parent.mkdir(parents=True, exist_ok=True)
        lock = open(store_dir.parent / f".{store_dir.name}.lock", "a+")
    except OSError as e:
        raise StoreError(f"{store_dir}: cannot make a store there ({e.strerror}: "
                         f"{e.filename})") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{store_dir}: another kg build or kg link is writing this store; "
                             "try again when it is done") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def current_build(store_dir: Path) -> Path | None:
    """The build folder `store_dir` points at, if any."""
    return store_dir.resolve() if store_dir.is_symlink() and store_dir.exists() else None


def _remove_stale_builds(store_dir: Path) -> None:
    """Remove folders left by killed writers (their process is gone), never the current one,
    and the copies of killed servers (nobody holds their lock)."""
    current = current_build(store_dir)
    for folder in store_dir.parent.glob(f".{store_dir.name}.build-*"):
        if ".serve-" in folder.name:
            if not _in_use(folder):
                shutil.rmtree(folder, ignore_errors=True)
            continue
        pid = folder.name.rsplit("-", 1)[-1]
        if folder.resolve() != current and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def frozen_copy(build_dir: Path) -> Iterator[Path]:
    """A private copy of a build for a server that reads it from disk, removed afterwards.

    A rebuild swaps the store and removes the build it replaced, files a server still reads
    included. The copy lies beside the build (RocksDB hard-links its files: it costs next to
    nothing) as `<build>.serve-<pid>`; the server holds a lock in it while it lives, so the
    next build removes the copy of a killed server and never that of a live one.

    Raises OSError when the folder beside the build is not writable.
    """
    copy = build_dir.with_name(f"{build_dir.name}.serve-{os.getpid()}")
    shutil.rmtree(copy, ignore_errors=True)
    try:
        copy.mkdir()
        with open(copy / SERVING_LOCK, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            Store.read_only(str(build_dir / DATABASE)).backup(str(copy / DATABASE))
            shutil.copy2(build_dir / MANIFEST, copy / MANIFEST)
            copy_index(build_dir, copy)
            yield copy
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def copy_index(build_dir: Path, copy: Path) -> None:
    """Give `copy` the search index of `build_dir`, if it has one, as hard links (tantivy
    never rewrites a file in place), so it costs next to nothing and outlives the removal
    of `build_dir`. A link run changes no text the index holds, so its build keeps the index
    of the build it copied.

    Raises OSError when the files cannot be linked or copied.
    """
    index = build_dir / SEARCH_INDEX
    if index.is_dir():
        shutil.copytree(index, copy / SEARCH_INDEX, copy_function=_link_or_copy)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def _in_use(copy: Path) -> bool:
    try:
        with open(copy / SERVING_LOCK, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:  # no lock file: a copy cut short while it was being made
        return False
    return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap(aside: Path, store_dir: Path) -> None:
    """Point `store_dir` at `aside` in one rename, then remove the builds before the one it
    replaced.

    The new build's files are flushed to disk first, so a crash right after the rename cannot
    leave the symlink pointing at a build that is not all there. The build just replaced stays
    until the next swap: RocksDB opens a table's files only when a query first needs them, so a
    reader that opened it before this swap (`kg query`, `kg export`) would otherwise lose files
    it has not read yet. Only folders this module made (`.NAME.build-*` beside the store) are
    ever removed.
    """
    _fsync_tree(aside)
    previous = current_build(store_dir)
    link = store_dir.with_name(f".{store_dir.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(aside.name)
    os.replace(link, store_dir)
    _fsync(store_dir.parent)
    keep = {aside.resolve(), previous}
    for folder in store_dir.parent.glob(f".{store_dir.name}.build-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if ".serve-" in folder.name or folder.resolve() in keep or not pid.isdigit():
            continue
        if int(pid) == os.getpid() or not _alive(int(pid)):  # finished builds, or ours
            shutil.rmtree(folder, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            _fsync(path)
    _fsync(folder)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
