"""Scoring and deciding, on small hand-made records: exact scores, thresholds, ambiguity."""

from __future__ import annotations

import pytest

from kg.link.model import (
    Candidate,
    LocalGraph,
    LocalPaper,
    LocalPerson,
    Outcome,
    RefAuthor,
    Reference,
    RefPerson,
    RefWork,
    Thresholds,
    decide,
)
from kg.link.papers import match_papers, score_paper
from kg.link.persons import match_persons, score_person

LIMITS = Thresholds()
ZHAO, PENG, LIU = "ours:person/zhao", "ours:person/peng", "ours:person/liu"
PAPER = LocalPaper("ours:paper/1", "Graph Learning for Micro-Expression Recognition", 2022, False,
                   ((ZHAO, "Guoying Zhao"), (PENG, "Wei Peng"), (LIU, "Yang Liu")))
ORCID_A = "https://orcid.org/0000-0002-1825-0097"
ORCID_B = "https://orcid.org/0000-0002-1694-233X"


def work(iri: str = "ref:w1", title: str = PAPER.title, year: int | None = 2022,
         authors: tuple[str, ...] = ("Guoying Zhao", "Wei Peng", "Yang Liu"),
         ids: frozenset[str] = frozenset()) -> RefWork:
    return RefWork(iri, title, year, tuple(RefAuthor(n, f"ref:{n}") for n in authors), ids)


def test_same_title_year_and_authors_scores_one():
    candidate = score_paper(PAPER, work())
    assert candidate.score == 1.0
    assert candidate.evidence == (
        "title similarity 1.000", "year 2022 vs 2022",
        "authors 3 of our 3 found among their 3: Guoying Zhao, Wei Peng, Yang Liu")
    assert candidate.vetoed is None


def test_each_year_apart_costs_and_four_years_are_never_paired():
    assert [score_paper(PAPER, work(year=y)).score for y in (2023, 2024, 2025)] == \
        [0.955, 0.91, 0.88]
    reference = Reference(works={"ref:w1": work(year=2026)})
    local = LocalGraph({PAPER.iri: PAPER}, {})
    assert match_papers(local, reference, LIMITS) == []


def test_one_common_author_of_several_counts_half():
    assert score_paper(PAPER, work(authors=("Yang Liu", "Elena Bauer"))).score == 0.875


def test_a_source_listing_fewer_authors_is_not_penalised():
    assert score_paper(PAPER, work(authors=("Guoying Zhao", "Wei Peng"))).score == 1.0


def test_no_author_in_common_rules_the_pair_out_whatever_the_title():
    candidate = score_paper(PAPER, work(authors=("Ana Costa", "Luis Pereira")))
    assert candidate.vetoed == "no author in common"
    decision = decide("paper", PAPER.iri, [candidate], LIMITS)
    assert (decision.outcome, decision.reason) == (Outcome.BELOW, "no author in common")


def test_an_identifier_another_source_linked_adds_to_the_score():
    doi = "https://doi.org/10.1/x"
    changed = work(title="Micro-Expression Spotting in Long Videos", ids=frozenset({doi}))
    assert score_paper(PAPER, changed).score == 0.598
    lifted = score_paper(PAPER, changed, frozenset({doi}))
    assert (lifted.score, lifted.evidence[-1]) == (0.898, f"identifier agrees: {doi}")


def test_thresholds_give_same_as_close_match_or_nothing():
    assert [LIMITS.outcome(s) for s in (1.0, 0.9, 0.899, 0.75, 0.749)] == [
        Outcome.SAME_AS, Outcome.SAME_AS, Outcome.CLOSE_MATCH, Outcome.CLOSE_MATCH,
        Outcome.BELOW]


def test_two_candidates_within_the_margin_are_ambiguous():
    a, b = Candidate("x", "ref:a", 0.93, ()), Candidate("x", "ref:b", 0.90, ())
    decision = decide("paper", "x", [b, a], LIMITS)
    assert decision.outcome is Outcome.AMBIGUOUS
    assert decision.reason == "ref:a (0.930) and ref:b (0.900) are within 0.05"
    clear = decide("paper", "x", [a, Candidate("x", "ref:b", 0.88, ())], LIMITS)
    assert (clear.outcome, clear.best) == (Outcome.SAME_AS, a)


def test_a_runner_up_below_the_lower_threshold_does_not_make_it_ambiguous():
    decision = decide("paper", "x", [Candidate("x", "ref:a", 0.76, ()),
                                     Candidate("x", "ref:b", 0.74, ())], LIMITS)
    assert decision.outcome is Outcome.CLOSE_MATCH


PENG_PERSON = LocalPerson(PENG, ("Wei Peng",), frozenset({PAPER.iri}),
                          frozenset({"Guoying Zhao", "Yang Liu"}))


def test_a_common_name_alone_is_never_enough_even_with_co_authors():
    namesake = RefPerson("ref:peng-1", ("Wei Peng 0001",))
    candidate = score_person(PENG_PERSON, namesake, {}, ["Guoying Zhao", "Yang Liu"],
                             frozenset())
    assert candidate.score == 0.5
    assert LIMITS.outcome(candidate.score) is Outcome.BELOW


def test_a_shared_paper_with_the_name_and_co_authors_is_same_as():
    record = RefPerson("ref:peng-2", ("Wei Peng 0002",))
    candidate = score_person(PENG_PERSON, record, {PAPER.iri: 1.0},
                             ["Guoying Zhao", "Yang Liu"], frozenset())
    assert candidate.score == 0.95
    assert candidate.evidence == ("name similarity 1.000 (Wei Peng ~ Wei Peng 0002)",
                                  "shared paper ours:paper/1",
                                  "co-authors in common: Guoying Zhao, Yang Liu")


def test_initials_and_one_shared_paper_is_close_match():
    record = RefPerson("ref:peng-2", ("W. Peng",))
    score = score_person(PENG_PERSON, record, {PAPER.iri: 1.0}, ["Guoying Zhao"],
                         frozenset()).score
    assert score == 0.82
    assert LIMITS.outcome(score) is Outcome.CLOSE_MATCH


def test_a_paper_linked_only_by_close_match_is_half_the_evidence():
    record = RefPerson("ref:peng-2", ("Wei Peng",))
    assert score_person(PENG_PERSON, record, {PAPER.iri: 0.5}, [], frozenset()).score == 0.625


def test_an_agreeing_orcid_links_and_a_different_one_rules_out():
    record = RefPerson("ref:peng-2", ("Wei Peng",), frozenset({ORCID_A}))
    agreeing = score_person(PENG_PERSON, record, {}, [], frozenset({ORCID_A}))
    assert agreeing.score == 0.9
    assert agreeing.evidence[-1] == f"identifier agrees: {ORCID_A}"
    conflicting = score_person(PENG_PERSON, record, {PAPER.iri: 1.0}, [], frozenset({ORCID_B}))
    assert conflicting.vetoed == f"orcid identifier {ORCID_A} differs from {ORCID_B} linked before"


def _graph_and_reference(second_author: str) -> tuple[LocalGraph, Reference]:
    other = LocalPaper("ours:paper/2", "Sparse Attention for Machine Translation", 2021, False,
                       ((PENG, "Wei Peng"), (ZHAO, "Guoying Zhao")))
    local = LocalGraph(
        {PAPER.iri: PAPER, other.iri: other},
        {PENG: LocalPerson(PENG, ("Wei Peng",), frozenset({PAPER.iri, other.iri}),
                           frozenset({"Guoying Zhao", "Yang Liu"}))})
    reference = Reference(
        works={"ref:w1": RefWork("ref:w1", PAPER.title, 2022, (
                   RefAuthor("Wei Peng 0002", "ref:peng-2"), RefAuthor("Guoying Zhao"))),
               "ref:w2": RefWork("ref:w2", other.title, 2021, (
                   RefAuthor(second_author, "ref:" + second_author),
                   RefAuthor("Guoying Zhao")))},
        persons={"ref:peng-2": RefPerson("ref:peng-2", ("Wei Peng 0002",)),
                 "ref:" + second_author: RefPerson("ref:" + second_author, (second_author,))})
    return local, reference


def test_our_name_sharing_papers_with_two_of_their_persons_is_ambiguous():
    local, reference = _graph_and_reference("Wei Peng 0001")
    papers = match_papers(local, reference, LIMITS)
    assert [d.outcome for d in papers] == [Outcome.SAME_AS, Outcome.SAME_AS]
    (decision,) = match_persons(local, reference, papers, LIMITS)
    assert decision.outcome is Outcome.AMBIGUOUS
    assert decision.reason == ("its papers are shared with 2 different persons (ref:Wei Peng "
                               "0001, ref:peng-2): the name may stand for several people")


def test_one_person_of_theirs_on_both_papers_is_linked():
    local, reference = _graph_and_reference("Wei Peng 0002")
    reference.works["ref:w2"] = RefWork("ref:w2", reference.works["ref:w2"].title, 2021, (
        RefAuthor("Wei Peng 0002", "ref:peng-2"), RefAuthor("Guoying Zhao")))
    papers = match_papers(local, reference, LIMITS)
    (decision,) = match_persons(local, reference, papers, LIMITS)
    assert (decision.outcome, decision.best.external, decision.best.score) == (
        Outcome.SAME_AS, "ref:peng-2", 0.95)


def _first_author_only(ordinal: int | None, outcome_of_paper: Outcome = Outcome.SAME_AS
                       ) -> tuple[LocalGraph, Reference, list]:
    """Our paper with Wei Peng first of a byline of two; their record lists no one else."""
    paper = LocalPaper("ours:paper/3", "Graph Learning for Micro-Expression Recognition", 2022,
                       False, ((PENG, "Wei Peng"), (ZHAO, "Guoying Zhao")), listed=2)
    local = LocalGraph({paper.iri: paper}, {PENG: LocalPerson(
        PENG, ("Wei Peng",), frozenset({paper.iri}), frozenset({"Guoying Zhao"}))})
    reference = Reference(
        works={"ref:w": RefWork("ref:w", paper.title, 2022,
                                (RefAuthor("Wei Peng", "ref:peng", ordinal),))},
        persons={"ref:peng": RefPerson("ref:peng", ("Wei Peng",))})
    best = Candidate(paper.iri, "ref:w", 1.0 if outcome_of_paper is Outcome.SAME_AS else 0.8, ())
    return local, reference, [decide("paper", paper.iri, [best], LIMITS)]


def test_the_same_place_in_both_bylines_counts_as_a_co_author_would():
    """A record listing its first author alone shows no co-author; the place it states is
    the byline evidence left: first author of both on a sameAs paper gives owl:sameAs."""
    local, reference, papers = _first_author_only(1)
    (decision,) = match_persons(local, reference, papers, LIMITS)
    assert (decision.outcome, decision.best.score) == (Outcome.SAME_AS, 0.9)
    assert decision.best.evidence[-1] == "author 1 of both bylines of ours:paper/3"


@pytest.mark.parametrize(("ordinal", "outcome_of_paper"), [
    (None, Outcome.SAME_AS),         # the source states no place
    (2, Outcome.SAME_AS),            # another place than ours
    (1, Outcome.CLOSE_MATCH),        # the paper itself is only a closeMatch
])
def test_no_agreeing_place_on_a_same_as_paper_leaves_a_close_match(ordinal, outcome_of_paper):
    local, reference, papers = _first_author_only(ordinal, outcome_of_paper)
    (decision,) = match_persons(local, reference, papers, LIMITS)
    assert decision.outcome is (Outcome.CLOSE_MATCH if outcome_of_paper is Outcome.SAME_AS
                                else Outcome.BELOW)
    assert decision.best.score == (0.85 if outcome_of_paper is Outcome.SAME_AS else 0.625)
    assert not any("bylines" in e for e in decision.best.evidence)


def test_byline_evidence_adds_at_most_two_co_authors_worth():
    record = RefPerson("ref:peng-2", ("Wei Peng",))
    candidate = score_person(PENG_PERSON, record, {PAPER.iri: 1.0},
                             ["Guoying Zhao", "Yang Liu"], frozenset(), {PAPER.iri: 2})
    assert candidate.score == 0.95
    assert candidate.evidence[-1] == "author 2 of both bylines of ours:paper/1"


def test_a_place_in_the_byline_never_links_a_name_without_a_shared_paper():
    """The place is read only on a shared paper: a namesake found by name gets none."""
    namesake = RefPerson("ref:peng-1", ("Wei Peng",))
    # the record places him where ours does on a paper that is not shared
    candidate = score_person(PENG_PERSON, namesake, {}, [], frozenset(), {PAPER.iri: 2})
    assert candidate.score == 0.4
    assert not [e for e in candidate.evidence if "bylines" in e]
