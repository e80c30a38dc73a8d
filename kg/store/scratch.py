"""Scratch folders in the temporary directory that outlive no process for long.

A process killed with SIGKILL runs no clean-up, and a memory-mode server's scratch folder holds
a snapshot of the whole graph. Each folder is named with the process that made it
(`kg-<kind>-<pid>-…`), and whoever makes a new one first removes those whose process is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def scratch_folder(kind: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for `kind` of work, removed when the block ends (context manager)."""
    remove_abandoned(kind)
    return tempfile.TemporaryDirectory(prefix=f"kg-{kind}-{os.getpid()}-")


def make_scratch(kind: str) -> Path:
    """A temporary folder the caller removes (or, if it is killed, the next caller)."""
    remove_abandoned(kind)
    return Path(tempfile.mkdtemp(prefix=f"kg-{kind}-{os.getpid()}-"))


def remove_abandoned(kind: str, root: Path | None = None) -> list[Path]:
    """Remove the `kind` folders of processes that no longer run; returns what it removed."""
    removed = []
    for folder in (root or Path(tempfile.gettempdir())).glob(f"kg-{kind}-*-*"):
        pid = folder.name[len(f"kg-{kind}-"):].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
