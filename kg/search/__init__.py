"""Full-text search over the merged graph: an index written beside the store by each build.

`kg.search.index` writes it (tantivy, in `<build>/search/`), `kg.search.engine` answers
searches from it (ranking, fuzzy and prefix matching, highlighting and facet counts are
tantivy's), and `kg.search.sparql` lends it to SPARQL as the function `kg:search`.
"""

from __future__ import annotations

from kg.search.engine import Hit, SearchIndex, SearchResult, open_index
from kg.search.index import INDEX_DIR, write_index

__all__ = ["INDEX_DIR", "Hit", "SearchIndex", "SearchResult", "open_index", "write_index"]
