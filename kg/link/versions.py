"""What tells another version of a paper from the paper itself, read on the titles as written.

A preprint and its publication are one work: their titles differ at most by case, punctuation
or a full stop. An extension (`PhysFormer++` after `PhysFormer`), a sequel (`MER 2024` after
`MER 2023`), a second version (`… v2`, `… II`) or the same title with words added (a subtitle)
is another work: related, never the same. Each such difference is a *mark*; a pair with a mark
is at most skos:closeMatch (see `kg.link.papers`).

The normalised `title_key` drops `+` and cannot see these marks, so titles are read here with
their plus signs kept, after the same LaTeX, Unicode and case folding.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

from kg.mapping.iris import title_key

_MATH = re.compile(r"\\[a-zA-Z]+|[{}$^_]")
_TOKEN = re.compile(r"[a-z0-9]+\+*")
_VERSION = re.compile(r"^(v\d+|ii|iii|iv)$")
#: words that announce another version of a work when only one title has them
VERSION_WORDS = frozenset({"extended", "extension", "revisited", "journal"})


def _tokens(title: str) -> set[str]:
    text = unidecode(unicodedata.normalize("NFKC", _MATH.sub("", title))).casefold()
    return set(_TOKEN.findall(text))


def version_marks(ours: str, theirs: str) -> tuple[str, ...]:
    """The differences between two titles that change which work they name, in words (empty
    when the titles could name one work)."""
    a, b = _tokens(ours), _tokens(theirs)
    only = sorted(a ^ b)
    marks = []
    plus = [t for t in only if t.endswith("+")]
    if plus:
        marks.append(f"'{', '.join(plus)}' in one title only: an extension")
    versions = [t for t in only if _VERSION.match(t) or t in VERSION_WORDS]
    if versions:
        marks.append(f"'{', '.join(versions)}' in one title only: another version")
    numbers_a = {t for t in a - b if any(c.isdigit() for c in t) and t not in versions}
    numbers_b = {t for t in b - a if any(c.isdigit() for c in t) and t not in versions}
    if numbers_a or numbers_b:
        marks.append(f"numbers differ: {' '.join(sorted(numbers_a)) or '-'} vs "
                     f"{' '.join(sorted(numbers_b)) or '-'}")
    added = _added_words(title_key(ours).split(), title_key(theirs).split())
    if added:
        marks.append(f"one title adds '{added}' to the other")
    return tuple(marks)


def _added_words(a: list[str], b: list[str]) -> str:
    """The words one title adds before or after the whole of the other (a subtitle)."""
    short, long = sorted((a, b), key=len)
    if not short or len(short) == len(long):
        return ""
    if long[: len(short)] == short:
        return " ".join(long[len(short):])
    if long[-len(short):] == short:
        return " ".join(long[: -len(short)])
    return ""
