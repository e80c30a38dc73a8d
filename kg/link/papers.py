"""Match our papers to a source's works: blocking, then a score from title, year and authors.

Blocking keeps only pairs that share at least half the significant title words of the shorter
title and lie within three years (a preprint and its publication often do). Each pair then gets

    score = title × (0.60 + 0.25 × authors + 0.15 × year)

`title` is the rapidfuzz similarity of the normalised titles, so a pair is never more certain
than its titles are alike. `authors` is the share of our authors found among theirs, counted
against the shorter list (a profile or a source may cut it), at most 0.5 when only one of
several is found; one at least is required. `year` is 1 for the same year, 0.7 one year apart,
0.4 two apart, 0.2 three apart (so at most skos:closeMatch), 0.5 when a year is unknown or
was inferred. An identifier another source
already linked (a DOI, say) adds 0.3.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

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
from kg.link.similarity import keyed_title_similarity, name_similarity, title_tokens
from kg.mapping.iris import title_key

NAME_MATCH = 0.75
YEAR_FACTOR = {0: 1.0, 1: 0.7, 2: 0.4, 3: 0.2}
UNKNOWN_YEAR = 0.5
MAX_YEARS_APART = 3
ID_BONUS = 0.3


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


def _years_apart(paper: LocalPaper, work: RefWork) -> int | None:
    if paper.year_inferred or work.year is None:
        return None
    return abs(paper.year - work.year)


def _author_share(shared: int, ours: int, theirs: int) -> float:
    """Shared authors over the shorter list; one common author of several counts half."""
    if not shared:
        return 0.0
    share = shared / min(ours, theirs)
    return min(share, 0.5) if shared == 1 and min(ours, theirs) > 1 else share


def score_paper(paper: LocalPaper, work: RefWork, known: frozenset[str] = frozenset()
                ) -> Candidate:
    """The scored pair, with its evidence; vetoed when no author of ours is among theirs."""
    t = keyed_title_similarity(title_key(paper.title), title_key(work.title))
    apart = _years_apart(paper, work)
    y = UNKNOWN_YEAR if apart is None else YEAR_FACTOR.get(apart, 0.0)
    theirs = [a.name for a in work.authors]
    shared = [name for _, name in paper.authors
              if any(name_similarity(name, other) >= NAME_MATCH for other in theirs)]
    a = _author_share(len(shared), len(paper.authors), len(theirs))
    score = t * (0.60 + 0.25 * a + 0.15 * y)
    evidence = [f"title similarity {t:.3f}",
                "year unknown or inferred" if apart is None
                else f"year {paper.year} vs {work.year}",
                f"authors {len(shared)} of our {len(paper.authors)} found among their "
                f"{len(theirs)}" + (f": {', '.join(shared)}" if shared else "")]
    agree = sorted(known & (work.ids | {work.iri}))
    if agree:
        score += ID_BONUS
        evidence.extend(f"identifier agrees: {iri}" for iri in agree)
    veto = None if shared or agree else "no author in common"
    return Candidate(paper.iri, work.iri, round(min(score, 1.0), 3), tuple(evidence), veto)


def match_papers(local: LocalGraph, reference: Reference, limits: Thresholds) -> list[Decision]:
    """One decision per paper of ours that blocking paired with at least one work."""
    blocks = TitleBlocks(local.papers.values())
    pairs: dict[str, list[Candidate]] = defaultdict(list)
    for work in reference.works.values():
        for iri in blocks.candidates(title_key(work.title)):
            paper = local.papers[iri]
            apart = _years_apart(paper, work)
            if apart is not None and apart > MAX_YEARS_APART:
                continue
            pairs[iri].append(score_paper(paper, work, local.known.get(iri, frozenset())))
    return [decide("paper", iri, candidates, limits)
            for iri, candidates in sorted(pairs.items())]
