"""Turn links into the quads of a link graph: the links, their PROV-O description, and VoID.

Each link is a triple (`ours owl:sameAs theirs`) and a `kg:Link` node naming that triple with
rdf:subject, rdf:predicate and rdf:object (plain RDF reification: any SPARQL engine reads it)
and carrying its confidence, method, evidence, source and date. The run is a `prov:Activity`
(`<graph>#activity`) with its inputs and thresholds; the graph itself is a `void:Linkset` from
this graph's dataset to the source's, with a sub-linkset per other target (ORCID iDs found in
dblp records are linked from dblp's graph).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Quad

from kg import __version__
from kg.link.model import Thresholds
from kg.mapping.iris import Minter
from kg.mapping.vocab import (
    DCTERMS,
    OWL,
    PROV,
    RDF,
    RDF_TYPE,
    RDFS,
    SKOS,
    VOID,
    XSD,
    kg_terms,
)

#: makes one quad of the link graph
QuadOf = Callable[[NamedNode, NamedNode, NamedNode | Literal], Quad]
SAME_AS = NamedNode(OWL + "sameAs")
CLOSE_MATCH = NamedNode(SKOS + "closeMatch")
SEE_ALSO = NamedNode(RDFS + "seeAlso")
_DECIMAL = NamedNode(XSD + "decimal")
_DATE_TIME = NamedNode(XSD + "dateTime")
_INTEGER = NamedNode(XSD + "integer")


def _n(namespace: str, term: str) -> NamedNode:
    return NamedNode(namespace + term)


@dataclass(frozen=True)
class Target:
    """A dataset links point into: the source itself, or ORCID, GitHub accounts…"""

    key: str  # fragment of its sub-linkset in the link graph; "" for the source's own
    dataset: str
    title: str


@dataclass(frozen=True)
class Link:
    """One link to write: the triple, how sure, how found, on what evidence, from what."""

    subject: str
    predicate: NamedNode
    target: str
    confidence: float
    method: str
    evidence: tuple[str, ...]
    into: Target
    derived_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    """One run of `kg link SOURCE`: what it read, when, with which thresholds."""

    source: str
    target: Target
    inputs: tuple[str, ...]  # file names, or the endpoint's URL
    started: datetime
    ended: datetime
    limits: Thresholds | None = None  # None for sources that need no matching


def _decimal(value: float) -> Literal:
    return Literal(f"{value:.3f}", datatype=_DECIMAL)


def _time(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="seconds"), datatype=_DATE_TIME)


def link_node(mint: Minter, source: str, link: Link) -> NamedNode:
    return mint.link(source, link.subject, link.predicate.value, link.target)


def link_quads(mint: Minter, run: Run, links: list[Link]) -> Iterator[Quad]:
    """Every quad of the link graph of `run.source`, ready for `replace_graphs`."""
    kg = kg_terms()
    graph = mint.link_graph(run.source)
    activity = mint.link_part(run.source, "activity")
    when = _time(run.ended)

    def quad(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> Quad:
        return Quad(s, p, o, graph)

    for link in links:
        subject, target = NamedNode(link.subject), NamedNode(link.target)
        node = link_node(mint, run.source, link)
        yield quad(subject, link.predicate, target)
        yield quad(node, RDF_TYPE, kg.Link)
        yield quad(node, _n(RDF, "subject"), subject)
        yield quad(node, _n(RDF, "predicate"), link.predicate)
        yield quad(node, _n(RDF, "object"), target)
        yield quad(node, kg.confidence, _decimal(link.confidence))
        yield quad(node, kg.method, Literal(link.method))
        for item in link.evidence:
            yield quad(node, kg.evidence, Literal(item))
        yield quad(node, _n(DCTERMS, "source"), NamedNode(run.target.dataset))
        yield quad(node, _n(PROV, "wasGeneratedBy"), activity)
        yield quad(node, _n(PROV, "generatedAtTime"), when)
        for origin in link.derived_from:
            yield quad(node, _n(PROV, "wasDerivedFrom"), NamedNode(origin))
    yield from _activity(mint, run, quad)
    yield from _linksets(mint, run, links, quad)


def _activity(mint: Minter, run: Run, quad: QuadOf) -> Iterator[Quad]:
    kg = kg_terms()
    activity = mint.link_part(run.source, "activity")
    agent = mint.link_part(run.source, "agent")
    label = _n(RDFS, "label")
    yield quad(activity, RDF_TYPE, _n(PROV, "Activity"))
    yield quad(activity, label, Literal(f"kg link {run.source}"))
    yield quad(activity, _n(PROV, "startedAtTime"), _time(run.started))
    yield quad(activity, _n(PROV, "endedAtTime"), _time(run.ended))
    yield quad(activity, _n(PROV, "wasAssociatedWith"), agent)
    yield quad(agent, RDF_TYPE, _n(PROV, "SoftwareAgent"))
    yield quad(agent, label, Literal(f"scholarkg {__version__}"))
    if run.limits is not None:
        yield quad(activity, kg.sameAsThreshold, _decimal(run.limits.upper))
        yield quad(activity, kg.closeMatchThreshold, _decimal(run.limits.lower))
    for number, name in enumerate(run.inputs, start=1):
        used = mint.link_part(run.source, f"input-{number}")
        yield quad(activity, _n(PROV, "used"), used)
        yield quad(used, RDF_TYPE, _n(PROV, "Entity"))
        yield quad(used, label, Literal(name))
        if name.startswith(("http://", "https://")):
            yield quad(used, _n(PROV, "atLocation"), NamedNode(name))


def _linksets(mint: Minter, run: Run, links: list[Link], quad: QuadOf) -> Iterator[Quad]:
    graph = mint.link_graph(run.source)
    by_target: dict[Target, list[Link]] = defaultdict(list)
    by_target[run.target] = []
    for link in links:
        by_target[link.into].append(link)
    title = _n(DCTERMS, "title")
    for target, members in sorted(by_target.items(), key=lambda kv: kv[0].key):
        linkset = graph if not target.key else mint.link_part(run.source, target.key)
        dataset = NamedNode(target.dataset)
        yield quad(linkset, RDF_TYPE, _n(VOID, "Linkset"))
        yield quad(linkset, title, Literal(f"Links to {target.title} from kg link "
                                           f"{run.source}", language="en"))
        yield quad(linkset, _n(VOID, "subjectsTarget"), mint.dataset())
        yield quad(linkset, _n(VOID, "objectsTarget"), dataset)
        for predicate in sorted({m.predicate.value for m in members}):
            yield quad(linkset, _n(VOID, "linkPredicate"), NamedNode(predicate))
        yield quad(linkset, _n(VOID, "triples"), Literal(str(len(members)), datatype=_INTEGER))
        yield quad(linkset, _n(DCTERMS, "created"), _time(run.ended))
        yield quad(linkset, _n(PROV, "wasGeneratedBy"), mint.link_part(run.source, "activity"))
        yield quad(dataset, RDF_TYPE, _n(VOID, "Dataset"))
        yield quad(dataset, title, Literal(target.title, language="en"))
        if target.key:
            yield quad(graph, _n(VOID, "subset"), linkset)
