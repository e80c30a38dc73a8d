"""Check a graph against the SHACL shapes in `ontology/shapes.ttl` with pyshacl.

pyshacl works on rdflib graphs, so the store's default graph (the merged graph) is handed
over once as N-Triples.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
from pyoxigraph import QueryTriples, RdfFormat, Store
from rdflib import RDF, SH, Graph

from kg.config import ONTOLOGY_DIR
from kg.store.query import run_query

SHAPES = ONTOLOGY_DIR / "shapes.ttl"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: int
    text: str
    graph: Graph


def shapes_graph(base: str, path: Path | None = None) -> Graph:
    return Graph().parse(path or SHAPES, format="turtle", publicID=base)


def validate_store(store: Store, base: str) -> ValidationReport:
    """Validate the store's default graph (the merged graph); the report text is pyshacl's."""
    result = run_query(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", base)
    assert isinstance(result, QueryTriples)
    data = Graph().parse(data=result.serialize(format=RdfFormat.N_TRIPLES), format="nt")
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes_graph(base))
    violations = len(set(report.subjects(RDF.type, SH.ValidationResult)))
    return ValidationReport(bool(conforms), violations, str(text), report)
