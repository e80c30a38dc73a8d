"""Key phrases of a paper, extracted from its title and abstract with YAKE.

YAKE is unsupervised and ships its stop words, so extraction needs no model download and gives
the same phrases on every machine. URLs and LaTeX are removed first: they are not phrases.
"""

from __future__ import annotations

import re

import yake

PHRASES_PER_PAPER = 5
MAX_WORDS = 3
_NOISE = re.compile(r"\\[a-zA-Z]+|https?://\S+|\S+\.(?:com|org|io|co)/\S*|[{}$]")
_USEFUL = re.compile(r"[a-zA-Z]{3}")


class KeyphraseExtractor:
    """Holds one configured YAKE extractor; build it once per process, it is not free."""

    def __init__(self, top: int = PHRASES_PER_PAPER, max_words: int = MAX_WORDS) -> None:
        self._yake = yake.KeywordExtractor(lan="en", n=max_words, top=top * 4, dedupLim=0.7)
        self.top = top

    def extract(self, title: str, abstract: str) -> list[str]:
        """Up to `top` lower-cased phrases, best first.

        A phrase inside a better one (or holding one) is dropped: "neural network" adds nothing
        next to "convolutional neural network".
        """
        text = _NOISE.sub(" ", f"{title}.\n{abstract}")
        phrases: list[str] = []
        for phrase, _score in self._yake.extract_keywords(text):
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
