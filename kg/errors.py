"""The one error hierarchy of scholarkg.

Every error a user can cause is a `KgError`; the CLI prints it as one line and exits 1. Anything
else is a bug of ours and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class KgError(Exception):
    """A problem the user can fix: bad input, a missing store, a bad option value."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or doubtful) in a source file, at a line, for a reason; a file or
    folder that cannot be read at all has no line (`line` is None)."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"


class ProfileError(KgError):
    """One or more problems found in profile files; `problems` holds all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StoreError(KgError):
    """The store is missing, locked, or not a scholarkg store."""


class StoreTimeout(StoreError):
    """A remote store did not answer in time."""


class StoreRefused(StoreError):
    """A remote store answered a request with an HTTP error; `status` is its code."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class QueryError(KgError):
    """A SPARQL query the engine refused; the message holds the parser's line and column."""


class SearchError(KgError):
    """A search that cannot be answered: no words to look for, too long, a bad filter, or a
    store without a search index (a remote store, an RDF file served with --data)."""
