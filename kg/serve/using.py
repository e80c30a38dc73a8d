"""Apply the protocol's `using-graph-uri` / `using-named-graph-uri` parameters to an update.

The SPARQL 1.1 Protocol defines them as the update's USING / USING NAMED clauses, and
pyoxigraph's `Store.update` takes no dataset, so the clauses are added to the text: before
the top-level WHERE of every DELETE/INSERT operation. The scanner below only tells code from
strings, IRIs and comments and counts braces; pyoxigraph still parses the result, so a
malformed update is refused by the real parser with its own message.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r'(?P<skip>#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>)'
    r"|(?P<open>\{)|(?P<close>\})|(?P<word>[A-Za-z]+)",
    re.DOTALL,
)


class UsingConflict(ValueError):
    """The update has its own USING or WITH clause and the request gave dataset parameters."""


def add_using(update: str, default: list[str], named: list[str]) -> str:
    """`update` with USING clauses for the protocol's dataset parameters.

    Raises UsingConflict when the update already names its dataset (the protocol forbids both).
    """
    if not default and not named:
        return update
    clause = " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named])
    inserts: list[int] = []
    depth = 0
    previous = ""
    for match in _TOKEN.finditer(update):
        if match["open"]:
            depth += 1
        elif match["close"]:
            depth -= 1
        elif match["word"] and depth == 0:
            word = match["word"].upper()
            if word in ("USING", "WITH"):
                raise UsingConflict("the update names its own dataset (USING or WITH) and the "
                                    "request gives using-graph-uri/using-named-graph-uri")
            if word == "WHERE" and previous != "DELETE":  # not the DELETE WHERE short form
                inserts.append(match.start())
            previous = word
        if match["open"] or match["close"]:
            previous = ""
    for position in reversed(inserts):
        update = f"{update[:position]}{clause} {update[position:]}"
    return update
