"""Match our persons to a source's persons: a name is never enough, evidence decides.

Candidates are (1) the authors of the works our papers were just linked to, whose name fits
the name of ours on that paper, and (2) the source's persons found by one of our names. Each
pair gets

    score = 0.40 × name + 0.45 for a shared paper (+0.05 for each further one, up to +0.10)
            + 0.05 for each shared co-author, and 0.05 for the same place in the bylines of
              shared papers (+0.10 at most for the two together)
            + 0.50 for an agreeing identifier

capped at 1. A shared paper counts fully when the paper link is owl:sameAs, half when it is
skos:closeMatch, not at all when the work is only another version of ours (an extension: its
authors may differ, and its record's ORCID iDs are not ours to take). So a name alone, even with
co-authors in common, stays below 0.75: Yang Liu, Wei Peng or Jie Zhang are never linked on
their name.

The byline of a shared paper is where a name is seen beside the rest of the paper: its
co-authors, and its place. A source may list only some authors of a work (OpenAlex records
often show the first author alone), and then no co-author can be seen at all; the place it
states still can (OpenAlex's `author_position` "first", dblp's `signatureOrdinal`). The same
name at the same place of both bylines of a work linked by owl:sameAs is that byline read a
second time, so it counts as a co-author in common would; it is read only on such a shared
paper, so a name still never links alone.

An identifier of the same register that differs from one another source linked (two ORCID
iDs) rules the pair out. When our one name
shares papers with two persons of the source, the name stands for two people in our graph:
no link, reported as ambiguous.
"""

from __future__ import annotations

from collections import defaultdict

from kg.link.identifiers import scheme
from kg.link.model import (
    Candidate,
    Decision,
    LocalGraph,
    LocalPerson,
    Outcome,
    Reference,
    RefPerson,
    Thresholds,
    decide,
)
from kg.link.similarity import name_similarity, name_tokens, spelling_key

NAME_MATCH = 0.75
PAPER_WEIGHT = {Outcome.SAME_AS: 1.0, Outcome.CLOSE_MATCH: 0.5}
#: what one piece of byline evidence adds: a co-author in common, or the same place
BYLINE = 0.05


def _best_name(ours: tuple[str, ...], theirs: tuple[str, ...]) -> tuple[float, str, str]:
    return max(((name_similarity(a, b), a, b) for a in ours for b in theirs),
               default=(0.0, "", ""))


def _identifiers(known: frozenset[str], person: RefPerson) -> tuple[list[str], str | None]:
    """(identifiers both sides have, why the pair is ruled out or None)."""
    theirs = person.ids | {person.iri}
    agree = sorted(known & theirs)
    for register in sorted({s for s in (scheme(i) for i in known) if s is not None}):
        ours = {i for i in known if scheme(i) == register}
        other = {i for i in theirs if scheme(i) == register}
        if other and not ours & other:
            return agree, (f"{register} identifier {min(other)} differs from "
                           f"{min(ours)} linked before")
    return agree, None


class _Coauthors:
    """The name keys of each source person's co-authors on the works the source returned."""

    def __init__(self, reference: Reference) -> None:
        self._keys: dict[str, set[str]] = defaultdict(set)
        for work in reference.works.values():
            keys = {(a.person, spelling_key(a.name)) for a in work.authors}
            for person, _ in keys:
                if person:
                    self._keys[person].update(k for p, k in keys if p != person)

    def shared(self, person: LocalPerson, other: str) -> list[str]:
        theirs = self._keys.get(other, set())
        return sorted(n for n in person.coauthors if spelling_key(n) in theirs)


def score_person(person: LocalPerson, other: RefPerson, papers: dict[str, float],
                 coauthors: list[str], known: frozenset[str],
                 placed: dict[str, int] | None = None) -> Candidate:
    """The scored pair and its evidence. `papers`: our paper IRI → weight of its link;
    `placed`: our paper IRI → the place in the byline both sources give the pair on that
    shared paper (1: first author)."""
    n, ours, theirs = _best_name(person.names, other.names)
    shared = sum(papers.values())
    score = 0.40 * n
    evidence = [f"name similarity {n:.3f} ({ours} ~ {theirs})"]
    if shared:
        score += 0.45 * min(shared, 1.0) + 0.05 * min(max(shared - 1.0, 0.0), 2.0)
        evidence.extend(f"shared paper {iri}" + ("" if w == 1.0 else " (closeMatch)")
                        for iri, w in sorted(papers.items()))
    if coauthors:
        evidence.append(f"co-authors in common: {', '.join(coauthors)}")
    # a place counts on a paper both sides share by owl:sameAs only (weight 1), whatever the
    # caller passes: a namesake found by name alone gets nothing from it
    places = sorted((iri, place) for iri, place in (placed or {}).items()
                    if papers.get(iri) == 1.0)
    evidence.extend(f"author {place} of both bylines of {iri}" for iri, place in places)
    score += BYLINE * min(min(len(coauthors), 2) + min(len(places), 1), 2)
    agree, veto = _identifiers(known, other)
    if agree:
        score += 0.50
        evidence.extend(f"identifier agrees: {iri}" for iri in agree)
    if veto:
        evidence.append(veto)
    return Candidate(person.iri, other.iri, round(min(score, 1.0), 3), tuple(evidence), veto)


def match_persons(local: LocalGraph, reference: Reference, paper_decisions: list[Decision],
                  limits: Thresholds) -> list[Decision]:
    """One decision per person of ours with at least one candidate."""
    shared: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    placed: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for decision in paper_decisions:
        if not decision.linked or decision.best is None or decision.best.related_only:
            continue  # another version (an extension) is no evidence: its authors may differ
        work = reference.works[decision.best.external]
        weight = PAPER_WEIGHT[decision.outcome]
        paper = local.papers[decision.local]
        for index, (author, name) in enumerate(paper.authors):
            fits = sorted(((name_similarity(name, a.name), a.person, a.ordinal or 0)
                           for a in work.authors if a.person is not None), reverse=True)
            if fits and fits[0][0] >= NAME_MATCH and (len(fits) == 1 or fits[1][0] < fits[0][0]):
                # one author of theirs fits our name best: the paper is evidence for that pair
                _, theirs, ordinal = fits[0]
                shared[(author, theirs)][decision.local] = weight
                if weight == 1.0 and index < paper.listed and ordinal == index + 1:
                    placed[(author, theirs)][decision.local] = ordinal
    pairs = set(shared) | _named_pairs(local, reference)
    coauthors = _Coauthors(reference)
    by_person: dict[str, list[Candidate]] = defaultdict(list)
    for iri, other in sorted(pairs):
        person, record = local.persons[iri], reference.persons.get(other)
        if record is None:
            continue
        papers = shared.get((iri, other), {})
        by_person[iri].append(score_person(person, record, papers,
                                           coauthors.shared(person, other),
                                           local.known.get(iri, frozenset()),
                                           placed.get((iri, other), {})))
    decisions = []
    for iri, candidates in sorted(by_person.items()):
        split = sorted({c.external for c in candidates if c.vetoed is None
                        and sum(shared.get((iri, c.external), {}).values()) >= 1.0})
        conflict = (f"its papers are shared with {len(split)} different persons "
                    f"({', '.join(split)}): the name may stand for several people"
                    if len(split) > 1 else "")
        decisions.append(decide("person", iri, candidates, limits, conflict))
    return decisions


def _named_pairs(local: LocalGraph, reference: Reference) -> set[tuple[str, str]]:
    """(ours, theirs) for the source's persons found by name whose name fits one of ours."""
    by_token: dict[str, set[str]] = defaultdict(set)
    for person in local.persons.values():
        for name in person.names:
            for token in name_tokens(name):
                by_token[token].add(person.iri)
    pairs = set()
    for other in reference.named:
        record = reference.persons.get(other)
        if record is None:
            continue
        near = {iri for name in record.names for token in name_tokens(name)
                for iri in by_token.get(token, ())}
        for iri in near:
            if _best_name(local.persons[iri].names, record.names)[0] >= NAME_MATCH:
                pairs.add((iri, other))
    return pairs
