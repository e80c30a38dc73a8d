"""The embedded Oxigraph store: build it atomically, open it, query it (third stage)."""

from kg.store.build import BuildReport, build
from kg.store.local import StoreInfo, load_in_memory, open_read_only, read_info
from kg.store.query import run_query
from kg.store.stats import graph_stats
from kg.store.validate import validate_store

__all__ = [
    "BuildReport",
    "StoreInfo",
    "build",
    "graph_stats",
    "load_in_memory",
    "open_read_only",
    "read_info",
    "run_query",
    "validate_store",
]
