"""Refuse SPARQL nested deeper than any real query, before the engine's parser recurses into it.

pyoxigraph parses and evaluates by recursion on the native stack and has no depth limit: a
query with 5,000 nested parentheses or braces, or 20,000 `!`, overflows the stack and kills the
process (a query worker; `kg query` itself). Real queries nest a few levels, generated ones a
few dozen; the engine survives about 3,000. So the nesting is measured on the text, in one
linear pass, and a request nested more than `MAX_NESTING` deep is refused with the reason.

What counts as a level: an opening bracket (`(`, `{`, `[`) and each prefix operator (`!`,
`^`) before a term or bracket. Comments, strings and IRIs are skipped: brackets inside them
nest nothing; a prefixed name is read whole, so that its escapes (`ex:a\\#`) start no comment.
`kg.store.query.run_query` checks every query it runs, and the endpoint every request.
"""

from __future__ import annotations

import re

#: how deep a request may nest; far above real queries, far below what the engine survives
MAX_NESTING = 100

_TOKEN = re.compile(
    r"""(?P<skip>\#[^\n]*
        |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
        |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'
        |<[^<>"{}|^`\\\x00-\x20]*>)
      |(?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w.:-]|\\[_~.!$&'()*+,;=/?\#@%-]|%[0-9A-Fa-f]{2})*)
      |(?P<open>[({\[])
      |(?P<close>[)}\]])
      |(?P<unary>!(?!=)|\^(?!\^))
      |(?P<other>\^\^|[^\s\#"'<({\[)}\]!^]+|\S)""",
    re.VERBOSE | re.DOTALL,
)
_NESTING_CHARS = "({[!^"


class TooDeep(ValueError):
    """The request nests deeper than `MAX_NESTING`; the message says how deep and the limit."""


def nesting(text: str) -> int:
    """How deep `text` nests: brackets, and prefix operators before what they apply to."""
    stack: list[int] = []
    level = deepest = run = 0
    for token in _TOKEN.finditer(text):
        kind = token.lastgroup
        if kind == "unary":
            run += 1
            deepest = max(deepest, level + run)
        elif kind == "open":
            stack.append(run + 1)
            level += run + 1
            run = 0
            deepest = max(deepest, level)
        elif kind == "close":
            level -= stack.pop() if stack else 0
            run = 0
        elif kind in ("other", "pname"):
            run = 0
    return deepest


def check_nesting(text: str, kind: str = "query") -> None:
    """Raises TooDeep when `text` nests deeper than `MAX_NESTING`."""
    if sum(text.count(c) for c in _NESTING_CHARS) <= MAX_NESTING:
        return  # cannot nest that deep: no need to read it token by token
    depth = nesting(text)
    if depth > MAX_NESTING:
        raise TooDeep(f"this {kind} is nested {depth:,} levels deep (brackets and prefix "
                      f"operators such as ! count); at most {MAX_NESTING} are allowed")
