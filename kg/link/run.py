"""One run of `kg link SOURCE`: read our graph, fetch candidates, match, write the link graph.

The link graph is rebuilt whole from this run's decisions and swapped in with
`kg.store.graphs.replace_graphs` (or only reported, with `dry_run`), so re-linking a source
never leaves a link of the previous run behind, and the other sources' graphs are untouched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from kg.errors import KgError
from kg.link import fixed
from kg.link.backends import EndpointSparql, TaskProgress, loaded_dumps, no_progress
from kg.link.identifiers import scheme
from kg.link.links import CLOSE_MATCH, SAME_AS, Link, Run, Target, link_node, link_quads
from kg.link.local import read_local
from kg.link.model import Decision, LocalGraph, Outcome, Reference, Thresholds
from kg.link.papers import match_papers
from kg.link.persons import match_persons
from kg.link.sources import dblp, openalex, wikidata
from kg.link.sources.sparql import Queries, retrieve
from kg.mapping.iris import Minter
from kg.mapping.vocab import DOI, ORCID
from kg.store.graphs import replace_graphs
from kg.store.local import open_read_only

ORCID_TARGET = Target("orcid", ORCID, "ORCID")
DOI_TARGET = Target("doi", DOI, "DOI")
PAPER_METHOD = "paper: title, year and authors"
PERSON_METHOD = "person: name with shared papers, co-authors and identifiers"
#: identifiers a matched record gives its match: (kind of entity, register, target, method)
DERIVED = (("person", "orcid", ORCID_TARGET, "person: ORCID iD of the matched record"),
           ("paper", "doi", DOI_TARGET, "paper: DOI of the matched record"))
DEFAULT_LIMITS = Thresholds()
RELATION = {Outcome.SAME_AS: SAME_AS, Outcome.CLOSE_MATCH: CLOSE_MATCH}
#: a paper whose best match scores below this is no version of it worth reporting
VERSION_WORTH_REPORTING = 0.5


@dataclass(frozen=True)
class Source:
    """A source that needs matching: what it is, and how to read it."""

    name: str
    title: str
    dataset: str
    queries: Queries | None  # None: read from JSON Lines, not SPARQL
    keep: frozenset[NamedNode] | None = None  # the predicates a dump needs to keep
    keep_quad: Callable[[Quad], bool] | None = None

    @property
    def target(self) -> Target:
        return Target("", self.dataset, self.title)


SOURCES = {
    "dblp": Source(dblp.NAME, dblp.TITLE, dblp.DATASET, dblp.QUERIES, dblp.KEEP,
                   dblp.keep_quad),
    "wikidata": Source(wikidata.NAME, wikidata.TITLE, wikidata.DATASET, wikidata.QUERIES,
                       wikidata.KEEP, wikidata.keep_quad),
    "openalex": Source(openalex.NAME, openalex.TITLE, openalex.DATASET, None),
}
FIXED = {"arxiv": (fixed.ARXIV, fixed.arxiv_links), "github": (fixed.GITHUB, fixed.github_links)}


@dataclass
class Report:
    """What a run found and did: every decision, every link, and whether it was written."""

    source: str
    decisions: list[Decision] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    quads: int = 0
    written: bool = False
    ended: datetime | None = None

    def rows(self) -> list[tuple[str, int, int, int, int, int, int]]:
        """(kind, entities, candidates, sameAs, closeMatch, below threshold, ambiguous)."""
        rows = []
        for kind in dict.fromkeys(d.kind for d in self.decisions):
            own = [d for d in self.decisions if d.kind == kind]
            counts = Counter(d.outcome for d in own)
            rows.append((kind, len(own), sum(len(d.candidates) for d in own),
                         counts[Outcome.SAME_AS], counts[Outcome.CLOSE_MATCH],
                         counts[Outcome.BELOW], counts[Outcome.AMBIGUOUS]))
        return rows

    def ambiguous(self) -> list[Decision]:
        """What the run left ambiguous: no link, and why (reported by `kg link`)."""
        return [d for d in self.decisions if d.outcome is Outcome.AMBIGUOUS]

    def other_versions(self) -> list[Decision]:
        """Papers whose best match is only another version (an extension, an earlier work):
        at most skos:closeMatch, and no DOI taken from it."""
        return [d for d in self.decisions
                if d.kind == "paper" and d.best is not None and d.best.related_only
                and d.outcome is not Outcome.AMBIGUOUS
                and d.best.score >= VERSION_WORTH_REPORTING]


def fetch(source: Source, local: LocalGraph, dumps: Sequence[Path], endpoint: str | None,
          progress: TaskProgress, timeout: float = 60.0) -> Reference:
    """The candidates `source` holds for `local`, from its endpoint or its dump files.

    Raises KgError when a dump cannot be read or parsed, or the endpoint fails.
    """
    if source.queries is None:
        if endpoint:
            raise KgError(f"{source.name} has no SPARQL endpoint; give --dump FILE")
        return openalex.read_snapshot(dumps, local, progress)
    if endpoint:
        return retrieve(EndpointSparql(endpoint, timeout), source.queries, local, progress)
    assert source.keep is not None
    with loaded_dumps(dumps, source.keep, progress, source.keep_quad) as sparql:
        return retrieve(sparql, source.queries, local, progress)


def decide_links(source: Source, local: LocalGraph, reference: Reference, limits: Thresholds,
                 mint: Minter) -> tuple[list[Decision], list[Link]]:
    """Match papers, then persons (papers are their evidence).

    A person linked with owl:sameAs also gets the ORCID iD of its record, and a paper the DOI
    of its record, when the record has exactly one: taken from the record, never guessed.
    """
    papers = match_papers(local, reference, limits)
    persons = match_persons(local, reference, papers, limits)
    links = []
    for decision in papers + persons:
        if not decision.linked or decision.best is None:
            continue
        best = decision.best
        method = PAPER_METHOD if decision.kind == "paper" else PERSON_METHOD
        link = Link(best.local, RELATION[decision.outcome], best.external, best.score, method,
                    best.evidence, source.target, (best.external,))
        links.append(link)
        if decision.outcome is not Outcome.SAME_AS:
            continue
        record = (reference.works[best.external].ids if decision.kind == "paper"
                  else reference.persons[best.external].ids)
        for kind, register, target, derived_method in DERIVED:
            found = sorted(i for i in record if scheme(i) == register)
            if kind == decision.kind and len(found) == 1:
                links.append(Link(best.local, SAME_AS, found[0], best.score, derived_method,
                                  (f"{register.upper()} of {best.external} in {source.title}",),
                                  target, (best.external, link_node(mint, source.name,
                                                                    link).value)))
    return papers + persons, links


def link_source(store_dir: Path, name: str, *, dumps: Sequence[Path] = (),
                endpoint: str | None = None, limits: Thresholds = DEFAULT_LIMITS,
                dry_run: bool = False, progress: TaskProgress = no_progress,
                timeout: float = 60.0, now: Callable[[], datetime] | None = None) -> Report:
    """Link the store at `store_dir` to source `name` and replace its link graph.

    Raises KgError for an unknown source, a missing store, unreadable or invalid reference
    data (`file:line: reason`), or an endpoint that cannot be reached.
    """
    clock = now or (lambda: datetime.now(UTC))
    started = clock()
    store, info = open_read_only(store_dir)
    mint = Minter(info.base)
    report = Report(name)
    if name in FIXED:
        target, make = FIXED[name]
        links = make(store, info.base)
        report.decisions = []  # nothing was matched: `kg link` lists the links themselves
        inputs: tuple[str, ...] = ()
        limits_used = None
    else:
        source = SOURCES.get(name)
        if source is None:
            raise KgError(f"unknown source {name!r}; choose one of "
                          f"{', '.join(sorted([*SOURCES, *FIXED]))}")
        if not dumps and not endpoint:
            raise KgError(f"kg link {name} needs --dump FILE or --endpoint URL")
        local = read_local(store, info.base, mint.link_graph(name))
        reference = fetch(source, local, dumps, endpoint, progress, timeout)
        report.decisions, links = decide_links(source, local, reference, limits, mint)
        target = source.target
        inputs = (endpoint,) if endpoint else tuple(p.name for p in dumps)
        limits_used = limits
    del store
    report.links = links
    run = Run(name, target, inputs, started, clock(), limits_used)
    report.ended = run.ended
    quads = list(link_quads(mint, run, links))
    report.quads = len(quads)
    if not dry_run:
        replace_graphs(store_dir, {mint.link_graph(name): quads})
        report.written = True
    return report
