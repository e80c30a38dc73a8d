"""What changed between two releases: two stores, two dumps, or one of each.

Quads are compared graph by graph when both sides keep named graphs (stores, N-Quads, TriG);
otherwise the merged graphs are compared triple by triple. The summary counts changed triples
by the type of their subject, which is what a reader of release notes asks first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from kg.errors import KgError
from kg.formats import of_file
from kg.mapping.vocab import RDF_TYPE
from kg.store.files import load_rdf_file
from kg.store.local import MANIFEST, open_read_only


@dataclass
class Side:
    store: Store
    has_graphs: bool


@dataclass
class Diff:
    #: graph name (or "" for the merged graph) → (added, removed)
    graphs: dict[str, tuple[list[Quad], list[Quad]]] = field(default_factory=dict)
    #: subject type → (triples added, triples removed)
    by_type: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def added(self) -> int:
        return sum(len(a) for a, _ in self.graphs.values())

    @property
    def removed(self) -> int:
        return sum(len(r) for _, r in self.graphs.values())


def open_side(path: Path) -> Side:
    """A store folder or a dump file. Raises KgError for anything else."""
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            raise KgError(f"{path}: not a store (no {MANIFEST}) and not a dump file")
        return Side(open_read_only(path)[0], True)
    if not path.is_file():
        raise KgError(f"{path}: no such store or dump file")
    known = of_file(path.name)
    return Side(load_rdf_file(path), known is None or known.quads)


def diff(old: Side, new: Side) -> Diff:
    result = Diff()
    if old.has_graphs and new.has_graphs:
        names = sorted({g.value for g in old.store.named_graphs()}
                       | {g.value for g in new.store.named_graphs()})
        for name in ["", *names]:
            graph = NamedNode(name) if name else DefaultGraph()
            added = _missing(new.store, old.store, graph)
            removed = _missing(old.store, new.store, graph)
            if added or removed:
                result.graphs[name] = (added, removed)
    else:
        added = [q for q in _merged(new.store) if not _has_triple(old.store, q)]
        removed = [q for q in _merged(old.store) if not _has_triple(new.store, q)]
        if added or removed:
            result.graphs[""] = (added, removed)
    plus: Counter[str] = Counter()
    minus: Counter[str] = Counter()
    for added, removed in result.graphs.values():
        plus.update(_type_of(new.store, q) for q in added)
        minus.update(_type_of(old.store, q) for q in removed)
    result.by_type = {t: (plus[t], minus[t]) for t in sorted(plus.keys() | minus.keys())}
    return result


def _missing(source: Store, other: Store, graph: NamedNode | DefaultGraph) -> list[Quad]:
    return [q for q in source.quads_for_pattern(None, None, None, graph) if q not in other]


def _merged(store: Store) -> Iterator[Quad]:
    seen = set()
    for quad in store.quads_for_pattern(None, None, None, None):
        if quad.triple not in seen:
            seen.add(quad.triple)
            yield Quad(quad.subject, quad.predicate, quad.object)


def _has_triple(store: Store, quad: Quad) -> bool:
    return next(iter(store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)),
                None) is not None


def _type_of(store: Store, quad: Quad) -> str:
    """The subject's type, shortened to its local name; "(untyped)" when it has none."""
    for t in store.quads_for_pattern(quad.subject, RDF_TYPE, None, None):
        kind = t.object
        if isinstance(kind, NamedNode):
            return kind.value.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    subject = quad.subject
    if isinstance(subject, NamedNode) and "#" in subject.value:  # authorships, link parts:
        return _type_of(store, Quad(NamedNode(subject.value.split("#")[0]),  # their document's
                                    quad.predicate, quad.object))
    return "(untyped)"
