"""The embedded Oxigraph store: open it, query it, replace graphs in it atomically."""

from kg.store.local import StoreInfo, load_in_memory, open_read_only, read_info
from kg.store.query import run_query
from kg.store.stats import graph_stats
from kg.store.validate import validate_store

__all__ = [
    "StoreInfo",
    "graph_stats",
    "load_in_memory",
    "open_read_only",
    "read_info",
    "run_query",
    "validate_store",
]
