"""Turn the paths a user names (files or folders of them) into an ordered list of profiles."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from kg.errors import KgError, Problem, ProfileError

PROFILE_SUFFIX = ".txt"


def find_sources(paths: Iterable[Path]) -> list[Path]:
    """Profile files under `paths`, sorted and without repeats, so builds are deterministic.

    Raises ProfileError naming every file or folder that cannot be read (a profile skipped
    silently would be dropped from the graph by the next build), KgError for a path that does
    not exist or a folder that holds no profile.
    """
    found: dict[Path, None] = {}
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files = _walk(path, problems)
            if not files and not problems:
                raise KgError(f"{path}: no profile files (*{PROFILE_SUFFIX}) in this folder")
            found.update(dict.fromkeys(files))
        elif path.is_file():
            found[path] = None
        else:
            raise KgError(f"{path}: no such file or folder")
    for file in found:
        try:
            with open(file, "rb"):
                pass
        except OSError as e:
            problems.append(Problem(str(file), None, f"cannot read this file ({e.strerror})"))
    if problems:
        raise ProfileError(problems)
    return list(found)


def _walk(folder: Path, problems: list[Problem]) -> list[Path]:
    """The profile files below `folder`, sorted; each folder that cannot be read is a problem
    (`Path.rglob` passes over them without a word)."""
    def unreadable(error: OSError) -> None:
        problems.append(Problem(str(error.filename), None,
                                f"cannot read this folder ({error.strerror})"))

    files = []
    for root, _dirs, names in os.walk(folder, onerror=unreadable):
        files += [Path(root) / name for name in names if name.endswith(PROFILE_SUFFIX)
                  and (Path(root) / name).is_file()]
    return sorted(files)
