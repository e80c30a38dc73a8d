"""The records linking works on: what a reference source says, what our graph says, and what
the matcher decided.

Reference records are plain values whatever their origin (a SPARQL endpoint, an RDF dump
loaded aside, OpenAlex JSON Lines), so matching never knows where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True, slots=True)
class RefAuthor:
    """One author of a reference work: the person record when the source links one, and the
    author's place in the byline when the source states it (1: the first author; None when the
    source does not say, or lists only some authors without their places)."""

    name: str
    person: str | None = None
    ordinal: int | None = None


@dataclass(frozen=True, slots=True)
class RefWork:
    """A work of a reference source. `ids` are IRIs of other identifiers (DOI, Wikidata…).

    `preprint` is True when the source says the record is a preprint (an arXiv DOI, a dblp
    CoRR record): a preprint comes before its publication, so the year may differ the other
    way. `abstract` is None when the source has none.
    """

    iri: str
    title: str
    year: int | None
    authors: tuple[RefAuthor, ...] = ()
    ids: frozenset[str] = frozenset()
    preprint: bool = False
    abstract: str | None = None


@dataclass(frozen=True, slots=True)
class RefPerson:
    """A person of a reference source. `ids` are IRIs: ORCID, dblp, Wikidata, OpenAlex."""

    iri: str
    names: tuple[str, ...]
    ids: frozenset[str] = frozenset()


@dataclass
class Reference:
    """What a source returned for our graph: candidate works and persons.

    `named` holds the persons found by a name of ours (not through a shared work): they are
    candidates too, so that a namesake is seen, scored and refused rather than never noticed.
    """

    works: dict[str, RefWork] = field(default_factory=dict)
    persons: dict[str, RefPerson] = field(default_factory=dict)
    named: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class LocalPaper:
    """A paper of our graph. `authors` are (person IRI, name) in list order, profile owners
    last: a profile lists its owner's papers even when the author list ends in "et al.".
    The first `listed` of them are the byline as the profile gives it, in its order (author
    1, 2…); the others are owners the "et al." cut, whose place is unknown.
    """

    iri: str
    title: str
    year: int
    year_inferred: bool
    authors: tuple[tuple[str, str], ...]
    month: int | None = None  # of the date the profile gives (an arXiv date, usually)
    abstract: str | None = None
    listed: int = 0


@dataclass(frozen=True, slots=True)
class LocalPerson:
    iri: str
    names: tuple[str, ...]
    papers: frozenset[str]
    coauthors: frozenset[str]  # names of everyone sharing a paper with this person


@dataclass
class LocalGraph:
    """What linking needs from our graph; `known` maps an IRI of ours to the external IRIs
    other sources already linked it to with owl:sameAs (cross-source evidence)."""

    papers: dict[str, LocalPaper]
    persons: dict[str, LocalPerson]
    known: dict[str, frozenset[str]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return sorted({name for p in self.persons.values() for name in p.names})


class Outcome(Enum):
    SAME_AS = "sameAs"
    CLOSE_MATCH = "closeMatch"
    BELOW = "below threshold"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Scores at or above `upper` give owl:sameAs, from `lower` skos:closeMatch; a runner-up
    within `margin` of the best makes the choice ambiguous."""

    upper: float = 0.90
    lower: float = 0.75
    margin: float = 0.05

    def outcome(self, score: float) -> Outcome:
        if score >= self.upper:
            return Outcome.SAME_AS
        return Outcome.CLOSE_MATCH if score >= self.lower else Outcome.BELOW


@dataclass(frozen=True, slots=True)
class Candidate:
    """One scored (ours, theirs) pair; `evidence` says in words what the score rests on."""

    local: str
    external: str
    score: float
    evidence: tuple[str, ...]
    vetoed: str | None = None  # why the pair can never be linked (conflicting identifier)
    #: why the pair is at most skos:closeMatch (another version, an extension…), or None
    related_only: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What became of one entity of ours: the chosen candidate, or why there is none."""

    kind: str  # "paper" or "person"
    local: str
    outcome: Outcome
    best: Candidate | None
    candidates: tuple[Candidate, ...]
    reason: str = ""

    @property
    def linked(self) -> bool:
        return self.outcome in (Outcome.SAME_AS, Outcome.CLOSE_MATCH)


def decide(kind: str, local: str, candidates: list[Candidate], limits: Thresholds,
           conflict: str = "") -> Decision:
    """The outcome for `local` given its scored candidates (best first after sorting).

    Two candidates at or above the lower threshold within `margin` of each other cannot be
    told apart: no link. `conflict` (when given) also makes the choice ambiguous. A candidate
    that is only related (`related_only`: another version, an extension) never gets owl:sameAs,
    whatever its score.
    """
    ranked = sorted(candidates, key=lambda c: (c.vetoed is not None, -c.score, c.external))
    usable = [c for c in ranked if c.vetoed is None]
    if not usable:
        return Decision(kind, local, Outcome.BELOW, None, tuple(ranked),
                        ranked[0].vetoed or "" if ranked else "")
    best = usable[0]
    outcome = limits.outcome(best.score)
    if outcome is Outcome.SAME_AS and best.related_only:
        outcome = Outcome.CLOSE_MATCH
    if outcome is Outcome.BELOW:
        return Decision(kind, local, outcome, best, tuple(ranked))
    if conflict:
        return Decision(kind, local, Outcome.AMBIGUOUS, best, tuple(ranked), conflict)
    if len(usable) > 1 and usable[1].score >= limits.lower \
            and best.score - usable[1].score < limits.margin:
        reason = (f"{best.external} ({best.score:.3f}) and {usable[1].external} "
                  f"({usable[1].score:.3f}) are within {limits.margin}")
        return Decision(kind, local, Outcome.AMBIGUOUS, best, tuple(ranked), reason)
    return Decision(kind, local, outcome, best, tuple(ranked))
