"""Incremental builds rewrite only the graphs of changed profiles, and equal a full rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import AS_OF, BASE, DATA, SEED
from kg.build import build
from kg.export.dumps import write_dump
from kg.store import open_read_only

SECOND = DATA / "second_profile.txt"


def _nquads(store_dir: Path, out: Path) -> bytes:
    db, info = open_read_only(store_dir)
    out.mkdir(exist_ok=True)
    return write_dump(db, info.base, "nq", out, compress=False).path.read_bytes()


@pytest.fixture()
def profiles(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    shutil.copy(SECOND, folder / "second.txt")
    return folder


def _build(folder: Path, store_dir: Path, **options):
    return build(sorted(folder.glob("*.txt")), store_dir, base=BASE, as_of=AS_OF,
                 keyphrases=False, **options)


def test_editing_one_profile_rebuilds_only_its_graph(profiles: Path, tmp_path: Path):
    store_dir = tmp_path / "store"
    first = _build(profiles, store_dir)
    assert (first.rebuilt, first.reused) == (2, 0)
    second = profiles / "second.txt"
    second.write_text(second.read_text(encoding="utf-8").replace("h-index12", "h-index13"),
                      encoding="utf-8")
    again = _build(profiles, store_dir)
    assert (again.rebuilt, again.reused, again.removed) == (1, 1, 0)
    full = _build(profiles, tmp_path / "full", full=True)
    assert full.rebuilt == 2
    assert _nquads(store_dir, tmp_path / "a") == _nquads(tmp_path / "full", tmp_path / "b")
    db, _ = open_read_only(store_dir)
    assert {q.object.value for q in db.quads_for_pattern(
        None, _term("hIndex"), None, None)} == {"45", "13"}


def test_adding_and_removing_profiles(profiles: Path, tmp_path: Path):
    store_dir = tmp_path / "store"
    _build(profiles, store_dir)
    (profiles / "second.txt").unlink()
    removed = _build(profiles, store_dir)
    assert (removed.rebuilt, removed.reused, removed.removed) == (0, 1, 1)
    assert removed.counts["profiles"] == 1 and removed.counts["papers"] == 50
    shutil.copy(SECOND, profiles / "second.txt")
    added = _build(profiles, store_dir)
    assert (added.rebuilt, added.reused, added.removed) == (1, 1, 0)
    _build(profiles, tmp_path / "full", full=True)
    assert _nquads(store_dir, tmp_path / "a") == _nquads(tmp_path / "full", tmp_path / "b")


def test_a_new_as_of_date_or_base_rebuilds_everything(profiles: Path, tmp_path: Path):
    store_dir = tmp_path / "store"
    _build(profiles, store_dir)
    later = build(sorted(profiles.glob("*.txt")), store_dir, base=BASE,
                  as_of=AS_OF.replace(day=25), keyphrases=False)
    assert (later.rebuilt, later.reused) == (2, 0)
    elsewhere = build(sorted(profiles.glob("*.txt")), store_dir, base="https://kg.example/",
                      as_of=AS_OF, keyphrases=False)
    assert (elsewhere.rebuilt, elsewhere.reused) == (2, 0)


def test_a_bad_edit_leaves_the_previous_store(profiles: Path, tmp_path: Path):
    from kg.errors import ProfileError

    store_dir = tmp_path / "store"
    _build(profiles, store_dir)
    before = _nquads(store_dir, tmp_path / "a")
    (profiles / "second.txt").write_text("", encoding="utf-8")
    with pytest.raises(ProfileError):
        _build(profiles, store_dir)
    assert _nquads(store_dir, tmp_path / "b") == before


def _term(name: str):
    from kg.mapping.vocab import kg_terms

    return getattr(kg_terms(), name)


def test_a_change_to_the_mapping_rebuilds_everything(profiles: Path, tmp_path: Path, monkeypatch):
    """Graphs kept from a build made by other mapping code (or another category table) could
    differ from a fresh build's, so they are not kept."""
    store_dir = tmp_path / "store"
    _build(profiles, store_dir)
    monkeypatch.setattr("kg.build.plan.mapping_fingerprint", lambda: "another mapping")
    again = _build(profiles, store_dir)
    assert (again.rebuilt, again.reused) == (2, 0)
