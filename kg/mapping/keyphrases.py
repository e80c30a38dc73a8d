"""Key phrases of a paper, extracted from its title and abstract with YAKE.

YAKE is unsupervised and ships its stop words, so extraction needs no model download and gives
the same phrases on every machine. URLs and LaTeX are removed first: they are not phrases.

`yake.KeywordExtractor` builds a networkx graph and an object per candidate for every text,
which made it nine tenths of a build's time; `kg.mapping.yake_scores` computes the same
scores faster. Whatever it cannot handle is handed to yake itself, and logged.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from typing import Protocol

import yake

from kg.mapping.yake_scores import rank

log = logging.getLogger(__name__)

PHRASES_PER_PAPER = 5
MAX_WORDS = 3
#: papers whose phrases are kept for a repeat (a few tens of MB at most)
REMEMBERED_PAPERS = 1 << 16
_NOISE = re.compile(r"\\[a-zA-Z]+|https?://\S+|\S+\.(?:com|org|io|co)/\S*|[{}$]")
#: `_NOISE` tries its third branch from each character of a token, to the token's end: fine
#: for words, quadratic for a 200 KB token (a minute). Tokens longer than this go to `_denoise`.
_LONG_TOKEN = re.compile(r"\S{257,}")
_LATEX = re.compile(r"\\[a-zA-Z]+")
#: what `_NOISE` can match where its third branch cannot
_OTHER = re.compile(r"\\[a-zA-Z]+|https?://\S|[{}$]")
_SITE = re.compile(r"\.(?:com|org|io|co)/")
_USEFUL = re.compile(r"[a-zA-Z]{3}")


class PhraseCache(Protocol):
    """Phrases ranked before, by a digest of their text: shared between the processes of a
    build, and with the next build (`kg.build.phrases`)."""

    def get(self, key: bytes) -> list[str] | None: ...

    def put(self, key: bytes, phrases: list[str]) -> None: ...


class KeyphraseExtractor:
    """Holds one configured YAKE extractor; build it once per process, it is not free."""

    def __init__(self, top: int = PHRASES_PER_PAPER, max_words: int = MAX_WORDS,
                 shared: PhraseCache | None = None) -> None:
        # yake reads `dedup_lim`, not `dedupLim`: the phrases have always been deduplicated at
        # yake's default of 0.9, and `rank` keeps it that way.
        self._yake = yake.KeywordExtractor(lan="en", n=max_words, top=top * 4, dedupLim=0.7)
        self.top = top
        # The same paper is listed on every co-author's profile: its phrases are worked out
        # once while it is among the last papers seen (keyed by a digest of its text).
        self._seen: OrderedDict[bytes, list[str]] = OrderedDict()
        self.shared = shared

    def extract(self, title: str, abstract: str) -> list[str]:
        """Up to `top` lower-cased phrases, best first.

        A phrase inside a better one (or holding one) is dropped: "neural network" adds nothing
        next to "convolutional neural network".
        """
        text = strip_noise(f"{title}.\n{abstract}")
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        if key in self._seen:
            self._seen.move_to_end(key)
            return list(self._seen[key])
        phrases = self.shared.get(key) if self.shared is not None else None
        if phrases is None:
            phrases = self._phrases(text)
            if self.shared is not None:
                self.shared.put(key, phrases)
        self._seen[key] = phrases
        if len(self._seen) > REMEMBERED_PAPERS:
            self._seen.popitem(last=False)
        return list(phrases)

    def _phrases(self, text: str) -> list[str]:
        phrases: list[str] = []
        for phrase in self.keywords(text):
            phrase = " ".join(phrase.lower().split())
            padded = f" {phrase} "
            if not _USEFUL.search(phrase) or any(
                padded in f" {p} " or f" {p} " in padded for p in phrases
            ):
                continue
            phrases.append(phrase)
            if len(phrases) == self.top:
                break
        return phrases

    def keywords(self, text: str) -> list[str]:
        """The keywords `yake.KeywordExtractor.extract_keywords(text)` gives, best first."""
        config = self._yake.config
        try:
            ranked: list[str] = rank(text, self._yake.stopword_set, config["n"], config["top"],
                                     config["dedup_lim"], self._yake.dedup_function)
            return ranked
        except Exception:  # an input `rank` does not foresee: yake decides, as before
            log.warning("key phrases: yake_scores failed on a text of %d characters; using "
                        "yake itself", len(text), exc_info=True)
            return [kw for kw, _score in self._yake.extract_keywords(text)]


def strip_noise(text: str) -> str:
    """`_NOISE.sub(" ", text)`, in time linear in the text however long its tokens.

    No match of `_NOISE` spans whitespace, so tokens can be cleaned one at a time: short ones
    by the pattern, long ones by `_denoise`, which gives the same result.
    """
    if not _LONG_TOKEN.search(text):
        return _NOISE.sub(" ", text)
    pieces, done = [], 0
    for token in _LONG_TOKEN.finditer(text):
        pieces += [_NOISE.sub(" ", text[done:token.start()]), _denoise(token.group(0))]
        done = token.end()
    pieces.append(_NOISE.sub(" ", text[done:]))
    return "".join(pieces)


def _denoise(token: str) -> str:
    """`_NOISE.sub(" ", token)` for one token, in one pass.

    The branch `\\S+\\.(?:com|org|io|co)/\\S*` matches at a position exactly when a `.com/`
    (…) starts after it in the token, and then runs to the token's end: knowing where the last
    one starts is enough. Branches are tried in the pattern's order.
    """
    last = -1
    for site in _SITE.finditer(token, 1):
        last = site.start()
    pieces: list[str] = []
    at = kept = 0  # `token[kept:at]` stays as it is
    while at < len(token):
        found = _LATEX.match(token, at) if at < last else _OTHER.search(token, at)
        if found is None:
            if at < last:  # the web or the site branch: the rest of the token goes
                pieces += [token[kept:at], " "]
                kept = len(token)
            break
        if found.group(0).startswith("http"):
            pieces += [token[kept:found.start()], " "]
            kept = len(token)
            break
        pieces += [token[kept:found.start()], " "]
        at = kept = found.end()
    pieces.append(token[kept:])
    return "".join(pieces)
