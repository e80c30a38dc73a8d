"""Build the graph from profile files (third stage: parse → map → build → serve).

`plan` decides what to parse and what to keep from the previous build; `profiles` parses and
maps each file once, in this process or in worker processes; `local` loads a store aside and
swaps it in, `remote` uploads into a SPARQL server and switches in one transaction; both end
with `finish` (term sets, merged graph, validation, figures) and record `build.json`
(`kg.store.manifest`).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from kg.build.local import build_local
from kg.build.options import Options
from kg.build.remote import STALE_AFTER, build_remote
from kg.build.report import BuildReport, Progress
from kg.errors import KgError
from kg.store.remote import RemoteStore

__all__ = ["BuildReport", "Options", "build"]


def build(
    sources: list[Path],
    store: Path | RemoteStore,
    *,
    base: str,
    as_of: date,
    skip_invalid: bool = False,
    keyphrases: bool = True,
    validate: bool = True,
    progress: Progress | None = None,
    full: bool = False,
    workers: int | None = None,
    stale_after: timedelta = STALE_AFTER,
) -> BuildReport:
    """Build `sources` into a local store (a folder) or a SPARQL server.

    Locally the build is incremental when it can be (`full` forces a complete one) and may
    parse in `workers` processes; into a server every profile graph is replaced, and staged
    graphs older than `stale_after` (a dead build's) are dropped first. Raises ProfileError
    with every problem of every file (unless `skip_invalid`) and every violation of the
    shapes, KgError when no profile is valid or `full` is asked of a server, StoreError when
    the store is not ours to replace or the server fails.
    """
    options = Options(base, as_of, skip_invalid, keyphrases, validate, progress)
    if isinstance(store, RemoteStore):
        if full:
            raise KgError("--full is for a local store: a build into a SPARQL server always "
                          "replaces every profile graph")
        return build_remote(sources, store, options, stale_after)
    return build_local(sources, store, options, full=full, workers=workers)
