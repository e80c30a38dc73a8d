"""Key phrases: scholarkg's YAKE scoring against yake's own, for speed and for sameness.

`kg.mapping.keyphrases` computes YAKE's scores without yake's per-text networkx graph and
objects; it must give exactly yake's keywords, in yake's order. This runs both on the seed
profile's papers, on synthetic papers, and on texts made of the same words with punctuation,
digits, acronyms, contractions and odd capitals mixed in (fixed seed), and prints the time per
text of each and every text where they differ (there must be none).

    python benchmarks/keyphrases.py [--synthetic 2000] [--fuzz 2000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, ROOT, dataset, table, write_result  # noqa: E402

ODD_WORDS = ["U.S.", "don't", "it's", "3D", "2023", "1,000", "e.g.", "(a)", "--", "...", "GANs",
             "CNNs", "Ünïcödé", "naïve", "x-ray", "A", "I", "IEEE", "ML-based", "'quoted'",
             '"q"', "?", "!", ";", ":", "this", "the", "of", "is", "us", "bus", "gas", "its",
             "state-of-the-art", "3.5", "v2", "O(n)", "we're", "ÅNGSTRÖM", "co-", "-based"]


def texts(synthetic: int, fuzz: int) -> dict[str, list[str]]:
    from kg.mapping.keyphrases import _NOISE
    from kg.parse import parse_profile

    as_of = date.fromisoformat(AS_OF)

    def papers(files: list[Path], limit: int) -> list[str]:
        out: list[str] = []
        for f in files:
            out += [_NOISE.sub(" ", f"{p.title}.\n{p.abstract}")
                    for p in parse_profile(f, as_of).papers]
            if len(out) >= limit:
                break
        return out[:limit]

    seed = papers(sorted((ROOT / "seeds").glob("*.txt")), 10**6)
    synth = papers(sorted(dataset(100).glob("profile-*.txt")), synthetic)
    rnd = random.Random(5)
    words = " ".join(seed + synth[:200]).split()
    mixed = []
    for _ in range(fuzz):
        chosen = [rnd.choice(words if rnd.random() < 0.7 else ODD_WORDS)
                  for _ in range(rnd.randint(1, 150))]
        if rnd.random() < 0.3:
            chosen = [w.upper() if rnd.random() < 0.2 else w.capitalize() if rnd.random() < 0.3
                      else w for w in chosen]
        text = " ".join(chosen)
        if rnd.random() < 0.3:
            text = text.replace(" ", "\n", rnd.randint(0, 4))
        mixed.append(text)
    mixed += ["", ".", "the of a", "a", "Hello", "the the the", "123 456", "!!! ???", "x\n\nY"]
    return {"seed papers": seed, "synthetic papers": synth, "mixed texts": mixed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=2000)
    parser.add_argument("--fuzz", type=int, default=2000)
    args = parser.parse_args()
    from segtok import tokenizer as segtok

    shipped = segtok.word_tokenizer.split  # before kg.mapping remembers its results
    from kg.mapping.keyphrases import KeyphraseExtractor

    remembered = segtok.word_tokenizer.split
    extractor = KeyphraseExtractor()
    reference = extractor._yake
    rows, records, differing = [], [], []
    for kind, corpus in texts(args.synthetic, args.fuzz).items():
        segtok.word_tokenizer.split = shipped  # yake exactly as installed
        started = time.process_time()
        expected = [[kw for kw, _ in reference.extract_keywords(t)] for t in corpus]
        yake_s = time.process_time() - started
        segtok.word_tokenizer.split = remembered
        started = time.process_time()
        got = [extractor.keywords(t) for t in corpus]
        ours_s = time.process_time() - started
        bad = [t for t, e, g in zip(corpus, expected, got, strict=True) if e != g]
        differing += bad
        n = max(1, len(corpus))
        rows.append([kind, len(corpus), yake_s / n * 1000, ours_s / n * 1000,
                     round(yake_s / ours_s, 2) if ours_s else None, len(bad)])
        records.append({"texts": kind, "count": len(corpus), "yake_ms": yake_s / n * 1000,
                        "scholarkg_ms": ours_s / n * 1000, "differing": len(bad)})
    table("YAKE keywords: yake.KeywordExtractor vs kg.mapping.keyphrases (CPU ms per text)",
          ["texts", "count", "yake ms", "scholarkg ms", "speed-up", "differing"], rows)
    for text in differing[:5]:
        print(f"DIFFERS: {text[:200]!r}")
    print(f"texts whose keywords differ: {len(differing)} (must be 0)")
    write_result("keyphrases", {"records": records, "differing": len(differing)})
    if differing:
        sys.exit(1)


if __name__ == "__main__":
    main()
