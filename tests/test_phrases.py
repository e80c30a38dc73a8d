"""Key phrases ranked once: shared by a build's processes and kept for the next build
(`kg.build.phrases`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from conftest import AS_OF, BASE, SEED
from kg.build import build
from kg.build.plan import mapping_fingerprint
from kg.mapping.keyphrases import KeyphraseExtractor
from kg.store import load_in_memory

KEYWORDS = NamedNode("https://schema.org/keywords")


def _keywords(store_dir: Path) -> set[tuple[str, str]]:
    db, _info = load_in_memory(store_dir)
    return {(q.subject.value, q.object.value)
            for q in db.quads_for_pattern(None, KEYWORDS, None, None)}


def _cache(store_dir: Path) -> Path:
    return store_dir.resolve() / f"keyphrases-{mapping_fingerprint()}.sqlite"


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[tuple[str, str]]]:
    store_dir = tmp_path_factory.mktemp("phrases") / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF)
    return store_dir, _keywords(store_dir)


def test_the_build_keeps_one_row_per_paper(first):
    store_dir, keywords = first
    assert not list(store_dir.resolve().glob("*.sqlite-*"))  # closed before the swap
    db = sqlite3.connect(_cache(store_dir))
    try:
        assert db.execute("SELECT COUNT(*) FROM phrases").fetchone() == (50,)
    finally:
        db.close()
    assert len({paper for paper, _term in keywords}) == 50


def test_the_next_build_ranks_nothing_again(first, tmp_path: Path, monkeypatch):
    store_dir, keywords = first
    copy = tmp_path / "store"
    build([SEED], copy, base=BASE, as_of=AS_OF)
    monkeypatch.setattr(KeyphraseExtractor, "_phrases",
                        lambda self, text: pytest.fail("ranked again: " + text[:40]))
    build([SEED], copy, base=BASE, as_of=AS_OF, full=True)
    assert _keywords(copy) == keywords


def test_a_damaged_cache_costs_time_not_phrases(first, tmp_path: Path, caplog):
    _store_dir, keywords = first
    copy = tmp_path / "store"
    build([SEED], copy, base=BASE, as_of=AS_OF)
    _cache(copy).write_bytes(b"not a database" * 100)
    build([SEED], copy, base=BASE, as_of=AS_OF, full=True)
    assert _keywords(copy) == keywords
    assert "key-phrase cache off for this process: file is not a database" in caplog.text


def test_remembered_tokens_are_segtoks_own(monkeypatch):
    """yake's tokeniser (segtok) cuts each span of a sentence with one pattern, whose results
    `kg.mapping.yake_scores` remembers: the same tokens for every paper of the seed and for
    spans whose tokens depend on where they stand (a sentence's last word, a dot inside)."""
    from segtok import tokenizer as segtok
    from yake.data.utils import pre_filter, tokenize_sentences

    from kg.parse import parse_profile

    remembered = segtok.word_tokenizer.split
    texts = [f"{p.title}.\n{p.abstract}" for p in parse_profile(SEED, AS_OF).papers]
    texts += ["We use CNNs. CNNs work, e.g. on 3D data (U.S. 5'-ACGT-3').",
              "i.e. the end i.e.", "It's state-of-the-art... isn't it? Yes; 12:30pm."]
    tokens = [tokenize_sentences(pre_filter(t.replace("\n", " "))) for t in texts]
    assert remembered.cache_info().hits > 0  # the patterns' results were reused
    monkeypatch.setattr(segtok.word_tokenizer, "split", remembered.__wrapped__)
    assert [tokenize_sentences(pre_filter(t.replace("\n", " "))) for t in texts] == tokens
