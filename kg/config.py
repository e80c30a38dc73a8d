"""Defaults and the places of the project's data files, kept in one spot so every stage agrees."""

from __future__ import annotations

from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: With this base every minted IRI dereferences on the default `kg serve`.
DEFAULT_BASE = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/"

#: where `make build` and every command without --store keep the store, and the dumps
DEFAULT_STORE = Path("data/store")
DEFAULT_DUMPS = Path("data/dumps")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
QUERIES_DIR = PROJECT_ROOT / "queries"

#: what `kg export` writes and the server publishes
DUMP_FORMATS = ("nq", "trig", "ttl", "nt", "jsonld")
VOID_FILE = "void.ttl"
DEFAULT_LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
