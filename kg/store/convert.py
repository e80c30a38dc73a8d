"""The only code that converts terms between pyoxigraph and rdflib.

pyoxigraph is the engine on every hot path; rdflib is used where its API serves users (pyshacl,
JSON-LD compaction). Conversion goes through lexical forms, so nothing is lost.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib import BNode as RdflibBNode
from rdflib import Literal as RdflibLiteral
from rdflib import URIRef
from rdflib.term import Node

_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: NamedNode | BlankNode | Literal | Triple) -> Node:
    """The rdflib term for a pyoxigraph term (lexical form kept as is).

    Raises TypeError for a quoted triple (RDF 1.2): rdflib has no term for one, and our graphs
    hold none."""
    if isinstance(term, Triple):
        raise TypeError(f"rdflib cannot hold the quoted triple {term}")
    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return RdflibBNode(term.value)
    if term.language:
        return RdflibLiteral(term.value, lang=term.language)
    datatype = term.datatype.value
    return RdflibLiteral(term.value, datatype=None if datatype == _STRING else URIRef(datatype))


def triple_to_rdflib(triple: Triple) -> tuple[Node, Node, Node]:
    return to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)
