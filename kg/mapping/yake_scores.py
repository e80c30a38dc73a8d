"""YAKE's keyword scores, computed with plain dicts and tuples.

`yake.KeywordExtractor` builds a networkx graph and an object per candidate for every text,
which made it nine tenths of a build's time. `rank` computes the same scores: the same
tokeniser, tagger and similarity function (yake's own), the same arithmetic in the same order,
so the keywords and their order are exactly yake's (`benchmarks/keyphrases.py` checks that on
thousands of texts).
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Callable, Collection
from typing import Any

import numpy as np
from segtok import tokenizer as segtok
from yake.data.utils import get_tag, pre_filter, tokenize_sentences

# segtok (yake's tokeniser) cuts each space-separated span of a sentence with one regular
# expression, looked up as an attribute of `word_tokenizer` at each call; its result depends on
# the span alone, and most spans are words seen before: remembered, tokenising takes 0.57 ms a
# paper instead of 0.92 and ranking 1.3 ms instead of 1.7 (same tokens: it is the same
# function; `benchmarks/keyphrases.py` checks the phrases)
if not hasattr(segtok.word_tokenizer.split, "cache_info"):
    segtok.word_tokenizer.split = functools.lru_cache(maxsize=1 << 16)(
        segtok.word_tokenizer.split)

#: what yake treats as punctuation, and its tags of words it leaves out of the graph
_EXCLUDE = frozenset(string.punctuation)
_STRIP_PUNCTUATION = str.maketrans("", "", string.punctuation)
_DISCARD = ("u", "d")


def rank(text: str, stopwords: Collection[str], n: int, top: int, dedup_lim: float,
         similarity: Callable[[str, str], float]) -> list[str]:
    """YAKE (window 1, all features, 'bi' stop-word weighting), as yake 0.7 computes it."""
    if not text:
        return []
    sentences = tokenize_sentences(pre_filter(text.replace("\n", " ")))
    # per term: [tf, tf_a, tf_n, stop word, ids of the sentences it is in, in order]
    index: dict[str, int] = {}
    terms: list[list[Any]] = []
    succ: list[dict[int, float]] = []  # co-occurrence edges left → right, with counts
    pred: list[dict[int, float]] = []
    # per candidate (its lower-cased words): [first spelling, term ids, tf, whether some
    # occurrence has no number-like or odd word (yake: a tag string without 'u' or 'd')]
    candidates: dict[str, list[Any]] = {}
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
            ids: tuple[int, ...] = (term,)
            kw, key, odd = word, lower, discarded
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


def _term(unique: str, index: dict[str, int], terms: list[list[Any]],
          succ: list[dict[int, float]], pred: list[dict[int, float]], stopwords: Collection[str]
          ) -> int:
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


def _term_scores(terms: list[list[Any]], succ: list[dict[int, float]],
                 pred: list[dict[int, float]], sentences: int) -> dict[int, float] | None:
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


def _phrase_score(ids: tuple[int, ...], tf: float, terms: list[list[Any]],
                  scores: dict[int, float], succ: list[dict[int, float]]) -> float:
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
