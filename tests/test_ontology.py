"""The ontology defines every term the code mints, with a label and a comment."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from conftest import BASE, select
from kg.config import ONTOLOGY_DIR
from kg.mapping.vocab import KG, KG_TERMS, ONTOLOGY


def test_every_term_is_defined_with_label_and_comment():
    g = Graph().parse(ONTOLOGY_DIR / "kg.ttl", publicID=BASE)
    ns = KG
    defined = {str(s)[len(ns):] for s in g.subjects(RDF.type, None) if str(s).startswith(ns)}
    assert defined == set(KG_TERMS)
    for term in KG_TERMS:
        iri = URIRef(ns + term)
        assert g.value(iri, RDFS.label) and g.value(iri, RDFS.comment), term
    assert (URIRef(ONTOLOGY), RDF.type, OWL.Ontology) in g


def test_every_kg_term_in_the_seed_graph_is_defined(store):
    ns = KG
    used = {r["t"][len(ns):] for r in select(store, f"""SELECT DISTINCT ?t {{
        {{ ?s ?t ?o }} UNION {{ ?s a ?t }} FILTER(STRSTARTS(STR(?t), "{ns}")) }}""")}
    assert used <= set(KG_TERMS)
    assert {"hIndex", "Authorship", "hasSourceCode", "Listing", "lists"} <= used
