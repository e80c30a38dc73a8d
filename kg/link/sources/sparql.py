"""Fetch candidates from a source that speaks SPARQL, in four rounds of batched queries.

Looking up every title of ours is not possible on a large endpoint (no portable text search),
so retrieval starts from people: (1) the persons whose name is one of our names, (2) their
works, (3) the authors of those works, (4) the names and identifiers of all those persons.
Every work of a profile has the profile's owner among its authors, so step 2 reaches the works
of the graph; step 3 reaches co-authors whatever their name's spelling or homonym number.
Values go into the query as VALUES rows written by pyoxigraph, never pasted as text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from kg.link.backends import Row, Sparql, TaskProgress
from kg.link.identifiers import ARXIV_DOI, arxiv_id
from kg.link.model import LocalGraph, RefAuthor, Reference, RefPerson, RefWork

#: the rank of an author whose place in the byline the source does not state (sorted last)
UNPLACED = 1 << 20
#: (variable name, term) → identifier IRI, or None to ignore it
IdOf = Callable[[str, object], str | None]


@dataclass(frozen=True)
class Queries:
    """One source's four queries; `{values}` is replaced by a VALUES block.

    - `persons`: VALUES ?name → ?person
    - `works`: VALUES ?person → ?work ?title, optional ?year and identifier variables
    - `authors`: VALUES ?work → ?work ?name, optional ?person and ?ordinal
    - `details`: VALUES ?person → ?person ?name, optional identifier variables
    """

    persons: str
    works: str
    authors: str
    details: str
    name_terms: Callable[[str], list[Literal]]
    year: Callable[[object], int | None]
    id_of: IdOf
    batch: int = 40


def _values(variable: str, terms: Iterable[object]) -> str:
    rows = " ".join(str(t) for t in terms)
    return f"VALUES ?{variable} {{ {rows} }}"


def _batches(items: Sequence[object], size: int) -> Iterable[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _run(sparql: Sparql, template: str, variable: str, terms: Sequence[object], size: int,
         progress: TaskProgress, task: str) -> list[Row]:
    rows: list[Row] = []
    done = 0
    progress(task, 0, len(terms))
    for batch in _batches(terms, size):
        rows.extend(sparql.select(template.replace("{values}", _values(variable, batch))))
        done += len(batch)
        progress(task, done, len(terms))
    return rows


def _value(row: Row, name: str) -> str | None:
    value = getattr(row.get(name), "value", None)
    return value if isinstance(value, str) else None


def retrieve(sparql: Sparql, q: Queries, local: LocalGraph, progress: TaskProgress) -> Reference:
    """The works and persons of the source that could match something of `local`.

    Raises KgError (from `sparql`) when the endpoint cannot be reached or answers badly.
    """
    names = sorted({t for name in local.names() for t in q.name_terms(name)}, key=str)
    rows = _run(sparql, q.persons, "name", names, q.batch, progress, "looking up names")
    named = sorted({p for p in (_value(r, "person") for r in rows) if p is not None})
    reference = Reference(named=set(named))
    works = _works(sparql, q, named, progress)
    authors = _authors(sparql, q, sorted(works), progress)
    for iri, (title, year, ids) in works.items():
        listed = sorted(authors.get(iri, {}))
        reference.works[iri] = RefWork(
            iri, title, year,
            tuple(_dedupe(RefAuthor(n, p or None, r if r < UNPLACED else None)
                          for r, n, p in listed)), ids,
            preprint=_preprint(iri, ids))
    people = sorted(set(named) | {p for a in authors.values() for _, _, p in a if p})
    for person, (names_found, ids) in _people(sparql, q, people, progress).items():
        names_found = names_found or {n for a in authors.values() for _, n, p in a
                                      if p == person}
        reference.persons[person] = RefPerson(person, tuple(sorted(names_found)), ids)
    return reference


def _works(sparql: Sparql, q: Queries, persons: list[str], progress: TaskProgress
           ) -> dict[str, tuple[str, int | None, frozenset[str]]]:
    """work → (title, year, identifiers) for the works of `persons`."""
    titles: dict[str, set[str]] = defaultdict(set)
    years: dict[str, set[int]] = defaultdict(set)
    ids: dict[str, set[str]] = defaultdict(set)
    for row in _run(sparql, q.works, "person", [NamedNode(p) for p in persons], q.batch,
                    progress, "fetching their works"):
        iri, title = _value(row, "work"), _value(row, "title")
        if iri is None or title is None:
            continue
        titles[iri].add(title)
        year = q.year(row["year"]) if row.get("year") is not None else None
        if year is not None:
            years[iri].add(year)
        ids[iri].update(_ids(row, q.id_of))
    return {iri: (min(titles[iri]), min(years[iri], default=None), frozenset(ids[iri]))
            for iri in titles}


def _authors(sparql: Sparql, q: Queries, works: list[str], progress: TaskProgress
             ) -> dict[str, dict[tuple[int, str, str], None]]:
    """work → its authors as (ordinal or a large number, name, person IRI or "")."""
    authors: dict[str, dict[tuple[int, str, str], None]] = defaultdict(dict)
    for row in _run(sparql, q.authors, "work", [NamedNode(w) for w in works], q.batch,
                    progress, "fetching their authors"):
        work, name = _value(row, "work"), _value(row, "name")
        if work is None or name is None:
            continue
        ordinal = _value(row, "ordinal")
        rank = int(ordinal) if ordinal and ordinal.isdigit() else UNPLACED
        authors[work][(rank, name, _value(row, "person") or "")] = None
    return authors


def _people(sparql: Sparql, q: Queries, people: list[str], progress: TaskProgress
            ) -> dict[str, tuple[set[str], frozenset[str]]]:
    """person → (names, identifiers) from the source's person records."""
    names: dict[str, set[str]] = {p: set() for p in people}
    ids: dict[str, set[str]] = defaultdict(set)
    for row in _run(sparql, q.details, "person", [NamedNode(p) for p in people], q.batch,
                    progress, "fetching person records"):
        person = _value(row, "person")
        if person not in names:
            continue
        name = _value(row, "name")
        if name:
            names[person].add(name)
        ids[person].update(_ids(row, q.id_of))
    return {p: (names[p], frozenset(ids[p])) for p in people}


def _ids(row: Row, id_of: IdOf) -> set[str]:
    found = set()
    for name, term in row.items():
        if term is not None and name not in ("work", "person", "title", "name", "year",
                                             "ordinal"):
            iri = id_of(name, term)
            if iri:
                found.add(iri)
    return found


def _preprint(iri: str, ids: frozenset[str]) -> bool:
    """An arXiv record: a dblp CoRR key or an arXiv DOI (a preprint comes before its
    publication, which matters for the years of `kg.link.papers`)."""
    return arxiv_id(iri) is not None or any(i.startswith(ARXIV_DOI) for i in ids)


def _dedupe(authors: Iterable[RefAuthor]) -> list[RefAuthor]:
    """One entry per person (a person with two name spellings is listed once)."""
    seen: set[str] = set()
    kept = []
    for author in authors:
        key = author.person or f"name:{author.name}"
        if key not in seen:
            seen.add(key)
            kept.append(author)
    return kept
