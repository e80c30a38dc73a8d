"""Check the merged graph (the store's default graph) against the SHACL shapes of
`ontology/shapes.ttl`.

Both SHACL engines we can use hold their data graph in memory, at 2 to 10 KB a triple: pyshacl
over an rdflib copy could not hold 10,000 profiles, and pyrudof took 2.3 GB for 100 (245,000
triples). So the graph is validated a chunk of subjects at a time: each chunk holds every
triple of its subjects, plus the `rdf:type` of every node they point to and the graph's
`rdfs:subClassOf` triples, which is all that targets by class or node and constraints on a
node's own values (`sh:class` included) look at. A violation counts in the chunk that holds its
focus node's triples; a focus node with no triples at all counts once. Memory stays that of one
chunk, time grows linearly, and chunks can go to the build's worker processes.

Shapes that look further than a node's own values (`sh:node`, `sh:targetObjectsOf`, paths of
more than one step, ...) would see a truncated graph in a chunk: such shapes are validated in
one chunk holding the whole graph, as before.

The engine is pyrudof (compiled, ~6× pyshacl's speed) where the `rudof` extra installs it (its
wheels exist for x86_64 Linux with glibc 2.34+ and Windows), else pyshacl; both report the
same violations (tests run both).
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    RdfFormat,
    Store,
    Triple,
    parse,
    serialize,
)
from rdflib import RDF, RDFS, SH, Graph, URIRef

from kg.config import ONTOLOGY_DIR
from kg.mapping.vocab import RDF_TYPE, curie, prefix_map
from kg.mapping.vocab import RDFS as RDFS_NS
from kg.mapping.vocab import SH as SH_NS
from kg.memory import give_back
from kg.store.query import solutions, triples

if TYPE_CHECKING:
    from kg.store.remote import RemoteStore

SHAPES = ONTOLOGY_DIR / "shapes.ttl"
#: triples a chunk holds (then the subject it is on ends it): ~200 MB in pyrudof
CHUNK_TRIPLES = 20_000
#: subjects whose hashes `_runs` holds in a set
EXACT_RUNS = 100_000

_SUBCLASS = NamedNode(RDFS_NS + "subClassOf")
_TARGET_NODE = f"<{SH_NS}targetNode>"
#: shape terms that make a node's validity depend on more than its own triples and its values'
#: types
_NOT_LOCAL = {f"{SH_NS}{t}" for t in ("node", "targetObjectsOf", "qualifiedValueShape", "sparql",
                                      "and", "or", "not", "xone", "target", "inversePath",
                                      "alternativePath", "zeroOrMorePath", "oneOrMorePath",
                                      "zeroOrOnePath", "equals", "disjoint", "lessThan",
                                      "lessThanOrEquals")}
#: blank nodes are renamed to IRIs for the engines (rdflib relabels them when it parses)
_SKOLEM = "urn:x-kg-bnode:"


@dataclass(frozen=True)
class Violation:
    """One result of a validation: terms in N-Triples syntax without brackets for IRIs."""

    focus: str
    path: str | None
    component: str
    message: str
    value: str | None
    severity: str = "Violation"


@dataclass(frozen=True)
class ValidationReport:
    results: tuple[Violation, ...]

    @property
    def conforms(self) -> bool:
        return not self.results

    @property
    def violations(self) -> int:
        return len(self.results)

    @property
    def text(self) -> str:
        """The report for people: one line per result."""
        lines = ["Validation Report", f"Conforms: {self.conforms}"]
        if self.results:
            lines.append(f"Results ({len(self.results)}):")
        for r in self.results:
            path = f" {curie(r.path)}" if r.path else ""
            value = f" value {r.value}" if r.value is not None else ""
            lines.append(f"{r.severity} of {r.component.rsplit('#', 1)[-1]}: "
                         f"<{r.focus}>{path}{value}: {r.message}")
        return "\n".join(lines) + "\n"

    def turtle(self) -> bytes:
        """The report as a SHACL validation report graph, in Turtle."""
        report = BlankNode("report")
        quads = [Triple(report, RDF_TYPE, _sh("ValidationReport")),
                 Triple(report, _sh("conforms"), Literal(self.conforms))]
        for i, r in enumerate(self.results):
            node = BlankNode(f"r{i}")
            quads += [Triple(report, _sh("result"), node),
                      Triple(node, RDF_TYPE, _sh("ValidationResult")),
                      Triple(node, _sh("focusNode"), _term(r.focus)),
                      Triple(node, _sh("resultSeverity"), _sh(r.severity)),
                      Triple(node, _sh("sourceConstraintComponent"), NamedNode(r.component)),
                      Triple(node, _sh("resultMessage"), Literal(r.message))]
            if r.path:
                quads.append(Triple(node, _sh("resultPath"), NamedNode(r.path)))
            if r.value is not None:
                quads.append(Triple(node, _sh("value"), _value(r.value)))
        data = serialize(quads, format=RdfFormat.TURTLE,
                         prefixes={"sh": SH_NS, **prefix_map("graph")})
        assert data is not None  # no output given: the bytes are returned
        return data


def shapes_graph(base: str, path: Path | None = None) -> Graph:
    return Graph().parse(path or SHAPES, format="turtle", publicID=base)


def validate_store(store: Store | RemoteStore, base: str, *,
                   executor: Executor | None = None) -> ValidationReport:
    """Validate the store's default graph (the merged graph), a chunk at a time; chunks go to
    `executor`'s processes when one is given (the build's workers, idle by then)."""
    if not isinstance(store, Store):  # a server: its default graph, copied here once
        store = _copied(store, base)
    shapes = SHAPES.read_text(encoding="utf-8")
    prepared = _Shapes.of(shapes, base)
    limit = CHUNK_TRIPLES if prepared.local else None
    try:
        results = _validated(store, prepared, base, limit, executor, grouped=True)
    except _NotGrouped:
        results = _validated(store, prepared, base, limit, executor, grouped=False)
    return ValidationReport(tuple(sorted(results, key=lambda r: (r.focus, r.path or "",
                                                                    r.component, r.value or ""))))


def _validated(store: Store, prepared: _Shapes, base: str, limit: int | None,
               executor: Executor | None, *, grouped: bool) -> set[Violation]:
    results: set[Violation] = set()
    pending: list[Future[list[tuple[Violation, bool]]]] = []
    try:
        for chunk in _chunks(store, limit, grouped):
            args = (prepared.for_chunk(chunk), base, chunk.ntriples, chunk.subjects,
                    chunk.pointed)
            if executor is None:
                results.update(_kept(store, check_chunk(*args)))
                continue
            pending.append(executor.submit(check_chunk, *args))
            if len(pending) >= 4:  # bounds the chunks held in memory
                results.update(_kept(store, pending.pop(0).result()))
        for future in pending:
            results.update(_kept(store, future.result()))
    finally:
        for future in pending:
            future.cancel()
    return results


def is_local(shapes: str, base: str) -> bool:
    """Whether every shape looks only at a node's own triples and its values' types."""
    return _Shapes.of(shapes, base).local


@dataclass(frozen=True)
class _Chunk:
    ntriples: str
    subjects: frozenset[str]
    #: nodes the chunk holds only the types of: their own chunks report on them
    pointed: frozenset[str]
    #: the classes each subject is an instance of (its types and their superclasses)
    instance_of: dict[str, frozenset[str]]


@dataclass(frozen=True)
class _Shapes:
    """The shapes, and how to aim them at one chunk's subjects.

    A chunk also holds the types of the nodes its subjects point to; a shape that targets a
    class would validate those nodes too, whose other triples are in another chunk: that
    reported (and then dropped) a violation for most of them, and doubled the engine's work.
    So where every target is `sh:targetClass` or `sh:targetNode`, each chunk gets the shapes
    with their class targets replaced by the chunk's own subjects of that class, as
    `sh:targetNode`: the same focus nodes, minus those another chunk describes.
    """

    local: bool
    #: class IRI → the shapes that target it, in N-Triples
    by_class: dict[str, list[str]]
    #: the shapes as N-Triples, untouched (for shapes whose targets cannot be aimed)
    whole: str
    #: the shapes as N-Triples without their class targets (blank nodes keep their labels, so
    #: a chunk's `sh:targetNode` triples can be written after them)
    untargeted: str

    @staticmethod
    def of(shapes: str, base: str) -> _Shapes:
        graph = Graph().parse(data=shapes, format="turtle", publicID=base)
        local = not any(str(p) in _NOT_LOCAL for p in graph.predicates()) and all(
            isinstance(o, URIRef) for o in graph.objects(None, SH.path))
        aimable = not any(graph.triples((None, SH.targetSubjectsOf, None))) and not any(
            (s, RDF.type, RDFS.Class) in graph for s in graph.subjects(RDF.type, SH.NodeShape))
        by_class: dict[str, list[str]] = {}
        if local and aimable:
            for shape, cls in graph.subject_objects(SH.targetClass):
                by_class.setdefault(str(cls), []).append(shape.n3())
        whole = graph.serialize(format="nt")
        graph.remove((None, SH.targetClass, None))
        return _Shapes(local, by_class, whole, graph.serialize(format="nt"))

    def for_chunk(self, chunk: _Chunk) -> str:
        """The shapes (N-Triples) aimed at `chunk`'s subjects, where they can be."""
        if not self.by_class:
            return self.whole
        lines = {f"{shape} {_TARGET_NODE} <{subject}> .\n"  # terms as N-Triples already
                 for subject, classes in chunk.instance_of.items() for cls in classes
                 for shape in self.by_class.get(cls, ())}
        return self.untargeted + "".join(sorted(lines))


class _NotGrouped(Exception):
    """The store's iteration does not keep a subject's triples together."""


def _chunks(store: Store, limit: int | None, grouped: bool = True) -> Iterator[_Chunk]:
    """The default graph a run of subjects at a time, with the types of the nodes they point
    to.

    On disk, the store's default-graph index keeps a subject's triples together, so the graph
    is read in one pass (`grouped`); a subject seen again after its run (the in-memory store
    keeps no such order) raises `_NotGrouped`, and the caller starts again with subjects from a
    DISTINCT query and their triples looked up one subject at a time (twenty times slower on
    disk: a seek per subject).
    """
    default = DefaultGraph()
    classes = [q.triple for q in store.quads_for_pattern(None, _SUBCLASS, None, default)]
    supers = _superclasses(classes)
    held: list[Triple] = []
    subjects: set[Any] = set()
    for subject, run in _runs(store, grouped):
        if limit is not None and len(held) >= limit:
            yield _chunk(store, held, subjects, classes, supers)
            held, subjects = [], set()
        subjects.add(subject)
        held.extend(run)
    if held or not subjects:
        yield _chunk(store, held, subjects, classes, supers)


def _runs(store: Store, grouped: bool) -> Iterator[tuple[Any, list[Triple]]]:
    """Each subject of the default graph with its triples."""
    default = DefaultGraph()
    if not grouped:
        for row in solutions(store, "SELECT DISTINCT ?s { ?s ?p ?o }"):
            yield row[0], [q.triple for q in store.quads_for_pattern(row[0], None, None,
                                                                     default)]
        return
    # hashes of the subjects seen (a collision only sends us the slow way): the first ones in a
    # set, where the in-memory store gives itself away at once; the rest, 8 bytes each, checked
    # once at the end (a set of every subject took ~0.5 GB at 10,000 profiles)
    done: set[int] = set()
    later = array("q")
    current: Any = None
    run: list[Triple] = []
    for quad in store.quads_for_pattern(None, None, None, default):
        if quad.subject != current:
            if run:
                yield current, run
            current, run = quad.subject, []
            key = hash(current)
            if key in done:
                raise _NotGrouped
            if len(done) < EXACT_RUNS:
                done.add(key)
            else:
                later.append(key)
        run.append(quad.triple)
    if _repeats(done, later):
        raise _NotGrouped
    if run:
        yield current, run


def _repeats(done: set[int], later: array[int]) -> bool:
    """Whether a hash of `later` is in `done` or twice in `later`."""
    keys = np.frombuffer(later, dtype=np.int64).copy()
    keys.sort()
    return bool((keys[1:] == keys[:-1]).any()) or any(key in done for key in later)


def _superclasses(classes: list[Triple]) -> dict[str, frozenset[str]]:
    """Each class of an `rdfs:subClassOf` triple → itself and every class above it."""
    direct: dict[str, set[str]] = {}
    for t in classes:
        direct.setdefault(_name(t.subject), set()).add(_name(t.object))
    closed: dict[str, frozenset[str]] = {}
    for cls in direct:
        seen, todo = {cls}, [cls]
        while todo:
            for parent in direct.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        closed[cls] = frozenset(seen)
    return closed


def _chunk(store: Store, held: list[Triple], subjects: set[Any], classes: list[Triple],
           supers: dict[str, frozenset[str]]) -> _Chunk:
    default = DefaultGraph()
    pointed = {t.object for t in held if isinstance(t.object, NamedNode | BlankNode)}
    pointed -= subjects
    types = [q.triple for node in pointed
             for q in store.quads_for_pattern(node, RDF_TYPE, None, default)]
    data = serialize([*held, *types, *classes], format=RdfFormat.N_TRIPLES)
    assert data is not None  # no output given: the bytes are returned
    if b"_:" in data:  # blank nodes, perhaps (or a literal's text): renamed one triple at a time
        data = serialize([_skolemized(t) for t in (*held, *types, *classes)],
                         format=RdfFormat.N_TRIPLES)
        assert data is not None
    text = data.decode()
    instance_of: dict[str, set[str]] = {}
    for t in held:
        if t.predicate == RDF_TYPE and isinstance(t.object, NamedNode):
            instance_of.setdefault(_name(_skolem(t.subject)), set()).update(
                supers.get(t.object.value, (t.object.value,)))
    return _Chunk(text, frozenset(_name(_skolem(s)) for s in subjects),
                  frozenset(_name(_skolem(n)) for n in pointed),
                  {s: frozenset(c) for s, c in instance_of.items()})


def check_chunk(shapes: str, base: str, ntriples: str, subjects: frozenset[str],
                pointed: frozenset[str]) -> list[tuple[Violation, bool]]:
    """The violations whose focus node this chunk describes, and (flagged True) those whose
    focus node has no triple in it: a target node that may have none anywhere (`_kept`)."""
    found = []
    for v in _engine()(shapes, base, ntriples):
        if v.focus in subjects:
            found.append((_unskolemized(v), False))
        elif v.focus not in pointed:
            found.append((_unskolemized(v), True))
    give_back()  # the engine's graph, freed: ~200 MB a worker would otherwise keep
    return found


def _kept(store: Store, found: list[tuple[Violation, bool]]) -> list[Violation]:
    """A violation of a node no chunk describes counts once; another chunk reports the rest."""
    default = DefaultGraph()
    return [v for v, orphan in found
            if not orphan or next(store.quads_for_pattern(_term(v.focus), None, None, default),
                                  None) is None]


def _engine() -> Any:
    try:
        import pyrudof  # noqa: F401
    except ImportError:
        return _pyshacl
    return _rudof


def _rudof(shapes: str, base: str, ntriples: str) -> list[Violation]:
    import pyrudof

    rudof = _rudof_with(shapes, base)
    rudof.read_data(ntriples, format=pyrudof.RDFFormat.NTriples,
                    reader_mode=pyrudof.ReaderMode.Strict, merge=False)
    report = rudof.validate_shacl()
    return [Violation(e.focus_node, e.path, e.constraint_component, _unquoted(e.message),
                      e.value, e.severity) for e in report.violations]


@functools.lru_cache(maxsize=2)
def _rudof_with(shapes: str, base: str) -> Any:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_shacl(shapes, format=pyrudof.ShaclFormat.NTriples, base=base)
    return rudof


def _pyshacl(shapes: str, base: str, ntriples: str) -> list[Violation]:
    import pyshacl

    data = Graph().parse(data=ntriples, format="nt")
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=_rdflib_shapes(shapes, base))
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path, value = report.value(result, SH.resultPath), report.value(result, SH.value)
        severity = report.value(result, SH.resultSeverity)
        found.append(Violation(
            str(report.value(result, SH.focusNode)), None if path is None else str(path),
            str(report.value(result, SH.sourceConstraintComponent)),
            str(report.value(result, SH.resultMessage)),
            None if value is None else value.n3(),
            str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation"))
    return found


@functools.lru_cache(maxsize=2)
def _rdflib_shapes(shapes: str, base: str) -> Graph:
    return Graph().parse(data=shapes, format="nt", publicID=base)


def _copied(store: RemoteStore, base: str) -> Store:
    result = triples(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", base)
    copy = Store()
    copy.load(result.serialize(format=RdfFormat.N_TRIPLES), format=RdfFormat.N_TRIPLES)
    return copy


def _skolem(term: Any) -> Any:
    return NamedNode(_SKOLEM + term.value) if isinstance(term, BlankNode) else term


def _skolemized(t: Triple) -> Triple:
    if isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode):
        return Triple(_skolem(t.subject), t.predicate, _skolem(t.object))
    return t


def _unskolemized(v: Violation) -> Violation:
    if not v.focus.startswith(_SKOLEM):
        return v
    return Violation("_:" + v.focus[len(_SKOLEM):], v.path, v.component, v.message, v.value,
                     v.severity)


def _name(term: Any) -> str:
    return str(term.value)


def _unquoted(message: str) -> str:
    return message[1:-1] if len(message) >= 2 and message[0] == message[-1] == '"' else message


def _sh(name: str) -> NamedNode:
    return NamedNode(SH_NS + name)


def _term(text: str) -> NamedNode | BlankNode:
    return BlankNode(text[2:]) if text.startswith("_:") else NamedNode(text)


def _value(text: str) -> Any:
    """A value as an engine wrote it (N-Triples syntax, or a bare IRI)."""
    for candidate in (text, f"<{text}>"):
        try:
            (quad,) = parse(f"<urn:x:s> <urn:x:p> {candidate} .".encode(),
                            format=RdfFormat.N_TRIPLES)
            return quad.object
        except (SyntaxError, ValueError):
            continue
    return Literal(text)
