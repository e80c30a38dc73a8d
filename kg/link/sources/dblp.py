"""dblp (https://dblp.org/rdf/schema#): its SPARQL endpoint, or its RDF dump read aside.

Persons are found by `dblp:primaryCreatorName` or `dblp:creatorName`. dblp gives namesakes
numbered names (`Wei Peng 0002`) and keeps the bare name for an `AmbiguousCreator` proxy whose
`possibleActualCreator`s are the namesakes: a look-up of `Wei Peng` follows the proxy to all of
them, so every namesake is scored and the wrong ones refused with their evidence. An
author's place in a work's byline is its signature's `dblp:signatureOrdinal`.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad
from unidecode import unidecode

from kg.link.identifiers import doi_iri, orcid_iri, wikidata_iri
from kg.link.sources.sparql import Queries
from kg.mapping.vocab import DBLP, RDF_TYPE, prefix_lines

NAME = "dblp"
TITLE = "dblp computer science bibliography"
DATASET = "https://dblp.org"
_PREFIXES = prefix_lines("dblp")

#: the predicates the queries below use: all a dump needs to keep
KEEP = frozenset(NamedNode(DBLP + p) for p in (
    "primaryCreatorName", "creatorName", "possibleActualCreator", "authoredBy", "title",
    "yearOfPublication", "doi", "wikidata", "orcid", "hasSignature", "signatureCreator",
    "signatureOrdinal")) | {RDF_TYPE}
_CLASSES = frozenset(NamedNode(DBLP + c) for c in ("Person", "AmbiguousCreator"))


def keep_quad(quad: Quad) -> bool:
    """Of the rdf:type triples, only the classes the queries ask for."""
    return quad.predicate != RDF_TYPE or quad.object in _CLASSES


def _name_terms(name: str) -> list[Literal]:
    return [Literal(n) for n in dict.fromkeys((name, unidecode(name)))]


def _year(term: object) -> int | None:
    text = getattr(term, "value", "")[:4]
    return int(text) if text.isdigit() else None


def _id_of(variable: str, term: object) -> str | None:
    value = getattr(term, "value", "")
    return {"doi": doi_iri, "orcid": orcid_iri, "wikidata": wikidata_iri}.get(
        variable, lambda _v: None)(value)


QUERIES = Queries(
    persons=_PREFIXES + """SELECT DISTINCT ?person {
  {values}
  ?creator dblp:primaryCreatorName|dblp:creatorName ?name .
  { ?creator a dblp:Person . BIND(?creator AS ?person) }
  UNION
  { ?creator a dblp:AmbiguousCreator ; dblp:possibleActualCreator ?person }
}""",
    works=_PREFIXES + """SELECT ?work ?title ?year ?doi ?wikidata {
  {values}
  ?work dblp:authoredBy ?person ; dblp:title ?title .
  OPTIONAL { ?work dblp:yearOfPublication ?year }
  OPTIONAL { ?work dblp:doi ?doi }
  OPTIONAL { ?work dblp:wikidata ?wikidata }
}""",
    authors=_PREFIXES + """SELECT ?work ?person ?name ?ordinal {
  {values}
  ?work dblp:authoredBy ?person .
  ?person dblp:primaryCreatorName ?name .
  OPTIONAL { ?work dblp:hasSignature ?signature .
             ?signature dblp:signatureCreator ?person ; dblp:signatureOrdinal ?ordinal }
}""",
    details=_PREFIXES + """SELECT ?person ?name ?orcid ?wikidata {
  {values}
  ?person dblp:primaryCreatorName|dblp:creatorName ?name .
  OPTIONAL { ?person dblp:orcid ?orcid }
  OPTIONAL { ?person dblp:wikidata ?wikidata }
}""",
    name_terms=_name_terms,
    year=_year,
    id_of=_id_of,
)
