"""Link sets as SSSOM mapping sets (Simple Standard for Sharing Ontological Mappings): the
field's standard form for a mapping's confidence and justification.

Each source's links become one mapping set, written with the maintained `sssom` package as
SSSOM/TSV (its YAML metadata embedded, `#`-prefixed) and as SSSOM/RDF (Turtle). A mapping is
`subject_id predicate_id object_id` (owl:sameAs, skos:closeMatch, or rdfs:seeAlso from a topic
to its arXiv page; kg:ownerAccount is no mapping and is left out), with our confidence, a
`semapv` justification (title, year and authors, or name and shared papers:
`semapv:CompositeMatching`; an identifier taken from a matched record:
`semapv:MappingChaining`; an arXiv code: `semapv:LexicalMatching`),
the evidence as `comment`, our title or name as `subject_label`, the tool and the date.

`sssom` is an optional dependency (`scholarkg[sssom]`: it brings pandas and LinkML), imported
only here and only when a mapping set is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pyoxigraph import NamedNode, Store

from kg import __version__
from kg.config import DEFAULT_LICENSE
from kg.errors import KgError
from kg.link.links import CLOSE_MATCH, SAME_AS, SEE_ALSO, Link, Target
from kg.mapping.iris import LINK_GRAPHS, Minter
from kg.mapping.vocab import prefix_map
from kg.store.query import solutions

#: the prefixes of every CURIE a link set uses (our base is `kg`)
PREFIXES = prefix_map("mappings")
MAPPING_PREDICATES = (SAME_AS.value, CLOSE_MATCH.value, SEE_ALSO.value)
TOOL = f"scholarkg {__version__}"


def justification(method: str) -> str:
    """The semapv term for how a link was found (see the module docstring)."""
    if "of the matched record" in method:
        return "semapv:MappingChaining"
    if method.startswith(("paper:", "person:")):
        return "semapv:CompositeMatching"
    return "semapv:LexicalMatching"


@dataclass(frozen=True)
class LinkSet:
    """One source's links and what the mapping set says about them."""

    source: str
    links: Sequence[Link]
    date: datetime


def _sssom() -> Any:
    """The `sssom` modules, or a KgError saying how to install them."""
    try:
        import pandas
        from curies import Converter
        from sssom.util import MappingSetDataFrame
        from sssom.writers import write_rdf, write_table
        from sssom_schema import Mapping
    except ImportError:
        raise KgError("writing SSSOM needs the sssom package: pip install "
                      "'scholarkg[sssom]'") from None
    # sssom still relies on pandas' old silent downcasting; opt in to the behaviour pandas
    # keeps, so its deprecation warning is not raised on every write
    pandas.set_option("future.no_silent_downcasting", True)
    return Converter, MappingSetDataFrame, Mapping, write_table, write_rdf


def prefixes_for(base: str, iris: Iterable[str]) -> dict[str, str]:
    """PREFIXES, our base, and one `ns1`, `ns2`… per other host a link points to."""
    prefixes = {"kg": base, **PREFIXES}
    for iri in sorted(iris):
        if not any(iri.startswith(ns) for ns in prefixes.values()):
            parts = urlsplit(iri)
            prefixes[f"ns{len(prefixes) - len(PREFIXES)}"] = f"{parts.scheme}://{parts.netloc}/"
    return prefixes


def labels(store: Store, base: str, subjects: Iterable[str]) -> dict[str, str]:
    """schema:name of each subject (our paper's title, our person's name)."""
    wanted = sorted(set(subjects))
    if not wanted:
        return {}
    values = " ".join(str(NamedNode(s)) for s in wanted)
    result = solutions(store, f"SELECT ?s (MIN(?n) AS ?name) {{ VALUES ?s {{ {values} }} "
                              "?s schema:name ?n } GROUP BY ?s", base)
    return {row["s"].value: row["name"].value for row in result if row["name"] is not None}


def mapping_set(link_set: LinkSet, base: str, names: dict[str, str]) -> Any:
    """The SSSOM MappingSetDataFrame of `link_set`; `names` gives subject labels.

    Raises KgError when the sssom package is not installed.
    """
    converter_class, frame, mapping, _, _ = _sssom()
    links = [link for link in link_set.links if link.predicate.value in MAPPING_PREDICATES]
    converter = converter_class.from_prefix_map(
        prefixes_for(base, [link.target for link in links]))
    mappings = [mapping(
        subject_id=converter.compress(link.subject, strict=True),
        subject_label=names.get(link.subject),
        predicate_id=converter.compress(link.predicate.value, strict=True),
        object_id=converter.compress(link.target, strict=True),
        mapping_justification=justification(link.method),
        confidence=round(link.confidence, 3),
        comment="; ".join((link.method, *link.evidence)),
        object_source=link.into.dataset,
    ) for link in sorted(links, key=lambda k: (k.subject, k.predicate.value, k.target))]
    mint = Minter(base)
    metadata = {
        "mapping_set_id": mint.link_graph(link_set.source).value,
        "mapping_set_title": f"kg link {link_set.source}",
        "license": DEFAULT_LICENSE,
        "mapping_date": link_set.date.date().isoformat(),
        "mapping_tool": TOOL,
    }
    return frame.from_mappings(mappings, converter=converter, metadata=metadata)


def rdf_path(path: Path) -> Path:
    """Where the RDF of a mapping set written to `path` goes: `x.sssom.tsv` → `x.sssom.ttl`."""
    return path.with_suffix(".ttl")


def write_mapping_set(link_set: LinkSet, base: str, names: dict[str, str], path: Path
                      ) -> tuple[Path, Path]:
    """Write `link_set` as SSSOM/TSV to `path` and SSSOM/RDF (Turtle) next to it.

    Raises KgError when the sssom package is missing or the files cannot be written.
    """
    *_, write_table, write_rdf = _sssom()
    frame = mapping_set(link_set, base, names)
    turtle = rdf_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_table(frame, path)
        write_rdf(mapping_set(link_set, base, names), turtle)
    except OSError as e:
        raise KgError(f"{path}: cannot write the SSSOM mapping set ({e.strerror or e})") from None
    return path, turtle


_STORED = """SELECT ?g ?s ?p ?o ?confidence ?method ?dataset ?when
    (GROUP_CONCAT(?e; separator="\\u001f") AS ?evidence) {
  GRAPH ?g { ?link a kg:Link ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
    kg:confidence ?confidence ; kg:method ?method ; dcterms:source ?dataset ;
    prov:generatedAtTime ?when . OPTIONAL { ?link kg:evidence ?e } }
} GROUP BY ?g ?s ?p ?o ?confidence ?method ?dataset ?when"""


def stored_link_sets(store: Store, base: str) -> list[LinkSet]:
    """Every link graph of the store (`graph/links/SOURCE`) as a LinkSet, by source name."""
    result = solutions(store, _STORED, base)
    prefix = base + LINK_GRAPHS
    found: dict[str, tuple[list[Link], datetime]] = {}
    for row in result:
        graph = row["g"].value
        if not graph.startswith(prefix):
            continue
        when = datetime.fromisoformat(row["when"].value.replace("Z", "+00:00"))
        links, _ = found.setdefault(graph.removeprefix(prefix), ([], when))
        evidence = row["evidence"].value.split("\u001f") if row["evidence"] else []
        links.append(Link(row["s"].value, NamedNode(row["p"].value), row["o"].value,
                          float(row["confidence"].value), row["method"].value,
                          tuple(sorted(e for e in evidence if e)),
                          Target("", row["dataset"].value, "")))
    return [LinkSet(source, links, when) for source, (links, when) in sorted(found.items())]


def export_link_sets(store: Store, base: str, out_dir: Path) -> list[Path]:
    """Write every link graph of the store as `links-SOURCE.sssom.tsv` and `.ttl` in
    `out_dir` (for `kg export --sssom`); returns the files written."""
    written: list[Path] = []
    for link_set in stored_link_sets(store, base):
        names = labels(store, base, (link.subject for link in link_set.links))
        written.extend(write_mapping_set(link_set, base, names,
                                         out_dir / f"links-{link_set.source}.sssom.tsv"))
    return written
