"""Read what linking needs from our own graph: papers, persons, and the links other sources
already made (their identifiers are evidence for the next source).
"""

from __future__ import annotations

from collections import defaultdict

from pyoxigraph import NamedNode, Store

from kg.link.model import LocalGraph, LocalPaper, LocalPerson
from kg.mapping.iris import LINK_GRAPHS, title_key
from kg.store.query import solutions

_PAPERS = """
SELECT ?paper (MIN(?t) AS ?title) (MIN(?d) AS ?date) (MAX(?inf) AS ?inferred)
       (MIN(?a) AS ?abstract) {
  ?paper a schema:ScholarlyArticle ; schema:name ?t ; schema:datePublished ?d .
  OPTIONAL { ?paper kg:yearInferred ?i BIND(IF(?i, 1, 0) AS ?inf) }
  OPTIONAL { ?paper schema:abstract ?a }
} GROUP BY ?paper"""

# an authorship names its person with kg:person or schema:item; one without a position is
# a profile's owner that "et al." cut from the list: listed last
_AUTHORS = """
SELECT DISTINCT ?paper ?position ?person ?name {
  ?paper a schema:ScholarlyArticle ; kg:authorship ?role .
  ?role kg:person|schema:item ?person .
  OPTIONAL { ?role schema:position ?position }
  ?person schema:name ?name .
} ORDER BY ?paper (!BOUND(?position)) ?position ?person ?name"""

_OWNERS = """
SELECT DISTINCT ?paper ?person ?name {
  GRAPH ?g { ?page a schema:ProfilePage ; schema:about ?person . ?paper a schema:ScholarlyArticle }
  ?person schema:name ?name .
} ORDER BY ?paper ?person ?name"""

_KNOWN = "SELECT DISTINCT ?g ?local ?external { GRAPH ?g { ?local owl:sameAs ?external } }"


def read_local(store: Store, base: str, current: NamedNode | None = None) -> LocalGraph:
    """Papers and persons of the union of all graphs; `known` leaves out the graph `current`
    (the one being replaced), so a source is never its own evidence."""
    authors: dict[str, dict[str, str]] = defaultdict(dict)
    placed: dict[str, set[str]] = defaultdict(set)  # paper → persons with a byline position
    for row in solutions(store, _AUTHORS, base):
        authors[row["paper"].value].setdefault(row["person"].value, row["name"].value)
        if row["position"] is not None:
            placed[row["paper"].value].add(row["person"].value)
    for row in solutions(store, _OWNERS, base):
        authors[row["paper"].value].setdefault(row["person"].value, row["name"].value)
    papers = {}
    for row in solutions(store, _PAPERS, base):
        iri = row["paper"].value
        date, abstract = row["date"].value, row["abstract"]
        inferred = row["inferred"] is not None and row["inferred"].value == "1"
        month = date[5:7]
        papers[iri] = LocalPaper(
            iri=iri, title=row["title"].value, year=int(date[:4]), year_inferred=inferred,
            authors=tuple(authors[iri].items()),
            month=int(month) if month.isdigit() and not inferred else None,
            abstract=abstract.value if abstract is not None else None,
            listed=len(placed[iri]))
    names: dict[str, set[str]] = defaultdict(set)
    works: dict[str, set[str]] = defaultdict(set)
    for paper in papers.values():
        for person, name in paper.authors:
            names[person].add(name)
            works[person].add(paper.iri)
    persons = {}
    for iri, own in works.items():
        coauthors = {name for paper in own for other, name in papers[paper].authors
                     if other != iri}
        persons[iri] = LocalPerson(iri, tuple(sorted(names[iri])), frozenset(own),
                                   frozenset(coauthors))
    return LocalGraph(papers, persons, _known(store, base, current))


def paper_key(title: str, year: int) -> str:
    """`paper/<first five title words>-<year>`: how a person reads one of our papers, the
    same whatever scheme mints its IRI (the gold set and the tests name papers this way)."""
    words = title_key(title).split()[:5]
    return "paper/" + "-".join([*words, str(year)])


def local_names(local: LocalGraph, base: str) -> dict[str, str]:
    """Our IRI → how people name it: `paper_key` for papers, the IRI's path for persons."""
    names = {iri: paper_key(p.title, p.year) for iri, p in local.papers.items()}
    names.update({iri: iri.removeprefix(base) for iri in local.persons})
    return names


def _known(store: Store, base: str, current: NamedNode | None) -> dict[str, frozenset[str]]:
    known: dict[str, set[str]] = defaultdict(set)
    for row in solutions(store, _KNOWN, base):
        graph = row["g"]
        if graph.value.startswith(base + LINK_GRAPHS) and graph != current:
            known[row["local"].value].add(row["external"].value)
    return {k: frozenset(v) for k, v in known.items()}
