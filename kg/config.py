"""Defaults and the places of the project's data files, kept in one spot so every stage agrees."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kg.formats import DUMPS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: With this base every minted IRI dereferences on the default `kg serve`.
DEFAULT_BASE = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/"

#: where `make build` and every command without --store keep the store, and the dumps
DEFAULT_STORE = Path("data/store")
DEFAULT_DUMPS = Path("data/dumps")
#: what `--sparql-paths` defaults to: Oxigraph server's query, update and Graph Store paths
DEFAULT_SPARQL_PATHS = "/query,/update,/store"

#: The package's own folder, found by importlib.resources so that an installed wheel reads its
#: own copy. A wheel installs as files (never zipped), so this is a real folder, as pyshacl,
#: `glob` and Flask's `send_from_directory` need.
PACKAGE_DIR = Path(str(resources.files("kg")))
#: `ontology/` and `queries/` live at the top of the repository; `kg/ontology` and `kg/queries`
#: are symlinks to them, so a checkout and the wheel (which ships them as files) agree.
ONTOLOGY_DIR = PACKAGE_DIR / "ontology"
QUERIES_DIR = PACKAGE_DIR / "queries"
#: the pinned Yasgui build, copied out of node_modules/ by `make setup` and shipped in the wheel
YASGUI_DIR = PACKAGE_DIR / "serve" / "yasgui" / "build"

#: what `kg export` writes and the server publishes
DUMP_FORMATS = DUMPS
VOID_FILE = "void.ttl"
DEFAULT_LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
