"""Wikidata, in its own model: its query service, or a truthy N-Triples subset read aside.

Persons (`wdt:P31 wd:Q5`) are found by English or multilingual label or alias; works by
`wdt:P50` (author), with `wdt:P1476` (title) and `wdt:P577` (date). Authors Wikidata has no item
for are `wdt:P2093` name strings: they count for author overlap but are nobody to link to.
Persons carry `wdt:P496` (ORCID), `wdt:P2456` (dblp) and `wdt:P10283` (OpenAlex), and works
`wdt:P356` (DOI): identifiers another source may already have linked.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad
from unidecode import unidecode

from kg.link.identifiers import dblp_person_iri, doi_iri, openalex_iri, orcid_iri
from kg.link.sources.sparql import Queries
from kg.mapping.vocab import RDFS, SKOS, WD, WDT, prefix_lines

NAME = "wikidata"
TITLE = "Wikidata"
DATASET = "http://www.wikidata.org/"
RDFS_LABEL = NamedNode(RDFS + "label")
SKOS_ALT = NamedNode(SKOS + "altLabel")
LANGUAGES = ("en", "mul")
_PREFIXES = prefix_lines("wikidata")
_P31 = NamedNode(WDT + "P31")
_HUMAN = NamedNode(WD + "Q5")

KEEP = frozenset(NamedNode(WDT + p) for p in (
    "P31", "P1476", "P50", "P2093", "P577", "P356", "P496", "P2456", "P10283")) | {
    RDFS_LABEL, SKOS_ALT}


def keep_quad(quad: Quad) -> bool:
    """Of P31, only humans; of labels, only English and multilingual ones."""
    if quad.predicate == _P31:
        return quad.object == _HUMAN
    if quad.predicate in (RDFS_LABEL, SKOS_ALT):
        return getattr(quad.object, "language", None) in LANGUAGES
    return True


def _name_terms(name: str) -> list[Literal]:
    return [Literal(n, language=lang) for n in dict.fromkeys((name, unidecode(name)))
            for lang in LANGUAGES]


def _year(term: object) -> int | None:
    text = getattr(term, "value", "").lstrip("+")[:4]
    return int(text) if text.isdigit() else None


def _id_of(variable: str, term: object) -> str | None:
    value = getattr(term, "value", "")
    return {"doi": doi_iri, "orcid": orcid_iri, "dblp": dblp_person_iri,
            "openalex": openalex_iri}.get(variable, lambda _v: None)(value)


_LABEL = 'FILTER(LANG(?name) IN ("en", "mul"))'

QUERIES = Queries(
    persons=_PREFIXES + """SELECT DISTINCT ?person {
  {values}
  ?person rdfs:label|skos:altLabel ?name ; wdt:P31 wd:Q5 .
}""",
    works=_PREFIXES + """SELECT ?work ?title ?year ?doi {
  {values}
  ?work wdt:P50 ?person ; wdt:P1476 ?title .
  OPTIONAL { ?work wdt:P577 ?year }
  OPTIONAL { ?work wdt:P356 ?doi }
}""",
    authors=_PREFIXES + f"""SELECT ?work ?person ?name {{
  {{values}}
  {{ ?work wdt:P50 ?person . ?person rdfs:label ?name {_LABEL} }}
  UNION
  {{ ?work wdt:P2093 ?name }}
}}""",
    details=_PREFIXES + f"""SELECT ?person ?name ?orcid ?dblp ?openalex {{
  {{values}}
  OPTIONAL {{ ?person rdfs:label|skos:altLabel ?name {_LABEL} }}
  OPTIONAL {{ ?person wdt:P496 ?orcid }}
  OPTIONAL {{ ?person wdt:P2456 ?dblp }}
  OPTIONAL {{ ?person wdt:P10283 ?openalex }}
}}""",
    name_terms=_name_terms,
    year=_year,
    id_of=_id_of,
)
