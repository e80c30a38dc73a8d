"""Match our papers to a source's works: blocking, then a score from title, year, authors,
identifiers and abstracts, and the marks that tell another version from the paper itself.

Blocking keeps only pairs that share at least half the significant title words of the shorter
title and whose years are plausible for one work (see `years`). Each pair then gets

    score = title × (0.60 + 0.25 × authors + 0.15 × year) (+ 0.3 for an agreeing identifier,
            + 0.1 for an arXiv id posted in our paper's month) × 0.9 per version mark

`title` is the rapidfuzz similarity of the normalised titles, so a pair is never more certain
than its titles are alike. `authors` is the share of our authors found among theirs, counted
against the shorter list (a profile or a source may cut it), at most 0.5 when only one of
several is found; one at least is required. A record that lists no authors at all is neither
vetoed nor trusted: 0.5, and at most skos:closeMatch.

`year` allows for the order of versions: a preprint comes first, its publication up to three
years later (1, 0.7, 0.4, 0.2). Seen the other way round (a publication a year *before* our
paper appeared, a preprint a year after), the pair scores 0.3 and is at most skos:closeMatch:
a paper published before ours appeared is an earlier work (PhysFormer before PhysFormer++).

Marks (`kg.link.versions`, plus identifiers that disagree: two publisher DOIs, two arXiv ids,
and abstracts that differ) make a pair related only: skos:closeMatch at most, and no DOI or
ORCID iD is taken from it. Everything the score rests on is kept as evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kg.link.identifiers import arxiv_id, is_publisher_doi
from kg.link.model import (
    Candidate,
    Decision,
    LocalGraph,
    LocalPaper,
    Reference,
    RefWork,
    Thresholds,
    decide,
)
from kg.link.similarity import (
    keyed_title_similarity,
    name_similarity,
    text_similarity,
    title_tokens,
)
from kg.link.versions import version_marks
from kg.mapping.iris import title_key

NAME_MATCH = 0.75
YEAR_FACTOR = {0: 1.0, 1: 0.7, 2: 0.4, 3: 0.2}
UNKNOWN_YEAR = 0.5
UNKNOWN_AUTHORS = 0.5
#: one year the wrong way round: a publication before our paper appeared
WRONG_WAY = 0.3
MAX_YEARS_APART = 3
ID_BONUS = 0.3
ARXIV_BONUS = 0.1
MARK_PENALTY = 0.9
#: below this, two abstracts describe two different works
ABSTRACTS_DIFFER = 0.5


class TitleBlocks:
    """An inverted index of our title words, to find which of our papers a title could be."""

    def __init__(self, papers: Iterable[LocalPaper]) -> None:
        self._index: dict[str, set[str]] = defaultdict(set)
        self._size: dict[str, int] = {}
        for paper in papers:
            tokens = title_tokens(title_key(paper.title))
            self._size[paper.iri] = len(tokens)
            for token in tokens:
                self._index[token].add(paper.iri)

    def candidates(self, key: str) -> set[str]:
        """Our papers sharing at least half the significant words of the shorter title."""
        tokens = title_tokens(key)
        shared: dict[str, int] = defaultdict(int)
        for token in tokens:
            for iri in self._index.get(token, ()):
                shared[iri] += 1
        return {iri for iri, n in shared.items()
                if n >= max(1, min(len(tokens), self._size[iri])) / 2}


def years_ahead(paper: LocalPaper, work: RefWork) -> int | None:
    """How many years the record lies after our paper in the order versions come in: a
    publication after its preprint, a preprint before its publication (None when unknown)."""
    if paper.year_inferred or work.year is None:
        return None
    ahead = work.year - paper.year
    return -ahead if work.preprint else ahead


def plausible(paper: LocalPaper, work: RefWork) -> bool:
    """Whether the two years allow one work: up to three years ahead, one the wrong way."""
    ahead = years_ahead(paper, work)
    return ahead is None or -1 <= ahead <= MAX_YEARS_APART


def _year(paper: LocalPaper, work: RefWork) -> tuple[float, str, str | None]:
    """(factor, evidence, mark or None)."""
    ahead = years_ahead(paper, work)
    if ahead is None:
        return UNKNOWN_YEAR, "year unknown or inferred", None
    said = f"year {paper.year} vs {work.year}"
    if ahead >= 0:
        return YEAR_FACTOR.get(ahead, 0.0), said, None
    mark = (f"a preprint of {work.year}, after ours ({paper.year})" if work.preprint
            else f"published in {work.year}, before ours appeared ({paper.year}): an earlier "
                 "work")
    return WRONG_WAY, f"{said}: {mark}", mark


def _author_share(shared: int, ours: int, theirs: int) -> float:
    """Shared authors over the shorter list; one common author of several counts half."""
    if not shared:
        return 0.0
    share = shared / min(ours, theirs)
    return min(share, 0.5) if shared == 1 and min(ours, theirs) > 1 else share


def _identifiers(paper: LocalPaper, work: RefWork, known: frozenset[str]
                 ) -> tuple[list[str], float, list[str]]:
    """(evidence, bonus, marks) from DOIs and arXiv ids on both sides."""
    theirs = work.ids | {work.iri}
    evidence = [f"identifier agrees: {iri}" for iri in sorted(known & theirs)]
    bonus = ID_BONUS if evidence else 0.0
    marks = []
    ours_doi = {i for i in known if is_publisher_doi(i)}
    their_doi = {i for i in theirs if is_publisher_doi(i)}
    if ours_doi and their_doi and not ours_doi & their_doi:
        marks.append(f"DOI {min(their_doi)} differs from {min(ours_doi)} linked before: "
                     "another publication")
    ours_arxiv = {a for a in map(arxiv_id, known) if a}
    their_arxiv = {a for a in map(arxiv_id, theirs) if a}
    if ours_arxiv and their_arxiv and not ours_arxiv & their_arxiv:
        marks.append(f"arXiv {min(their_arxiv)} differs from {min(ours_arxiv)} linked before")
    elif their_arxiv and paper.month is not None and not evidence:
        month = f"{paper.year % 100:02d}{paper.month:02d}"
        posted = sorted(a for a in their_arxiv if a.startswith(month))
        if posted:
            bonus += ARXIV_BONUS
            evidence.append(f"arXiv {posted[0]} was posted in the month of our paper "
                            f"({paper.year}-{paper.month:02d})")
    return evidence, bonus, marks


def score_paper(paper: LocalPaper, work: RefWork, known: frozenset[str] = frozenset()
                ) -> Candidate:
    """The scored pair, with its evidence; vetoed when no author of ours is among theirs,
    related only (at most closeMatch) when a mark tells another version."""
    t = keyed_title_similarity(title_key(paper.title), title_key(work.title))
    y, year_said, year_mark = _year(paper, work)
    theirs = [a.name for a in work.authors]
    shared = [name for _, name in paper.authors
              if any(name_similarity(name, other) >= NAME_MATCH for other in theirs)]
    a = _author_share(len(shared), len(paper.authors), len(theirs)) if theirs \
        else UNKNOWN_AUTHORS
    evidence = [f"title similarity {t:.3f}", year_said,
                f"authors {len(shared)} of our {len(paper.authors)} found among their "
                f"{len(theirs)}" + (f": {', '.join(shared)}" if shared else "")
                if theirs else "the record lists no authors"]
    if paper.abstract and work.abstract:
        similar = text_similarity(paper.abstract, work.abstract)
        evidence.append(f"abstract similarity {similar:.3f}")
        abstract_mark = "the abstracts differ" if similar < ABSTRACTS_DIFFER else None
    else:
        abstract_mark = None
    ids, bonus, id_marks = _identifiers(paper, work, known)
    evidence.extend(ids)
    marks = [*version_marks(paper.title, work.title), *id_marks,
             *(m for m in (year_mark, abstract_mark) if m)]
    evidence.extend(f"another version: {m}" for m in marks)
    score = (t * (0.60 + 0.25 * a + 0.15 * y) + bonus) * MARK_PENALTY ** len(marks)
    agree = any(e.startswith("identifier agrees") for e in ids)
    related = "; ".join(marks) or (None if theirs or agree else "the record lists no authors")
    veto = None if shared or agree or not theirs else "no author in common"
    return Candidate(paper.iri, work.iri, round(min(score, 1.0), 3), tuple(evidence), veto,
                     related)


def match_papers(local: LocalGraph, reference: Reference, limits: Thresholds) -> list[Decision]:
    """One decision per paper of ours that blocking paired with at least one work."""
    blocks = TitleBlocks(local.papers.values())
    pairs: dict[str, list[Candidate]] = defaultdict(list)
    for work in reference.works.values():
        for iri in blocks.candidates(title_key(work.title)):
            paper = local.papers[iri]
            if not plausible(paper, work):
                continue
            pairs[iri].append(score_paper(paper, work, local.known.get(iri, frozenset())))
    return [decide("paper", iri, candidates, limits)
            for iri, candidates in sorted(pairs.items())]
