"""A light SPARQL scanner: the protocol's `using-graph-uri` / `using-named-graph-uri`
parameters applied to an update, and which queries call functions whose value changes at
every run.

pyoxigraph's `Store.update` takes no dataset, so they become USING clauses before the top-level
WHERE of every DELETE/INSERT operation. The scanner only tells keywords from strings, IRIs,
comments, variables and prefixed names, and counts braces; pyoxigraph still parses the text, so
a malformed request is refused by the real parser.
"""

from __future__ import annotations

import re

from pyoxigraph import NamedNode

_TOKEN = re.compile(
    r'(?P<skip>#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>)'
    r"|(?P<var>[?$]\w+)"
    # a prefixed name, with the escapes (ex:a\#) and percent-encodings its local part may hold
    r"|(?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w.:-]|\\[_~.!$&'()*+,;=/?#@%-]|%[0-9A-Fa-f]{2})*)"
    r"|(?P<open>\{)|(?P<close>\})|(?P<word>[A-Za-z]+)",
    re.DOTALL,
)


class UsingConflict(ValueError):
    """The update has its own USING or WITH clause and the request gave dataset parameters."""


def add_using(update: str, default: list[str], named: list[str]) -> str:
    """`update` with USING clauses for the protocol's dataset parameters.

    Raises UsingConflict when the update already names its dataset (the protocol forbids both),
    ValueError when a parameter is not an IRI.
    """
    if not default and not named:
        return update
    clause = " ".join([f"USING {NamedNode(g)}" for g in default]
                      + [f"USING NAMED {NamedNode(g)}" for g in named])
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


#: functions that give a new value at every evaluation: their answers must not be reused
VOLATILE = frozenset({"NOW", "RAND", "UUID", "STRUUID"})


#: SPARQL's codepoint escapes, which the engine undoes before it parses anything
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def unescape_codepoints(text: str) -> str:
    """`text` with its `\\uXXXX` and `\\UXXXXXXXX` escapes undone (out-of-range ones dropped),
    as the engine reads it: `N\\u004FW()` is NOW()."""
    if "\\" not in text:
        return text
    return _CODEPOINT.sub(lambda m: chr(code) if (code := int(m[1] or m[2], 16)) < 0x110000
                          else "", text)


def is_volatile(text: str) -> bool:
    """Whether `text` calls NOW(), RAND(), UUID() or STRUUID() (in any case, codepoint escapes
    undone) outside strings, IRIs and comments: such an answer differs from run to run, so it
    is not kept. A keyword with one of these names elsewhere (none exists) would only cost a
    cache entry."""
    text = unescape_codepoints(text)
    upper = text.upper()
    if not any(name in upper for name in VOLATILE):  # most queries: no need to tokenize
        return False
    return any(match["word"] and match["word"].upper() in VOLATILE
               for match in _TOKEN.finditer(text))
