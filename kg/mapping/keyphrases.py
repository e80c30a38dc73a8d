"""Key phrases of a paper, extracted from its title and abstract with YAKE.

YAKE is unsupervised and ships its stop words, so extraction needs no model download and gives
the same phrases on every machine. URLs and LaTeX are removed first: they are not phrases.

`yake.KeywordExtractor` builds a networkx graph and an object per candidate for every text,
which made it nine tenths of a build's time. `_rank` computes the same YAKE scores with plain
dicts and tuples: the same tokeniser, tagger and similarity function (yake's own), the same
arithmetic in the same order, so the phrases and their order are exactly yake's
(`benchmarks/keyphrases.py` checks that on thousands of texts). Whatever it cannot handle is
handed to yake itself.
"""

from __future__ import annotations

import hashlib
import math
import re
import string
from collections import OrderedDict

import numpy as np
import yake
from yake.data.utils import get_tag, pre_filter, tokenize_sentences

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
#: what yake treats as punctuation, and its tags of words it leaves out of the graph
_EXCLUDE = frozenset(string.punctuation)
_STRIP_PUNCTUATION = str.maketrans("", "", string.punctuation)
_DISCARD = ("u", "d")


class KeyphraseExtractor:
    """Holds one configured YAKE extractor; build it once per process, it is not free."""

    def __init__(self, top: int = PHRASES_PER_PAPER, max_words: int = MAX_WORDS) -> None:
        # yake reads `dedup_lim`, not `dedupLim`: the phrases have always been deduplicated at
        # yake's default of 0.9, and `_rank` keeps it that way.
        self._yake = yake.KeywordExtractor(lan="en", n=max_words, top=top * 4, dedupLim=0.7)
        self.top = top
        # The same paper is listed on every co-author's profile: its phrases are worked out
        # once while it is among the last papers seen (keyed by a digest of its text).
        self._seen: OrderedDict[bytes, list[str]] = OrderedDict()

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
        phrases = self._phrases(text)
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
            return _rank(text, self._yake.stopword_set, config["n"], config["top"],
                         config["dedup_lim"], self._yake.dedup_function)
        except Exception:  # an input _rank does not foresee: yake decides, as before
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


def _rank(text, stopwords, n, top, dedup_lim, similarity):  # type: ignore[no-untyped-def]
    """YAKE (window 1, all features, 'bi' stop-word weighting), as yake 0.7 computes it."""
    if not text:
        return []
    sentences = tokenize_sentences(pre_filter(text.replace("\n", " ")))
    # per term: [tf, tf_a, tf_n, stop word, ids of the sentences it is in, in order]
    index: dict[str, int] = {}
    terms: list[list] = []  # type: ignore[type-arg]
    succ: list[dict[int, float]] = []  # co-occurrence edges left → right, with counts
    pred: list[dict[int, float]] = []
    # per candidate (its lower-cased words): [first spelling, term ids, tf, whether some
    # occurrence has no number-like or odd word (yake: a tag string without 'u' or 'd')]
    candidates: dict[str, list] = {}  # type: ignore[type-arg]
    for sentence_id, sentence in enumerate(sentences):
        block: list[tuple[str, str, int, bool]] = []  # (word, lower-cased, term, discarded)
        for position, word in enumerate(sentence):
            if not word.strip(string.punctuation):
                block = []
                continue
            tag = get_tag(word, position, _EXCLUDE)
            lower = word.lower()
            term = _term(lower, index, terms, succ, pred, stopwords)
            record = terms[term]
            record[0] += 1.0
            if tag == "a":
                record[1] += 1.0
            elif tag == "n":
                record[2] += 1.0
            if record[4][-1:] != [sentence_id]:
                record[4].append(sentence_id)
            discarded = tag in _DISCARD
            if not discarded and block and not block[-1][3]:
                left = block[-1][2]
                succ[left][term] = succ[left].get(term, 0.0) + 1.0
                pred[term][left] = pred[term].get(left, 0.0) + 1.0
            kw, key, ids, odd = word, lower, (term,), discarded
            back = 0
            while True:
                entry = candidates.get(key)
                if entry is None:
                    candidates[key] = [kw, ids, 1.0, not odd]
                else:
                    entry[2] += 1.0
                    entry[3] = entry[3] or not odd
                back += 1
                if back >= n or back > len(block):
                    break
                b_word, b_lower, b_term, b_odd = block[-back]
                kw, key = f"{b_word} {kw}", f"{b_lower} {key}"
                ids, odd = (b_term, *ids), odd or b_odd
            block.append((word, lower, term, discarded))
    scores = _term_scores(terms, succ, pred, len(sentences))
    if scores is None:
        return []
    valid = []
    for key, (kw, ids, tf, plain) in candidates.items():
        if not plain or terms[ids[0]][3] or terms[ids[-1]][3]:
            continue
        valid.append((_phrase_score(ids, tf, terms, scores, succ), key, kw))
    valid.sort(key=lambda c: c[0])
    chosen: list[tuple[str, str]] = []
    for _h, key, kw in valid:
        if all(similarity(key, other) <= dedup_lim for other, _ in chosen):
            chosen.append((key, kw))
            if len(chosen) == top:
                break
    return [kw for _key, kw in chosen]


def _term(unique, index, terms, succ, pred, stopwords) -> int:  # type: ignore[no-untyped-def]
    """The id of a lower-cased word's term (a plural 's' cut), added on first sight."""
    plain_stopword = unique in stopwords
    if unique.endswith("s") and len(unique) > 3:
        unique = unique[:-1]
    term = index.get(unique)
    if term is None:
        stopword = (plain_stopword or unique in stopwords
                    or len(unique.translate(_STRIP_PUNCTUATION)) < 3)
        term = index[unique] = len(terms)
        terms.append([0.0, 0.0, 0.0, stopword, []])
        succ.append({})
        pred.append({})
    return term


def _term_scores(terms, succ, pred, sentences):  # type: ignore[no-untyped-def]
    """Each content term's YAKE weight H (lower is better); None when there is no such term."""
    tfs = np.array([t[0] for t in terms if not t[3]])
    if not tfs.size:
        return None
    spread = float(tfs.mean()) + float(tfs.std())
    max_tf = max(t[0] for t in terms)
    scores: dict[int, float] = {}
    for term, (tf, tf_a, tf_n, stopword, sentence_ids) in enumerate(terms):
        if stopword:
            continue  # a stop word's own weight is never used ('bi' weighting)
        right, left = succ[term], pred[term]
        wir = sum(right.values())
        pwr = 0 if wir == 0 else len(right) / wir
        wil = sum(left.values())
        pwl = 0 if wil == 0 else len(left) / wil
        wrel = 0.5 + pwl * (tf / max_tf) + (0.5 + pwr * (tf / max_tf))
        wfreq = tf / spread
        wspread = len(sentence_ids) / sentences
        wcase = max(tf_a, tf_n) / (1.0 + math.log(tf))
        middle = len(sentence_ids) // 2
        median = (sentence_ids[middle] if len(sentence_ids) % 2
                  else (sentence_ids[middle - 1] + sentence_ids[middle]) / 2)
        wpos = math.log(math.log(3.0 + median))
        scores[term] = wpos * wrel / (wcase + wfreq / wrel + wspread / wrel)
    return scores


def _phrase_score(ids, tf, terms, scores, succ) -> float:  # type: ignore[no-untyped-def]
    sum_h, prod_h = 0.0, 1.0
    last = len(ids) - 1
    for t, term in enumerate(ids):
        if not terms[term][3]:
            h = scores[term]
            sum_h += h
            prod_h *= h
            continue
        prob_t1 = prob_t2 = 0.0
        if t > 0 and term in succ[ids[t - 1]]:
            prob_t1 = succ[ids[t - 1]][term] / terms[ids[t - 1]][0]
        if t < last and ids[t + 1] in succ[term]:
            prob_t2 = succ[term][ids[t + 1]] / terms[ids[t + 1]][0]
        prob = prob_t1 * prob_t2
        prod_h *= 1 + (1 - prob)
        sum_h -= 1 - prob
    return prod_h / ((sum_h + 1) * tf)
