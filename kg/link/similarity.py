"""How alike two titles or two person names are, from 0 to 1, with rapidfuzz.

Titles are compared by their `title_key` (no LaTeX, accents, case or punctuation): the better of
rapidfuzz's plain ratio and its token-sort ratio, so reordered words still score high. Token-set
ratios are not used: they call "PhysFormer" and "PhysFormer++" (an extension) identical.

Names vary in ways a ratio cannot judge fairly, so each variation has a fixed score: the same
tokens in any order (`Zhao Guoying`, `Zhao, Guoying`) or with hyphens joined (`Huaiqian`) 1.0;
the same first and family name with middle names dropped 0.9; initials for given names
(`G. Zhao`) 0.8; a near spelling of a long given name with the same family name at most
0.85 (`Mengtin Wei`; never `Xu Chen` for `Xu Cheng`: family names must agree). Diacritics
and dblp's homonym numbers (`Wei Peng 0002`) never count. Anything else is 0: not one name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from unidecode import unidecode

from kg.mapping.iris import title_key

_HOMONYM = re.compile(r"\s+\d{4}$")
_SEPARATORS = re.compile(r"[\s.\-‐-―'’`]+")
#: below this, two spellings of a name are not taken for one
_NEAR_SPELLING = 92.0


def title_similarity(a: str, b: str) -> float:
    """Similarity of two titles as written (they are normalised here)."""
    return keyed_title_similarity(title_key(a), title_key(b))


def keyed_title_similarity(a: str, b: str) -> float:
    """Similarity of two `title_key`s."""
    if not a or not b:
        return 0.0
    return round(max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)) / 100, 3)


def text_similarity(a: str, b: str) -> float:
    """How alike two abstracts are: rapidfuzz's token-sort ratio of their normalised words
    (the same paper's abstract, lightly edited, scores near 1; another paper's near 0.5)."""
    ka, kb = title_key(a), title_key(b)
    if not ka or not kb:
        return 0.0
    return round(fuzz.token_sort_ratio(ka, kb) / 100, 3)


def title_tokens(key: str) -> set[str]:
    """The words of a title key that are worth blocking on (not short function words)."""
    return {t for t in key.split() if len(t) > 3 or t.isdigit()}


@lru_cache(maxsize=65536)
def name_tokens(name: str) -> tuple[str, ...]:
    """Tokens of a name in given-then-family order: ASCII, case-folded, no homonym number.

    `Zhao, Guoying` (family name first, with a comma) becomes ("guoying", "zhao").
    """
    text = _HOMONYM.sub("", unicodedata.normalize("NFKC", name).strip())
    if text.count(",") == 1:
        family, given = text.split(",")
        text = f"{given} {family}"
    text = unidecode(text).casefold().replace(",", " ")
    return tuple(t for t in _SEPARATORS.split(text) if t)


def spelling_key(name: str) -> str:
    """One string for every spelling of a name that differs only by order, case, accents,
    punctuation or hyphens: what co-author overlap and name look-ups compare."""
    return "".join(sorted(name_tokens(name)))


@lru_cache(maxsize=262144)
def name_similarity(a: str, b: str) -> float:
    """How likely two written names are one name (not one person: that needs evidence)."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0
    if sorted(ta) == sorted(tb) or "".join(sorted(ta)) == "".join(sorted(tb)):
        return 1.0
    if _joined(ta) & _joined(tb):
        return 1.0
    if len(ta) < 2 or len(tb) < 2:
        return 0.0
    return max(_given_names(x, y)
               for x, y in ((ta, tb), (ta, _family_first(tb)), (_family_first(ta), tb)))


def _joined(tokens: tuple[str, ...]) -> set[str]:
    """The name written without spaces, given names first and family name first."""
    return {"".join(tokens), "".join(tokens[-1:] + tokens[:-1])}


def _family_first(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Read a family-first name (`Zhao Guoying`) the other way round."""
    return tokens[1:] + tokens[:1]


def _given_names(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """With one family name: 0.9 when only middle names differ, 0.8 when given names are
    initials of each other, at most 0.85 for a near spelling of a long given name."""
    if a[-1] != b[-1]:
        return 0.0
    ga, gb = a[:-1], b[:-1]
    near = fuzz.ratio(" ".join(ga), " ".join(gb))
    if near >= _NEAR_SPELLING and min(len(ga[0]), len(gb[0])) >= 5 and ga[0][0] == gb[0][0]:
        return round(0.85 * near / 100, 3)
    if ga[0] == gb[0] and len(ga[0]) > 1:
        middle_a, middle_b = ga[1:], gb[1:]
        if not middle_a or not middle_b or _initials_agree(middle_a, middle_b):
            return 0.9
        return 0.0
    if len(ga) == len(gb) and _initials_agree(ga, gb):
        return 0.8
    if _initials_agree(ga[:1], gb[:1]) and (len(ga) == 1 or len(gb) == 1):
        return 0.8
    return 0.0


def _initials_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Token by token, one is the other or an initial of it, and at least one is an initial."""
    if len(a) != len(b):
        return False
    initial = False
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        if (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)):
            initial = True
            continue
        return False
    return initial or a == b
