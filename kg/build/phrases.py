"""Key phrases shared by the processes of a build, and kept from one build to the next.

Ranking a paper's key phrases costs ~3 ms, ten times the rest of its parsing and mapping, and a
paper is listed on the profile of each of its authors who has one. One process remembers the
papers it ranked (`kg.mapping.keyphrases`), but the build's workers are several processes, and
the next build is another: so the phrases also go into an SQLite file in the store's folder,
read by every worker and carried into the next build. The file's name holds the fingerprint of
the mapping code, so phrases ranked by other code are never reused.

The cache only saves time: when SQLite fails (a locked or damaged file), the phrases are
ranked again and the build goes on.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

#: how long a worker waits for another's write (they are a few hundred bytes each)
_BUSY_MS = 10_000


def phrases_file(folder: Path, fingerprint: str) -> Path:
    """Where a build in `folder` keeps the phrases ranked by the mapping code `fingerprint`."""
    return folder / f"keyphrases-{fingerprint}.sqlite"


def carry_over(previous: Path | None, aside: Path, fingerprint: str) -> Path:
    """The phrases file of the build being made in `aside`, started from the previous build's
    when the same code ranked them."""
    target = phrases_file(aside, fingerprint)
    if previous is not None:
        source = phrases_file(previous.resolve(), fingerprint)
        if source.is_file():
            try:
                shutil.copyfile(source, target)
            except OSError as e:
                log.warning("key phrases of the previous build not reused: %s", e)
    return target


class SharedPhrases:
    """`get`/`put` of phrases by a digest of the text they were ranked from."""

    def __init__(self, path: Path) -> None:
        self._db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # a lost cache costs time, not data
            db.execute("CREATE TABLE IF NOT EXISTS phrases (key BLOB PRIMARY KEY, "
                       "phrases TEXT NOT NULL) WITHOUT ROWID")
            self._db = db
        except sqlite3.Error as e:
            self._failed(e)

    def get(self, key: bytes) -> list[str] | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT phrases FROM phrases WHERE key = ?",
                                   (key,)).fetchone()
        except sqlite3.Error as e:
            self._failed(e)
            return None
        return None if row is None else (row[0].split("\n") if row[0] else [])

    def put(self, key: bytes, phrases: list[str]) -> None:
        if self._db is None:
            return
        try:
            self._db.execute("INSERT OR IGNORE INTO phrases VALUES (?, ?)",
                             (key, "\n".join(phrases)))
        except sqlite3.Error as e:
            self._failed(e)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _failed(self, error: sqlite3.Error) -> None:
        log.warning("key-phrase cache off for this process: %s", error)
        if self._db is not None:
            self._db.close()
        self._db = None
