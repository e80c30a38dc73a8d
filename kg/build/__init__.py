"""Build the graph from profile files (third stage: parse → map → build → serve).

`plan` decides what to parse and what to keep from the previous build; `profiles` parses and
maps each file once, in this process or in worker processes; `local` loads a store aside and
swaps it in, `remote` uploads into a SPARQL server and switches in one transaction; both end
with `finish` (term sets, merged graph, validation, figures) and record `build.json`
(`kg.store.manifest`).
"""

from kg.build.local import build
from kg.build.remote import build_remote
from kg.build.report import BuildReport

__all__ = ["BuildReport", "build", "build_remote"]
