"""OpenAlex, from its snapshot: JSON Lines files of works and authors, gzip or not.

A snapshot holds hundreds of millions of records, so reading is blocking: a work is kept only
when its title shares enough words with one of our titles, an author only when one of its names
is one of ours (it is then a name candidate) or a kept work lists it. A work's authorships
carry each author's id, name and ORCID, so author files are optional.

Real records are partial: `publication_date` is often a placeholder (`2023-01-01`), so only
`publication_year` is read; an authorship may have no author id; an author record holds no
Wikidata id; one person may have two author ids, each with its own ORCID iD.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kg.errors import KgError, Problem
from kg.link.backends import TaskProgress, open_dump
from kg.link.identifiers import (
    doi_iri,
    is_publisher_doi,
    openalex_iri,
    orcid_iri,
    wikidata_iri,
)
from kg.link.model import LocalGraph, RefAuthor, Reference, RefPerson, RefWork
from kg.link.papers import TitleBlocks
from kg.link.similarity import spelling_key
from kg.mapping.iris import title_key

NAME = "openalex"
TITLE = "OpenAlex"
DATASET = "https://openalex.org/"


def _records(path: Path, progress: TaskProgress) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of every non-blank line; raises KgError `file:line: reason`."""
    with open_dump(path, progress) as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.rstrip(b"\r\n"))
            except json.JSONDecodeError as e:
                raise KgError(str(Problem(str(path), number,
                                          f"not JSON: {e.msg} (column {e.colno})"))) from None
            except UnicodeDecodeError as e:
                raise KgError(str(Problem(str(path), number, f"not UTF-8: {e.reason}"))) from None
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise KgError(str(Problem(str(path), number,
                                          'not an OpenAlex record: no "id" string')))
            yield number, record


def _kind(record_id: str) -> str | None:
    iri = openalex_iri(record_id)
    return None if iri is None else iri.removeprefix("https://openalex.org/")[0]


def _author_names(record: dict[str, Any]) -> tuple[str, ...]:
    names = [record.get("display_name")]
    names += record.get("display_name_alternatives") or []
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str) and n.strip()))


def _person_ids(record: dict[str, Any]) -> frozenset[str]:
    ids = record.get("ids") or {}
    found = {orcid_iri(record.get("orcid") or ""), orcid_iri(ids.get("orcid") or ""),
             wikidata_iri(ids.get("wikidata") or "")}
    return frozenset(i for i in found if i)


def _work(record: dict[str, Any], path: Path, number: int) -> RefWork:
    title = record.get("title") or record.get("display_name")
    if not isinstance(title, str):
        raise KgError(str(Problem(str(path), number, "work has no title")))
    year = record.get("publication_year")
    authors = []
    for authorship in record.get("authorships") or []:
        author = authorship.get("author") or {}
        name = author.get("display_name") or authorship.get("raw_author_name")
        if isinstance(name, str) and name.strip():
            # only "first" is a place: a record may list some authors, so "last" or the
            # index in the list need not be the byline's
            first = 1 if authorship.get("author_position") == "first" else None
            authors.append(RefAuthor(name, openalex_iri(author.get("id") or ""), first))
    found = {doi_iri(record.get("doi") or ""), doi_iri((record.get("ids") or {}).get("doi") or "")}
    ids = frozenset(i for i in found if i)
    # a record typed "preprint" may carry its journal's DOI: only an arXiv DOI, or no DOI of a
    # publisher at all, makes it a preprint
    preprint = any(not is_publisher_doi(i) for i in ids) or (
        record.get("type") == "preprint" and not any(is_publisher_doi(i) for i in ids))
    return RefWork(openalex_iri(record["id"]) or record["id"], title,
                   year if isinstance(year, int) else None, tuple(authors), ids, preprint,
                   _abstract(record.get("abstract_inverted_index")))


def _abstract(index: object) -> str | None:
    """The abstract OpenAlex ships as an inverted index (word → positions), read back."""
    if not isinstance(index, dict) or not index:
        return None
    placed = sorted((position, word) for word, positions in index.items()
                    if isinstance(positions, list) for position in positions
                    if isinstance(position, int))
    return " ".join(word for _, word in placed) or None


def read_snapshot(paths: Iterable[Path], local: LocalGraph, progress: TaskProgress) -> Reference:
    """The works and authors of the snapshot files that could match something of `local`.

    Raises KgError `file:line: reason` for a line that is not an OpenAlex record.
    """
    paths = list(paths)  # read twice when authors come before their works
    blocks = TitleBlocks(local.papers.values())
    ours = {spelling_key(n) for n in local.names()}
    reference = Reference()
    # an author record is kept only when it bears one of our names or a kept work names it:
    # a full authors snapshot (~10^8 records) never sits in memory
    authors: dict[str, RefPerson] = {}
    skipped = False
    for path in paths:
        for number, record in _records(path, progress):
            kind = _kind(record["id"])
            if kind == "W":
                title = record.get("title") or record.get("display_name") or ""
                if isinstance(title, str) and blocks.candidates(title_key(title)):
                    work = _work(record, path, number)
                    reference.works[work.iri] = work
                    for authorship in record.get("authorships") or []:
                        _from_authorship(authorship.get("author") or {}, reference)
            elif kind == "A":
                person = _author(record)
                if person is None:
                    continue
                if any(spelling_key(n) in ours for n in person.names):
                    reference.named.add(person.iri)
                if person.iri in reference.named or person.iri in reference.persons:
                    authors[person.iri] = person
                else:
                    skipped = True
    wanted = reference.named | set(reference.persons)
    missing = wanted - set(authors)
    if missing and skipped:  # authors read before the works that name them: one more pass
        for path in paths:
            for _number, record in _records(path, progress):
                if _kind(record["id"]) == "A" and openalex_iri(record["id"]) in missing:
                    person = _author(record)
                    if person is not None:
                        authors[person.iri] = person
    reference.persons.update({iri: p for iri, p in authors.items() if iri in wanted})
    return reference


def _author(record: dict[str, Any]) -> RefPerson | None:
    names = _author_names(record)
    iri = openalex_iri(record["id"])
    return RefPerson(iri, names, _person_ids(record)) if iri and names else None


def _from_authorship(author: dict[str, Any], reference: Reference) -> None:
    """A person known only from a work's authorship (used until an author record replaces it)."""
    iri = openalex_iri(author.get("id") or "")
    name = author.get("display_name")
    if iri and isinstance(name, str) and iri not in reference.persons:
        ids = frozenset(i for i in (orcid_iri(author.get("orcid") or ""),) if i)
        reference.persons[iri] = RefPerson(iri, (name,), ids)
