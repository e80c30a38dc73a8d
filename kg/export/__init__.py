"""Publish the graph: dump files, their VoID/DCAT description and a SHACL report (last stage).

`export` writes into a folder that `kg serve --dumps` serves at /dumps/, replacing the dumps
of any earlier export there. Each file is written under a temporary name and renamed, so a
reader never sees half a file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat, serialize

from kg.config import DEFAULT_LICENSE, VOID_FILE
from kg.export.dumps import DUMP_NAME, write_dump
from kg.formats import DUMPS
from kg.mapping.vocab import prefix_map
from kg.metadata.context import CONTEXT_PATH, context
from kg.metadata.void import REPORT_FILE, DumpFile, Release, void_description
from kg.store.local import open_read_only
from kg.store.validate import validate_store


@dataclass
class ExportReport:
    dumps: list[DumpFile]
    void: Path
    #: the SHACL report and its verdict; None when the export skipped validation
    report: Path | None
    conforms: bool | None
    seconds: float


def export(
    store_dir: Path,
    out_dir: Path,
    formats: Iterable[str] = DUMPS,
    *,
    compress: bool = False,
    license_iri: str = DEFAULT_LICENSE,
    validate: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ExportReport:
    """Write dumps of the store at `store_dir` into `out_dir`, with VoID and a SHACL report.

    The report (`kg.store.validate`, a chunk of the graph at a time) costs more than the dumps.
    `validate=False` skips it and removes the report of an earlier export, which would describe
    another graph.

    Raises StoreError when there is no store.
    """
    started = time.perf_counter()
    store, info = open_read_only(store_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dumps = []
    for fmt in formats:
        if progress:
            progress(fmt)
        dumps.append(write_dump(store, info.base, fmt, out_dir, compress))
    _write(out_dir / CONTEXT_PATH,
           json.dumps({"@context": context(info.base)}, indent=2).encode() + b"\n")
    _remove_other_dumps(out_dir, dumps)
    release = Release(info.base, created=info.built_at, modified=info.built_at,
                      license=license_iri, report=validate)
    description = void_description(store, release, dumps)
    with (out_dir / (VOID_FILE + ".partial")).open("wb") as f:
        serialize(description, f, RdfFormat.TURTLE,
                  prefixes=prefix_map("void"))
    (out_dir / (VOID_FILE + ".partial")).replace(out_dir / VOID_FILE)
    if not validate:
        (out_dir / REPORT_FILE).unlink(missing_ok=True)
        return ExportReport(dumps, out_dir / VOID_FILE, None, None,
                            time.perf_counter() - started)
    if progress:
        progress("the SHACL report")
    validation = validate_store(store, info.base)
    _write(out_dir / REPORT_FILE, validation.turtle())
    return ExportReport(dumps, out_dir / VOID_FILE, out_dir / REPORT_FILE, validation.conforms,
                        time.perf_counter() - started)


def _remove_other_dumps(out_dir: Path, written: list[DumpFile]) -> None:
    """An export replaces the folder's dumps: files of another release must not linger."""
    keep = {d.path.name for d in written}
    for path in out_dir.glob(f"{DUMP_NAME}.*"):
        if path.name not in keep:
            path.unlink()


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
