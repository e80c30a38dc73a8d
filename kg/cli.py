"""The `kg` command: build, query, inspect, validate and serve a scholarly knowledge graph.

Every user error is a KgError, shown as one line per problem and exit status 1; a traceback
means a bug of ours.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kg import __version__
from kg.config import (
    DEFAULT_BASE,
    DEFAULT_DUMPS,
    DEFAULT_HOST,
    DEFAULT_LICENSE,
    DEFAULT_PORT,
    DEFAULT_SPARQL_PATHS,
    DEFAULT_STORE,
    DUMP_FORMATS,
)
from kg.errors import KgError, ProfileError
from kg.parse import find_sources
from kg.text import visible

if TYPE_CHECKING:
    from kg.store.remote import RemoteStore

#: a click command being decorated
_Command = TypeVar("_Command", bound=Callable[..., Any])

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def _iri(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from pyoxigraph import NamedNode

    try:
        NamedNode(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IRI") from None
    return value


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-24") from None


def _memory_size(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    from kg.memory import parse_size

    try:
        return parse_size(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def store_option(command: _Command) -> _Command:
    """`--store` (a folder, or the URL of a SPARQL server) and the remote server's paths."""
    command = click.option(
        "--sparql-paths", default=DEFAULT_SPARQL_PATHS, show_default=True,
        metavar="QUERY,UPDATE,STORE",
        help="With --store URL: the server's query, update and Graph Store paths "
             "(Oxigraph's are the default; Fuseki: /ds/query,/ds/update,/ds/data).")(command)
    return click.option(
        "--store", default=str(DEFAULT_STORE), show_default=True,
        help="Folder of the built store (a symlink kg build swaps atomically), or the URL of "
             "a SPARQL 1.1 server with Update and Graph Store Protocol.")(command)


def _remote(store: str, sparql_paths: str) -> RemoteStore:
    from kg.store.remote import open_remote

    return open_remote(store, sparql_paths)


def _open(store: str, sparql_paths: str):  # type: ignore[no-untyped-def]
    """The store to read (a local one read-only, or a remote server) and its build info."""
    from kg.store import open_read_only
    from kg.store.remote import is_remote

    if is_remote(store):
        remote = _remote(store, sparql_paths)
        return remote, remote.read_info()
    return open_read_only(Path(store))


class _Group(click.Group):
    """Turns KgError into `kg: message` lines and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        # `kill` stops a command the way Ctrl-C does: a build removes its half-written folder
        # and stops its workers (status 143), a server its workers and its copies of the
        # graph (status 0: that is how a server is stopped)
        terminated: list[int] = []

        def stop(signum: int, _frame: object) -> None:
            terminated.append(signum)
            sys.exit(0 if ctx.invoked_subcommand == "serve" else 143)

        installed = threading.current_thread() is threading.main_thread()
        if installed:
            previous = signal.signal(signal.SIGTERM, stop)
        try:
            return super().invoke(ctx)
        except ProfileError as e:
            for problem in e.problems:
                err.print(str(problem), markup=False)
            err.print(f"kg: {len(e.problems)} problem(s) found; nothing was changed", markup=False)
            sys.exit(1)
        except KgError as e:
            err.print(f"kg: {e}", markup=False)
            sys.exit(1)
        except BrokenProcessPool:  # its workers were killed, by a signal to the whole group
            if terminated:
                sys.exit(143)
            err.print("kg: a worker process died (killed, or out of memory?); nothing was "
                      "changed", markup=False)
            sys.exit(1)
        finally:
            if installed:  # `previous` may be None: a handler not set from Python
                signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Turn researcher profile pages into a scholarly knowledge graph and serve it over SPARQL."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@click.option("--base", default=DEFAULT_BASE, show_default=True,
              help="Base IRI of every minted IRI; the default dereferences on `kg serve`.")
@click.option("--as-of", callback=_as_of, metavar="YYYY-MM-DD",
              help="The date the profiles were read; resolves dates without a year. "
                   "[default: today]")
@click.option("--skip-invalid", is_flag=True,
              help="Build what is valid and list the files left out, instead of failing.")
@click.option("--no-keyphrases", is_flag=True, help="Do not extract key phrases (faster).")
@click.option("--no-validate", is_flag=True, help="Skip the SHACL validation of the new graph.")
@click.option("--full", is_flag=True,
              help="Rebuild every profile, not only those that changed since the last build.")
def build(paths: tuple[Path, ...], store: str, sparql_paths: str, base: str, as_of: date,
          skip_invalid: bool, no_keyphrases: bool, no_validate: bool, full: bool) -> None:
    """Build a store from profile files or folders of them (PATHS).

    The new store is built aside and swapped in only when complete: a failed build leaves the
    previous store untouched.
    """
    from kg.build import build as run_build
    from kg.store.remote import is_remote

    sources = find_sources(paths)
    columns = (TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.description}"))
    quiet = len(sources) < 2 or not err.is_terminal
    with Progress(*columns, console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task("", total=len(sources))
        report = run_build(
            sources, _remote(store, sparql_paths) if is_remote(store) else Path(store),
            base=base, as_of=as_of, skip_invalid=skip_invalid, keyphrases=not no_keyphrases,
            validate=not no_validate, full=full,
            progress=lambda name: bar.update(task, advance=1, description=Path(name).name),
        )
    for problem in report.warnings:
        err.print(f"warning: {problem}", markup=False)
    for problem in report.skipped:
        err.print(f"skipped: {problem}", markup=False)
    table = Table(title=f"Built {store}", show_header=False, title_justify="left")
    c = report.counts
    for label in ("profiles", "papers", "persons", "topics", "keyphrases", "repositories",
                  "triples", "quads"):
        table.add_row(label, f"{c[label]:,}")
    table.add_row("profiles parsed", f"{report.rebuilt:,}")
    if report.reused or report.removed:
        table.add_row("profiles unchanged", f"{report.reused:,}")
        table.add_row("profiles removed", f"{report.removed:,}")
    if report.skipped:
        table.add_row("files skipped", f"{len({p.file for p in report.skipped}):,}")
    table.add_row("seconds", f"{report.seconds:.2f}")
    out.print(table)


@main.command()
@click.argument("sparql")
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output for SELECT and ASK; graphs are printed as Turtle.")
def query(sparql: str, store: str, sparql_paths: str, fmt: str) -> None:
    """Run a SPARQL query (use - to read it from standard input).

    The default graph is the merged graph (each triple once; GRAPH ?g reaches each profile's
    own graph); schema:, kg:, xsd: and the other common prefixes need no PREFIX line.
    """
    from kg.store import run_query

    if sparql == "-":
        sparql = sys.stdin.read()
    db, info = _open(store, sparql_paths)
    try:
        _print_result(run_query(db, sparql, info.base, **_search_functions(store)), fmt)
    except OSError as e:  # an evaluation error the engine reports while answering
        raise KgError(f"the query failed: {e}") from None


def _search_functions(store: str) -> dict[str, Any]:
    """`kg:search` for a local store with a search index (`kg.search.sparql`)."""
    from kg.search.sparql import functions_of_store
    from kg.store.remote import is_remote

    return {} if is_remote(store) else {"custom_functions": functions_of_store(Path(store))}


@main.command()
@click.argument("text")
@store_option
@click.option("--type", "kinds", multiple=True,
              type=click.Choice(["paper", "person", "topic", "keyphrase", "repository"]),
              help="Only hits of this type (repeat for several).")
@click.option("--year", "years", multiple=True, type=int, help="Only papers of this year.")
@click.option("--topic", "topics", multiple=True, metavar="CODE",
              help="Only hits about this arXiv category, e.g. cs.CV.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print hits and facet counts as JSON.")
def search(text: str, store: str, sparql_paths: str, kinds: tuple[str, ...],
           years: tuple[int, ...], topics: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Full-text search of titles, abstracts, names, key phrases, topics and repositories.

    Names may be cut short or misspelt ('zhao guoy'); accents are optional ('Tormanen').
    """
    from kg.errors import SearchError
    from kg.search import open_index
    from kg.store.local import read_info
    from kg.store.remote import is_remote

    if is_remote(store):
        raise SearchError("kg search needs a store built by kg build: a SPARQL server "
                          "(--store URL) has no search index")
    read_info(Path(store))  # a missing store is said as such
    index = open_index(Path(store).resolve())
    if index is None:
        raise SearchError(f"{store} has no search index (built before search existed); "
                          "rebuild it with kg build --full")
    result = index.search(text, kinds=kinds, years=years, topics=topics, limit=limit)
    if as_json:
        click.echo(json.dumps({"q": text, "total": result.total,
                               "results": [hit.to_json() for hit in result.hits],
                               "facets": {name: dict(counts)
                                          for name, counts in result.facets.items()}},
                              indent=2, ensure_ascii=False))
        return
    table = Table("type", "name", "year", "score", title=f"{result.total:,} hit(s)",
                  title_justify="left")
    for hit in result.hits:
        table.add_row(hit.kind, Text(visible(hit.name)), str(hit.year or ""),
                      f"{hit.score:.2f}")
    out.print(table)


def _print_result(result, fmt: str) -> None:  # type: ignore[no-untyped-def]
    if isinstance(result, QuerySolutions | QueryBoolean) and fmt != "table":
        results_format = QueryResultsFormat.JSON if fmt == "json" else QueryResultsFormat.CSV
        text = (result.serialize(format=results_format) or b"").decode("utf-8")
        # CSV writes literals raw (JSON and Turtle escape them): not so on a terminal
        sys.stdout.write(visible(text) if sys.stdout.isatty() else text)
        if fmt == "json":
            sys.stdout.write("\n")
    elif isinstance(result, QueryBoolean):
        out.print("true" if bool(result) else "false")
    elif isinstance(result, QuerySolutions):
        names = [v.value for v in result.variables]
        table = Table(*names)
        for row in result:
            # Text, not markup: '[bold]' or '[/x]' in the data is printed as it is
            table.add_row(*(Text("" if row[n] is None else visible(_show(row[n])))
                            for n in names))
        out.print(table)
    else:
        sys.stdout.write(result.serialize(format=RdfFormat.TURTLE).decode("utf-8"))


def _show(term: object) -> str:
    from pyoxigraph import Literal

    value = getattr(term, "value", str(term))
    return value if isinstance(term, Literal) else f"<{value}>"


@main.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(store: str, sparql_paths: str, as_json: bool) -> None:
    """Show what a store holds: profiles, papers, persons, topics, repositories, triples."""
    from kg.store import graph_stats

    db, info = _open(store, sparql_paths)
    counts = graph_stats(db, info.base)
    if as_json:
        click.echo(json.dumps({"base": info.base, "built_at": info.built_at, **counts}, indent=2))
        return
    table = Table(title=f"{store} (built {info.built_at}, base {info.base})", show_header=False,
                  title_justify="left")
    for label, value in counts.items():
        table.add_row(label, f"{value:,}")
    out.print(table)


@main.command()
@store_option
def validate(store: str, sparql_paths: str) -> None:
    """Validate a store against the SHACL shapes of ontology/shapes.ttl and print the report."""
    from kg.store import validate_store

    db, info = _open(store, sparql_paths)
    report = validate_store(db, info.base)
    click.echo(report.text.rstrip())
    if not report.conforms:
        raise KgError(f"{report.violations} SHACL violation(s)")


@main.command()
@store_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_DUMPS,
              show_default=True, help="Folder for the dumps (kg serve --dumps serves it).")
@click.option("--format", "formats", multiple=True, type=click.Choice(list(DUMP_FORMATS)),
              help="Dump format; repeat for several. [default: all]")
@click.option("--gzip", "compress", is_flag=True, help="Compress the dumps with gzip.")
@click.option("--license", "license_iri", default=DEFAULT_LICENSE, show_default=True,
              callback=_iri,
              help="IRI of the licence the VoID description states.")
@click.option("--no-validate", is_flag=True,
              help="Write no SHACL report (the slowest part of an export of a large graph).")
@click.option("--sssom", is_flag=True,
              help="Also write each link graph as an SSSOM mapping set, links-SOURCE.sssom.tsv "
                   "and .ttl (needs scholarkg[sssom]).")
def export(store: str, sparql_paths: str, out_dir: Path, formats: tuple[str, ...],
           compress: bool, license_iri: str, no_validate: bool, sssom: bool) -> None:
    """Write dumps of the graph with their VoID/DCAT description and a SHACL report.

    N-Quads and TriG keep every named graph; Turtle, N-Triples and JSON-LD hold the merged
    graph. The same store always gives byte-identical files.
    """
    from contextlib import ExitStack

    with ExitStack() as stack:
        local = _local_copy(stack, store, sparql_paths)  # a server's build: copied first
        _export(local, out_dir, formats, compress, license_iri, no_validate, sssom)


def _local_copy(stack: Any, store: str, sparql_paths: str) -> Path:
    """The store folder `store` names, or for a server's URL a copy of the build it holds
    (`kg.store.remote_copy`), removed when `stack` closes."""
    from kg.store.remote import is_remote

    if not is_remote(store):
        return Path(store)
    from kg.store.remote_copy import copy_build
    from kg.store.scratch import scratch_folder

    copy = Path(stack.enter_context(scratch_folder("copy"))) / "store"
    with err.status(f"copying the graph of {store}…"):
        copy_build(_remote(store, sparql_paths), copy)
    return copy


def _export(store: Path, out_dir: Path, formats: tuple[str, ...], compress: bool,
            license_iri: str, no_validate: bool, sssom: bool) -> None:
    from kg.export import export as run_export

    _warn_if_loopback(store)
    with err.status("exporting…") as status:
        report = run_export(store, out_dir, formats or tuple(DUMP_FORMATS), compress=compress,
                            license_iri=license_iri, validate=not no_validate,
                            progress=lambda fmt: status.update(f"writing {fmt}…"))
    table = Table("file", "bytes", "sha256", title=f"Exported to {out_dir}",
                  title_justify="left")
    for dump in report.dumps:
        table.add_row(dump.path.name, f"{dump.byte_size:,}", dump.sha256[:16])
    table.add_row(report.void.name, f"{report.void.stat().st_size:,}", "")
    if report.report is None:
        table.add_row("(no SHACL report)", "--no-validate", "")
    else:
        table.add_row(report.report.name, "conforms" if report.conforms else "VIOLATIONS", "")
    if sssom:
        from kg.link.mappings import export_link_sets
        from kg.store.local import open_read_only

        db, info = open_read_only(store)
        for path in export_link_sets(db, info.base, out_dir):
            table.add_row(path.name, f"{path.stat().st_size:,}", "")
    out.print(table)
    out.print(f"{report.seconds:.2f} seconds")


def _warn_if_loopback(store: Path) -> None:
    """Dumps are for publishing: IRIs under a loopback base dereference for nobody else."""
    from urllib.parse import urlsplit

    from kg.serve.hosts import is_loopback
    from kg.store.local import read_info

    base = read_info(store.resolve()).base
    if is_loopback(urlsplit(base).hostname or ""):
        err.print(f"warning: the graph's base IRI {base} is a loopback address, so its IRIs "
                  "dereference for nobody else; to publish these dumps, rebuild with "
                  "--base https://YOUR-HOST/", markup=False)


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--show", default=0, show_default=True, type=click.IntRange(min=0),
              help="Also print up to N added and N removed triples of each graph.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("--sparql-paths", default="/query,/update,/store", show_default=True,
              metavar="QUERY,UPDATE,STORE",
              help="For a SPARQL server's URL: its query, update and Graph Store paths.")
def diff(old: str, new: str, show: int, as_json: bool, sparql_paths: str) -> None:
    """Show what changed from OLD to NEW (each a store folder, a dump file or the URL of a
    SPARQL server kg build wrote to).

    Added and removed triples per graph, then a summary by the type of the changed subjects.
    """
    from contextlib import ExitStack

    from pyoxigraph import RdfFormat as Format
    from pyoxigraph import serialize

    from kg.export.diff import diff as run_diff
    from kg.export.diff import open_side

    with ExitStack() as stack:
        result = run_diff(open_side(_local_copy(stack, old, sparql_paths)),
                          open_side(_local_copy(stack, new, sparql_paths)))
    if as_json:
        click.echo(json.dumps({
            "added": result.added, "removed": result.removed,
            "graphs": {g or "(merged)": {"added": len(a), "removed": len(r)}
                       for g, (a, r) in result.graphs.items()},
            "by_type": {t: {"added": a, "removed": r} for t, (a, r) in result.by_type.items()},
        }, indent=2))
        return
    if not result.graphs:
        out.print("no differences")
        return
    table = Table("graph", "added", "removed", title=f"{old} → {new}", title_justify="left")
    for graph, (added, removed) in result.graphs.items():
        table.add_row(graph or "(merged graph)", f"+{len(added):,}", f"-{len(removed):,}")
    out.print(table)
    types = Table("subject type", "added", "removed", title="by entity type",
                  title_justify="left")
    for kind, (a, r) in result.by_type.items():
        types.add_row(kind, f"+{a:,}", f"-{r:,}")
    out.print(types)
    for added, removed in result.graphs.values():
        for sign, quads in (("+", added[:show]), ("-", removed[:show])):
            if quads:
                text = serialize([q.triple for q in quads], format=Format.N_TRIPLES) or b""
                for line in text.decode().splitlines():
                    out.print(f"{sign} {line}", markup=False, highlight=False)


@main.command()
@store_option
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve this RDF file (N-Quads, TriG, Turtle, N-Triples, RDF/XML, JSON-LD) "
                   "as it is, instead of a built store.")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on (loopback by default).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int,
              help="Port to listen on.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a query may run before it is stopped (answered 504).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Query worker processes (each holds a copy of the graph in memory, unless "
                   "it is served from disk).")
@click.option("--mode", type=click.Choice(["auto", "memory", "disk"]), default="auto",
              show_default=True,
              help="Where a built store's graph is read: memory (a copy per worker: fastest), "
                   "disk (a frozen copy of the store, read-only, for graphs too big for that) "
                   "or auto (memory while the copies fit in half the available memory).")
@click.option("--max-queued", default=8, show_default=True, type=click.IntRange(min=0),
              help="Queries that may wait for a worker; beyond that, 503 with Retry-After.")
@click.option("--query-memory", default="2G", show_default=True, callback=_memory_size,
              help="Memory a query or update may add to its worker (512M, 2G: powers of "
                   "1,024; 0: no limit); past it, it is stopped (503).")
@click.option("--request-timeout", default=20.0, show_default=True,
              type=click.FloatRange(min=1),
              help="Seconds a request (headers and body) may take to arrive from its first "
                   "byte, and an idle connection may stay open; then it is closed (slowloris).")
@click.option("--max-connections", default=1000, show_default=True,
              type=click.IntRange(min=10), help="Open connections kept at once.")
@click.option("--dumps", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DUMPS,
              show_default=True, help="Folder of `kg export`, served at /dumps/.")
@click.option("--allow-update", is_flag=True, help="Open a SPARQL Update endpoint at /update.")
@click.option("--update-token", envvar="KG_UPDATE_TOKEN",
              help="Bearer token /update requires (env KG_UPDATE_TOKEN); without one /update "
                   "is only allowed on a loopback address.")
@click.option("--allow-load-from", "load_from", multiple=True, metavar="PREFIX",
              help="Let SPARQL LOAD fetch IRIs that start with PREFIX (repeatable; needs "
                   "--allow-update). Without it every LOAD is refused.")
@click.option("--public-host", "public_hosts", multiple=True, metavar="NAME",
              help="A host name the server is reached by (repeatable). Requests naming any "
                   "other host than these, loopback, --host and the base IRI's are refused "
                   "(DNS rebinding).")
def serve(store: str, sparql_paths: str, data: Path | None, host: str, port: int,
          timeout: float, workers: int, mode: str, max_queued: int, query_memory: int,
          dumps: Path,
          allow_update: bool, update_token: str | None, load_from: tuple[str, ...],
          public_hosts: tuple[str, ...], request_timeout: float,
          max_connections: int) -> None:
    """Serve the graph: SPARQL 1.1 Protocol at /sparql and a page for every entity.

    Limits: a query (and its answer) gets --timeout seconds (504 beyond) and --query-memory
    (503 beyond), --max-queued wait for a worker (503 beyond), request bodies 1 MiB (413),
    queries nest at most 100 levels (400), a request must arrive within --request-timeout.
    """
    from kg.serve.run import Listen, serve_local, serve_remote
    from kg.serve.source import GraphSource
    from kg.store.remote import is_remote

    listen = Listen(host, port, timeout, workers, max_queued, dumps, allow_update, update_token,
                    mode, public_hosts, load_from, request_timeout, max_connections,
                    query_memory or None)
    say = lambda message: err.print(message, markup=False)  # noqa: E731
    if mode != "auto" and (data is not None or is_remote(store)):
        raise KgError("--mode is for a built local store (--store DIR)")
    if data is None and is_remote(store):  # queries and pages go to the SPARQL server
        serve_remote(_remote(store, sparql_paths), listen, say)
    else:
        # resolved once: a rebuild swapping the store meanwhile cannot pair one build's base
        # IRI with another's data
        source = GraphSource("data", data) if data \
            else GraphSource("store", Path(store).resolve())
        serve_local(source, listen, say)


def _register_link() -> None:
    from kg.link.command import link

    main.add_command(link)


_register_link()
