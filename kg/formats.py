"""The one table of RDF file formats: suffix, name, media type, pyoxigraph format.

Dumps, entity documents, content negotiation, `kg diff` and the loading of RDF files all read
it, so a format added here is added everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import RdfFormat


@dataclass(frozen=True)
class RdfFile:
    suffix: str
    name: str
    media_type: str
    rdf_format: RdfFormat
    #: whether it holds named graphs (a dataset), not a single graph
    quads: bool


TABLE = (
    RdfFile("nq", "N-Quads", "application/n-quads", RdfFormat.N_QUADS, True),
    RdfFile("trig", "TriG", "application/trig", RdfFormat.TRIG, True),
    RdfFile("ttl", "Turtle", "text/turtle", RdfFormat.TURTLE, False),
    RdfFile("nt", "N-Triples", "application/n-triples", RdfFormat.N_TRIPLES, False),
    RdfFile("jsonld", "JSON-LD", "application/ld+json", RdfFormat.JSON_LD, False),
    RdfFile("rdf", "RDF/XML", "application/rdf+xml", RdfFormat.RDF_XML, False),
)
BY_SUFFIX = {f.suffix: f for f in TABLE}
#: what `kg export` writes, in this order (RDF/XML is served, not dumped: JSON-LD serves its
#: readers, and one dump per format is enough to maintain)
DUMPS = ("nq", "trig", "ttl", "nt", "jsonld")
#: the forms of a single graph, as entity documents are offered
GRAPH_FILES = tuple(f for f in TABLE if not f.quads)


def of_file(name: str) -> RdfFile | None:
    """The format of a file named `name` (`.gz` aside); None for an unknown suffix."""
    stem = name.removesuffix(".gz")
    return BY_SUFFIX.get(stem.rsplit(".", 1)[-1]) if "." in stem else None
