"""`kg link SOURCE`: link the graph to dblp, Wikidata, OpenAlex, arXiv or GitHub.

Each source's links replace that source's named graph, so a source can be linked again at any
time; the other sources' graphs and the profiles are untouched, and `kg build` keeps the links.
dblp and Wikidata are read from an RDF dump (`--dump`) or asked through their SPARQL endpoint
(`--endpoint`); OpenAlex from its snapshot files. arXiv and GitHub need no reference data.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from kg.config import DEFAULT_SPARQL_PATHS, DEFAULT_STORE
from kg.errors import KgError
from kg.link.model import Outcome, Thresholds
from kg.link.run import DEFAULT_LIMITS, Report, link_source
from kg.mapping.vocab import curie
from kg.store.local import open_read_only
from kg.store.remote import is_remote

#: where `--sparql-paths` is kept in the click context
_PATHS = "kg.sparql_paths"

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

class _StorePath(click.Path):
    """A store folder as a Path, or a SPARQL server's URL as it is (a Path loses its '//')."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        return value if is_remote(str(value)) else super().convert(value, param, ctx)


def _store(command: Any) -> Any:
    """`--store` (a folder or a server's URL) and, for a server, `--sparql-paths`, kept in
    the context for `_run` (the commands take `store` only)."""
    command = click.option(
        "--sparql-paths", default=DEFAULT_SPARQL_PATHS, show_default=True, expose_value=False,
        metavar="QUERY,UPDATE,STORE",
        callback=lambda ctx, _param, value: ctx.meta.__setitem__(_PATHS, value),
        help="With --store URL: the server's query, update and Graph Store paths "
             "(Virtuoso: /sparql,/sparql,/sparql-graph-crud).")(command)
    return click.option(
        "--store", type=_StorePath(path_type=Path), default=DEFAULT_STORE, show_default=True,
        help="Folder of the built store (a symlink that kg build swaps atomically), or the URL "
             "of a SPARQL server kg build wrote to.")(command)


_dry_run = click.option("--dry-run", is_flag=True,
                        help="Match and report, but write nothing.")
_sssom = click.option("--sssom", "sssom", type=click.Path(dir_okay=False, path_type=Path),
                      help="Also write the links as an SSSOM mapping set: FILE (SSSOM/TSV with "
                           "its YAML metadata) and FILE with .ttl (SSSOM/RDF).")
_dumps = click.option("--dump", "dumps", multiple=True,
                      type=click.Path(exists=True, dir_okay=False, path_type=Path),
                      help="A dump file (repeatable); gzip or not.")


def _limits(command: Any) -> Any:
    for option in reversed((
        click.option("--upper", type=click.FloatRange(0, 1), default=DEFAULT_LIMITS.upper,
                     show_default=True, help="Confidence from which to state owl:sameAs."),
        click.option("--lower", type=click.FloatRange(0, 1), default=DEFAULT_LIMITS.lower,
                     show_default=True, help="Confidence from which to state skos:closeMatch."),
        click.option("--margin", type=click.FloatRange(0, 1), default=DEFAULT_LIMITS.margin,
                     show_default=True,
                     help="Two candidates closer than this are ambiguous: no link."),
    )):
        command = option(command)
    return command


class _Group(click.Group):
    """Turns KgError into one `kg: message` line and exit status 1, as the `kg` group does."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except KgError as e:
            err.print(f"kg: {e}", markup=False)
            sys.exit(1)


@click.group(cls=_Group)
def link() -> None:
    """Link papers, persons, topics and repositories to reference sources.

    Every link carries its confidence, method, evidence, source and date (PROV-O) in the
    source's own named graph, <base>graph/links/SOURCE, described as a VoID Linkset.
    """


class _Bars:
    """A rich progress bar per task, on standard error, shown only on a terminal."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, task: str, done: int, total: int | None) -> None:
        if task not in self.tasks:
            self.tasks[task] = self.progress.add_task(task, total=total)
        self.progress.update(self.tasks[task], completed=done, total=total)


def _run(store: Path | str, source: str, dry_run: bool, sssom: Path | None = None,
         **options: Any) -> None:
    if isinstance(store, str):  # a server: link a copy of its build, push the link graph back
        from kg.build.remote import push_graphs
        from kg.mapping.iris import Minter
        from kg.store.remote import open_remote
        from kg.store.remote_copy import copy_build
        from kg.store.scratch import scratch_folder

        paths = click.get_current_context().meta.get(_PATHS, DEFAULT_SPARQL_PATHS)
        remote = open_remote(store, paths)
        with scratch_folder("link") as scratch:
            copy = Path(scratch) / "store"
            info = copy_build(remote, copy)
            report = _link(copy, source, dry_run, **options)
            if report.written:
                push_graphs(remote, copy, [Minter(info.base).link_graph(source)])
            _print(report, store)
            if sssom is not None:
                _write_sssom(report, copy, sssom)
        return
    report = _link(store, source, dry_run, **options)
    _print(report, store)
    if sssom is not None:
        _write_sssom(report, store, sssom)


def _link(store: Path, source: str, dry_run: bool, **options: Any) -> Report:
    columns = (TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True,
                  disable=not err.is_terminal) as progress:
        return link_source(store, source, dry_run=dry_run, progress=_Bars(progress),
                           **options)


def _write_sssom(report: Report, store_dir: Path, path: Path) -> None:
    from kg.link.mappings import LinkSet, labels, write_mapping_set

    store, info = open_read_only(store_dir)
    names = labels(store, info.base, (link.subject for link in report.links))
    written = write_mapping_set(LinkSet(report.source, report.links, report.ended
                                        or datetime.now(UTC)), info.base, names, path)
    out.print(f"SSSOM mapping set: {written[0]} and {written[1]}", markup=False)


def _print(report: Report, store: Path | str) -> None:
    if not report.decisions:  # arXiv, GitHub: nothing matched, every link certain
        by_predicate = Counter(curie(link.predicate.value) for link in report.links)
        table = Table("predicate", "links", title=f"kg link {report.source}",
                      title_justify="left")
        for predicate, count in sorted(by_predicate.items()):
            table.add_row(predicate, f"{count:,}")
    else:
        table = _matches(report)
    out.print(table)
    _print_rest(report, store)


def _matches(report: Report) -> Table:
    table = Table("", "candidates", "sameAs", "closeMatch", "below threshold", "ambiguous",
                  title=f"kg link {report.source}", title_justify="left",
                  caption="candidates: pairs scored; the other columns count entities of ours",
                  caption_justify="left")
    for kind, _entities, *figures in report.rows():
        table.add_row(kind + "s", *(f"{n:,}" for n in figures))
    return table


def _print_rest(report: Report, store: Path | str) -> None:
    derived: dict[str, int] = {}
    for item in report.links:
        if item.into.key:
            derived[item.into.title] = derived.get(item.into.title, 0) + 1
    for title, count in sorted(derived.items()):
        out.print(f"{title}: {count:,} from the matched records", markup=False)
    for decision in report.ambiguous():
        out.print(f"ambiguous: {decision.local} — {decision.reason}", markup=False)
    for decision in report.other_versions():
        assert decision.best is not None
        out.print(f"another version: {decision.local} ~ {decision.best.external} "
                  f"({decision.best.score:.3f}) — {decision.best.related_only}", markup=False)
    linked = sum(1 for d in report.decisions if d.outcome in (Outcome.SAME_AS,
                                                               Outcome.CLOSE_MATCH))
    if report.written:
        out.print(f"wrote {len(report.links):,} links ({report.quads:,} quads) to the "
                  f"{report.source} link graph of {store}", markup=False)
    else:
        out.print(f"dry run: {len(report.links):,} links ({linked:,} matched entities) "
                  "would be written; nothing was changed", markup=False)


def _source_options(dumps: tuple[Path, ...], endpoint: str | None, source: str) -> None:
    if bool(dumps) == bool(endpoint):
        raise KgError(f"kg link {source} needs either --dump FILE or --endpoint URL (not both)")


#: the sources read from a dump or a SPARQL endpoint: name → (help text, the endpoint's help)
SPARQL_SOURCES = {
    "dblp": ("""Papers and persons to dblp (RDF dump or SPARQL endpoint).

    The dump is dblp's RDF (N-Triples or Turtle, gzip or not); the endpoint any SPARQL 1.1
    endpoint holding dblp's schema.
    """, "dblp's SPARQL endpoint (e.g. https://sparql.dblp.org/sparql)."),
    "wikidata": ("""Papers and persons to Wikidata (truthy dump or SPARQL endpoint).

    The dump is a subset of Wikidata's truthy N-Triples (gzip or not); the endpoint any
    SPARQL 1.1 endpoint holding Wikidata's model.
    """, "A SPARQL endpoint with Wikidata's model (https://query.wikidata.org/sparql)."),
}


def _sparql_source(name: str, doc: str, endpoint_help: str) -> None:
    """Add `kg link NAME`: one command per source, all made the same way."""

    @_dumps
    @click.option("--endpoint", metavar="URL", help=endpoint_help)
    @click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
                  help="Seconds to wait for each endpoint answer.")
    @_limits
    @_sssom
    @_store
    @_dry_run
    def command(dumps: tuple[Path, ...], endpoint: str | None, timeout: float, upper: float,
                lower: float, margin: float, sssom: Path | None, store: Path,
                dry_run: bool) -> None:
        _source_options(dumps, endpoint, name)
        _run(store, name, dry_run, sssom, dumps=dumps, endpoint=endpoint, timeout=timeout,
             limits=_thresholds(upper, lower, margin))

    command.__doc__ = doc
    link.command(name)(command)


for _name, (_doc, _endpoint_help) in SPARQL_SOURCES.items():
    _sparql_source(_name, _doc, _endpoint_help)


@link.command()
@_dumps
@_limits
@_sssom
@_store
@_dry_run
def openalex(dumps: tuple[Path, ...], upper: float, lower: float, margin: float,
             sssom: Path | None, store: Path, dry_run: bool) -> None:
    """Papers and persons to OpenAlex (snapshot files).

    Give the works files and, if you have them, the authors files of an OpenAlex snapshot
    (JSON Lines, gzip or not) with one --dump each.
    """
    _source_options(dumps, None, "openalex")
    _run(store, "openalex", dry_run, sssom, dumps=dumps,
         limits=_thresholds(upper, lower, margin))


@link.command()
@_sssom
@_store
@_dry_run
def arxiv(sssom: Path | None, store: Path, dry_run: bool) -> None:
    """Topics to their arXiv category pages (no reference data needed).

    Each topic gets rdfs:seeAlso https://arxiv.org/list/CODE, the page arXiv publishes for its
    category.
    """
    _run(store, "arxiv", dry_run, sssom)


@link.command()
@_sssom
@_store
@_dry_run
def github(sssom: Path | None, store: Path, dry_run: bool) -> None:
    """Repositories to their GitHub owner accounts (no reference data needed).

    Each GitHub repository is linked to its owner's account https://github.com/OWNER
    (kg:ownerAccount); its page is already its schema:codeRepository.
    """
    _run(store, "github", dry_run, sssom)


def _thresholds(upper: float, lower: float, margin: float) -> Thresholds:
    if lower > upper:
        raise KgError(f"--lower {lower} is above --upper {upper}")
    return Thresholds(upper, lower, margin)
