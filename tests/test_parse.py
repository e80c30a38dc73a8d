"""Parsing: the seed's records, the as-of rule, and a clear message for every kind of bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import AS_OF, SEED
from kg.errors import ProfileError
from kg.parse import parse_profile, parse_text
from kg.parse.dates import resolve

HEAD = "Ann Example\n\nCV\nh-index3\n4papers\n1,234citations\nNovelty10%\nAI Score5\n\n2 Papers\n\n"
GOOD_BLOCK = "CVNov 21, 2022Code\nA Title\n\nAnn Example, Bo Li\n\nAn abstract.\n\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(ProfileError) as info:
        parse_text(text, "p.txt", AS_OF)
    return [str(p) for p in info.value.problems]


def test_seed_records_keep_file_and_lines():
    profile = parse_profile(SEED, AS_OF, "seed.txt")
    assert profile.name == "Guoying Zhao"
    assert profile.lines["name"] == 1 and profile.lines["paper_count"] == 10
    assert profile.metrics.lines == {"h_index": 4, "stated_papers": 5, "citations": 6,
                                     "novelty_percent": 7, "ai_score": 8}
    first = profile.papers[0]
    assert (first.source, first.line, first.lines) == (
        "seed.txt", 12, {"header": 12, "title": 13, "authors": 15, "abstract": 17})
    assert first.authors == ("Tuomas Varanka", "Yante Li", "Wei Peng") and first.authors_cut


@pytest.mark.parametrize(
    ("month", "day", "year", "as_of", "expected"),
    [
        ("Nov", 21, 2022, date(2026, 11, 24), (date(2022, 11, 21), False)),
        ("Apr", 29, None, date(2026, 11, 24), (date(2026, 4, 29), True)),
        ("Apr", 29, None, date(2026, 3, 1), (date(2025, 4, 29), True)),  # would be future
        ("Nov", 24, None, date(2026, 11, 24), (date(2026, 11, 24), True)),  # the as-of day itself
        ("Feb", 29, None, date(2025, 3, 1), (date(2024, 2, 29), True)),
    ],
)
def test_as_of_rule(month, day, year, as_of, expected):
    assert resolve(month, day, year, as_of) == expected


def test_every_problem_reported_in_one_run_with_file_and_line():
    text = (HEAD.replace("h-index3", "h-indexX")
            + "CVFeb 30, 2023\nImpossible\n\nA B\n\nText.\n\n"
            + "Hello there\nNot a header\n\nA B\n\nText.\n\n"
            + "CVMar 3, 2023\n\nA B, C D\n\nText.\n\n"
            + "CVMar 4, 2023\nNo authors here\n\n"
            + GOOD_BLOCK)
    assert problems_of(text) == [
        "p.txt:4: h-index is not a number: 'X'",
        "p.txt:12: impossible date 'Feb 30, 2023' in paper header",
        "p.txt:19: unknown paper header 'Hello there': expected <category><date>[Code], "
        "e.g. 'CVNov 21, 2022Code'",
        "p.txt:26: paper block without a title (expected on the line after the header)",
        "p.txt:32: paper block without authors (expected a paragraph of names after the title)",
    ]


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    with pytest.raises(ProfileError) as info:
        parse_profile(path, AS_OF)
    assert str(info.value) == f"{path}:1: empty file: expected a profile page"


def test_non_utf8_file_names_the_line(tmp_path: Path):
    path = tmp_path / "latin1.txt"
    path.write_bytes((HEAD + "CVNov 21, 2022\nCaf\xe9\n").encode("latin-1"))
    with pytest.raises(ProfileError) as info:
        parse_profile(path, AS_OF)
    assert str(info.value) == f"{path}:13: not UTF-8 text (byte 0xe9)"


def test_not_a_profile():
    assert problems_of("just some text\nwithout structure\n") == [
        "p.txt:1: no 'N Papers' line: this does not look like a profile page"]


def test_text_is_kept_exactly():
    title = 'Ünïcödé 数据 "quoted" \\backslash <script>alert(1)</script> """triple'
    profile = parse_text(HEAD + f"CVNov 21, 2022\n{title}\n\nZoë Ångström, 王伟 et al.\n\n"
                         "Abstract with \\url{x} and ''' quotes.\n", "p.txt", AS_OF)
    paper = profile.papers[0]
    assert paper.title == title
    assert paper.authors == ("Zoë Ångström", "王伟")
    assert paper.abstract == "Abstract with \\url{x} and ''' quotes."
