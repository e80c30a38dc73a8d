"""Turn the paths a user names (files or folders of them) into an ordered list of profiles."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg.errors import KgError

PROFILE_SUFFIX = ".txt"


def find_sources(paths: Iterable[Path]) -> list[Path]:
    """Profile files under `paths`, sorted and without repeats, so builds are deterministic.

    Raises KgError for a path that does not exist or a folder that holds no profile.
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob(f"*{PROFILE_SUFFIX}") if p.is_file())
            if not files:
                raise KgError(f"{path}: no profile files (*{PROFILE_SUFFIX}) in this folder")
            found.update(dict.fromkeys(files))
        elif path.is_file():
            found[path] = None
        else:
            raise KgError(f"{path}: no such file or folder")
    return list(found)
