"""Refuse every request that would make the server fetch a URL a visitor names.

pyoxigraph evaluates `SERVICE` by calling the named endpoint and `LOAD` by fetching the named
document, and it has no switch to turn either off. So the decision is taken before the engine
runs, and on a parsed request, never on its text: a text scan once took the `#` of the
prefixed name `ex:a\\#` for a comment and let a SERVICE clause through. The parse is RDFLib's
SPARQL grammar; only requests whose text could spell one of the two keywords at all pay for it
(a few milliseconds), and a request it cannot parse while it could spell one is refused rather
than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import cast

from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.serve.scanner import unescape_codepoints

SERVICE_REFUSED = ("federated queries (SERVICE) are disabled on this endpoint: it does not "
                   "fetch other URLs on a visitor's behalf")
LOAD_REFUSED = ("LOAD is disabled on this endpoint: it does not fetch URLs a client names "
                "(kg serve --allow-load-from PREFIX allows loading from PREFIX)")



class Refused(Exception):
    """The request would fetch a URL (or cannot be shown not to); `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_query(text: str) -> None:
    """Raises Refused when the query holds a SERVICE clause, at any depth."""
    if not _could_spell(text, ("service",)):
        return
    tree = _parse(text, parseQuery, "query", "SERVICE")
    if any(node.name == "ServiceGraphPattern" for node in _nodes(tree)):
        raise Refused(400, SERVICE_REFUSED)


def check_update(text: str, load_from: Sequence[str] = (), base: str | None = None,
                 prefixes: Mapping[str, str] | None = None) -> None:
    """Raises Refused when the update holds a SERVICE clause, or a LOAD whose source does not
    start with one of `load_from` (`base` and `prefixes` resolve the source as the engine
    will)."""
    if not _could_spell(text, ("service", "load")):
        return
    tree = _parse(text, parseUpdate, "update", "SERVICE or LOAD")
    names = {node.name for node in _nodes(tree)}
    if "ServiceGraphPattern" in names:
        raise Refused(400, SERVICE_REFUSED)
    if "Load" not in names:
        return
    if not load_from:
        raise Refused(403, LOAD_REFUSED)
    try:
        operations = translateUpdate(cast(CompValue, tree), base, dict(prefixes or {})).algebra
    except Exception as e:  # an unknown prefix, a bad IRI: the engine would refuse it too
        raise Refused(400, f"invalid update: {e}") from None
    for operation in operations:
        if operation.name == "Load" and not str(operation.iri).startswith(tuple(load_from)):
            raise Refused(403, f"LOAD <{operation.iri}> is refused: kg serve allows loading "
                               f"only from {', '.join(load_from)}")


def _could_spell(text: str, keywords: Iterable[str]) -> bool:
    """Whether any keyword occurs anywhere (case folded, codepoint escapes undone).

    SPARQL keywords cannot be written otherwise, so a text without them holds no such clause.
    """
    folded = unescape_codepoints(text).casefold()
    return any(keyword in folded for keyword in keywords)


def _parse(text: str, parser: Callable[[str], ParseResults | CompValue], kind: str, what: str
           ) -> ParseResults | CompValue:
    try:
        return parser(text)
    except (ParseException, RecursionError, ValueError) as e:
        detail = "nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise Refused(400, f"this {kind} mentions {what} and could not be checked for it "
                           f"({detail}); the endpoint does not run what it cannot check") from None


def _nodes(node: object) -> Iterator[CompValue]:
    """Every node of an RDFLib parse tree, depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, CompValue):
            yield current
            stack.extend(current.values())
        elif isinstance(current, (list, tuple, ParseResults)):
            stack.extend(current)
