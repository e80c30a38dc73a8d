"""scholarkg: researcher profile pages → a scholarly knowledge graph served over SPARQL.

`kg.query(sparql, store)` and `kg.dataset(store)` are the Python API (`kg.api`), imported on
first use so that `import kg.config` and the server's workers do not load rdflib for it.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "dataset", "query"]


def __getattr__(name: str) -> Any:
    if name in ("dataset", "query"):
        from kg import api

        return getattr(api, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
