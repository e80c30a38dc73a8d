"""Values derived from the served graph, kept once per app and per version of the graph.

A served graph does not change while it is served, except through /update: whatever is costly
to derive from it (the home page's figures, a topic's charts, the service description's graph
sizes, the generated VoID, the /sparql result cache) is worked out once and kept. Every such
value lives here, in one `Memo` per app, under the version of the graph it was derived from
(`ServeConfig.version()`: the build's identity and the count of updates this server applied).
When the version changes every value kept for the old one is dropped at the next look-up, so
no code has to remember to clear its own cache, and a value derived from the old graph while
an update ran is never handed out for the new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

from kg.serve.config import get_config

T = TypeVar("T")

#: `app.extensions` key of the app's Memo
_KEY = "kg.memo"


class Memo:
    """The values kept for one version of one app's graph."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: Hashable = None
        self._values: dict[Hashable, Any] = {}
        #: one lock per name computed `once`: the threads that want it meanwhile wait for it
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, version: Hashable, name: Hashable, compute: Callable[[], T],
            keep: Callable[[T], bool] = lambda value: True, once: bool = False) -> T:
        """The value kept as `name` for `version`, or `compute()` kept as it when `keep` says so.

        `version` must be read before anything `compute` reads of the graph: a value worked out
        while an update replaced the graph is then kept for the old version, which nobody asks
        for again. `compute` runs outside the lock, so a slow one does not hold up the others;
        two threads may both compute a missing value, and the first one kept is the one returned
        — unless `once`: then one computes and the others wait for its value (for a value that
        reads the whole graph: at 10,000 profiles, every visitor computing it at once kept a
        server from starting).
        """
        with self._lock:
            if version != self._version:
                self._version, self._values = version, {}
            if name in self._values:
                value: T = self._values[name]
                return value
            gate = self._computing.setdefault(name, threading.Lock()) if once else None
        if gate is not None:
            with gate:
                with self._lock:
                    if version == self._version and name in self._values:
                        kept_meanwhile: T = self._values[name]
                        return kept_meanwhile
                return self._compute(version, name, compute, keep)
        return self._compute(version, name, compute, keep)

    def _compute(self, version: Hashable, name: Hashable, compute: Callable[[], T],
                 keep: Callable[[T], bool]) -> T:
        value = compute()
        if not keep(value):
            return value
        with self._lock:
            if version != self._version:  # the graph changed meanwhile: not kept
                return value
            kept: T = self._values.setdefault(name, value)
            return kept

    def __len__(self) -> int:
        """How many values are kept (for the current version)."""
        with self._lock:
            return len(self._values)


def app_memo() -> Memo:
    """The current app's Memo, made on first use."""
    memo: Memo | None = current_app.extensions.get(_KEY)
    if memo is None:  # setdefault is atomic: two first requests still share one
        memo = current_app.extensions.setdefault(_KEY, Memo())
    return memo


def memo(name: Hashable, compute: Callable[[], T],
         keep: Callable[[T], bool] = lambda value: True, once: bool = False) -> T:
    """`compute()` once per app and version of the served graph, kept under `name`.

    `keep` decides whether a value is worth keeping (a page's charts only when it has some,
    say, so that every IRI ever asked for does not take a slot).
    """
    return app_memo().get(get_config().version(), name, compute, keep, once)
