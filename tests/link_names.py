"""Our papers and persons by the names people give them (`kg.link.local.local_names`), so the
link tests read the same whatever scheme mints the IRIs: `paper/<five title words>-<year>`."""

from __future__ import annotations

from pathlib import Path

from conftest import BASE
from kg.link.local import local_names, read_local
from kg.store import load_in_memory


def names_of(store_dir: Path) -> dict[str, str]:
    """Our IRI → its name, for the store at `store_dir`."""
    store, _ = load_in_memory(store_dir)
    return local_names(read_local(store, BASE), BASE)


def iri_of(store_dir: Path, name: str) -> str:
    """The IRI of the paper or person named `name`."""
    (iri,) = [iri for iri, n in names_of(store_dir).items() if n == name]
    return iri
