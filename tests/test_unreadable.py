"""Files and folders that cannot be read are problems, never silently dropped (issue 16, 4).

Root reads everything whatever the permissions, so as root the test drops its effective user
to `nobody` around the build (the files then belong to `nobody`, the folder `sub/` to nobody
with no permissions). Every module the build needs is imported first, as root: `nobody` may not
read the Python installation's own folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import AS_OF, SEED
from kg.cli import main
from kg.parse import find_sources

NOBODY = 65534


@contextlib.contextmanager
def as_nobody(folder: Path) -> Iterator[None]:
    """Run the block as `nobody` when this process is root (else as itself)."""
    if os.geteuid() != 0:
        yield
        return
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.fixture()
def profiles() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="kg-unreadable-"))  # in /tmp: nobody may enter
    folder.chmod(0o755)
    (folder / "profiles" / "sub").mkdir(parents=True)
    shutil.copy(SEED, folder / "profiles" / "seed.txt")
    shutil.copy(SEED, folder / "profiles" / "sub" / "other.txt")
    yield folder
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(OSError):
            path.chmod(0o755)
    shutil.rmtree(folder)


def _kg(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def test_an_unreadable_subfolder_dropped_its_profiles_silently(profiles: Path):
    """Regression: a folder whose `sub/` became unreadable rebuilt with exit 0 and "profiles
    removed 1"; now the folder is a `path: reason` problem, exit 1, and nothing is removed."""
    source, store = profiles / "profiles", profiles / "store"
    with as_nobody(profiles):
        first = _kg("build", str(source), "--store", str(store), "--as-of", AS_OF.isoformat(),
                    "--no-keyphrases", "--no-validate")
        assert first.exit_code == 0, first.output
        (source / "sub").chmod(0)
        again = _kg("build", str(source), "--store", str(store), "--as-of",
                    AS_OF.isoformat(), "--no-keyphrases", "--no-validate")
        (source / "sub").chmod(0o755)
        stats = _kg("stats", "--store", str(store), "--json")
    assert again.exit_code == 1
    assert again.stderr == (f"{source / 'sub'}: cannot read this folder (Permission denied)\n"
                            "kg: 1 problem(s) found; nothing was changed\n")
    assert '"profiles": 2' in stats.output


def test_an_unreadable_file_is_a_problem_not_a_traceback(profiles: Path):
    """Regression: an unreadable profile file ended the build in a PermissionError traceback."""
    source = profiles / "profiles"
    with as_nobody(profiles):
        (source / "seed.txt").chmod(0)
        done = _kg("build", str(source), "--store", str(profiles / "store"), "--as-of",
                   AS_OF.isoformat(), "--no-keyphrases")
        (source / "seed.txt").chmod(0o644)
    assert done.exit_code == 1
    assert done.stderr == (f"{source / 'seed.txt'}: cannot read this file (Permission denied)\n"
                           "kg: 1 problem(s) found; nothing was changed\n")


def test_find_sources_lists_readable_profiles_in_order(profiles: Path):
    source = profiles / "profiles"
    assert find_sources([source]) == [source / "seed.txt", source / "sub" / "other.txt"]
