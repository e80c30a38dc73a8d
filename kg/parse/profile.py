"""Parse one profile page (the format of `seeds/*.txt`) into a `Profile` record.

The page is a name, a block of metrics, `N Papers`, then paper blocks of three paragraphs:
header + title, authors, abstract. The parser reads paragraphs (runs of non-blank lines) so that
one odd line cannot shift every block after it, and it collects every problem of the file
before giving up, so a user fixes a file in one pass.

Every field has a size limit (the `MAX_*` figures below, listed in the README): every later
stage — key phrases, validation, the store — then works on bounded text, and a page that runs
past one (a pasted binary, a runaway line) is one `file:line` problem instead of a build that
never ends. Every pattern here runs in time linear in its line.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from kg.errors import Problem, ProfileError
from kg.parse import dates
from kg.parse.records import Metrics, Paper, Profile

_MONTH = "|".join(dates.MONTHS)
HEADER = re.compile(
    rf"^(?P<cat>[A-Z]+?)(?P<month>{_MONTH}) (?P<day>\d{{1,2}})"
    r"(?:, (?P<year>\d{4}))?(?P<code>Code)?$"
)
PAPER_COUNT = re.compile(r"^(?P<n>[\d,]+) Papers$")
NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)$")
FIELD_CODE = re.compile(r"^[A-Z]{2,4}$")

#: size limits, in characters (real pages stay far below: titles of 150, abstracts of 2,000)
MAX_NAME = 300
MAX_HEAD_LINE = 1_000
MAX_TITLE = 2_000
MAX_AUTHORS = 100_000
MAX_ABSTRACT = 100_000
#: the largest figure a metric may state: far above any real one, and within the 64-bit
#: integers the store compares (a larger xsd:integer silently fails every numeric filter)
MAX_NUMBER = 10**12

# (metric field, label for messages, pattern capturing the value)
METRICS = (
    ("h_index", "h-index", re.compile(r"^h-index\s*(?P<v>.*)$")),
    ("stated_papers", "paper count", re.compile(r"^(?P<v>.*?)\s*papers$")),
    ("citations", "citation count", re.compile(r"^(?P<v>.*?)\s*citations$")),
    ("novelty_percent", "Novelty", re.compile(r"^Novelty\s*(?P<v>.*?)%?$")),
    ("ai_score", "AI Score", re.compile(r"^AI Score\s*(?P<v>.*)$")),
)


@dataclass(frozen=True, slots=True)
class _Para:
    """A paragraph: its first line number and its lines."""

    line: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def read_text(path: Path) -> str:
    """Read a profile as UTF-8; raises ProfileError naming the line of the first bad byte."""
    return _decode(path.read_bytes(), path)


def _decode(data: bytes, path: Path) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ProfileError(
            [Problem(str(path), line, f"not UTF-8 text (byte 0x{data[e.start]:02x})")]
        ) from None
    return text.removeprefix("\ufeff")


def parse_profile(path: Path, as_of: date, name: str | None = None) -> Profile:
    """Parse the profile at `path`; `name` is how messages call the file (default: the path).

    Raises ProfileError holding every problem found in the file.
    """
    source = name or str(path)
    try:
        data = path.read_bytes()
    except OSError as e:  # unreadable, or gone since the build listed it
        raise ProfileError([Problem(source, None, f"cannot read this file ({e.strerror})")]) \
            from None
    profile = parse_text(_decode(data, path), source, as_of)
    return replace(profile, sha256=hashlib.sha256(data).hexdigest())


def parse_text(text: str, source: str, as_of: date) -> Profile:
    """Parse profile text; raises ProfileError holding every problem found in it."""
    problems: list[Problem] = []

    def problem(line: int, reason: str) -> None:
        problems.append(Problem(source, line, reason))

    paras = list(_paragraphs(text))
    if not paras:
        raise ProfileError([Problem(source, 1, "empty file: expected a profile page")])

    head_paras: list[_Para] = []
    rest = iter(paras)
    count_line = None
    for para in rest:
        if PAPER_COUNT.match(para.lines[0]):
            count_line = para.line
            break
        head_paras.append(para)
    if count_line is None:
        problem(paras[-1].line, "no 'N Papers' line: this does not look like a profile page")
        raise ProfileError(problems)

    name_line, person, field_code, metrics, lines = _head(head_paras, problem)
    papers = _papers(list(rest), source, as_of, problem)
    if problems:
        raise ProfileError(problems)
    lines = {"name": name_line, "paper_count": count_line, **lines}
    return Profile(source, person, field_code, metrics, tuple(papers), as_of, lines)


def _paragraphs(text: str) -> Iterator[_Para]:
    start = 0
    block: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r").strip()
        if line:
            if not block:
                start = number
            block.append(line)
        elif block:
            yield _Para(start, tuple(block))
            block = []
    if block:
        yield _Para(start, tuple(block))


def _head(paras: list[_Para], problem):  # type: ignore[no-untyped-def]
    """The lines before `N Papers`: the name, an optional field code, the metrics."""
    numbered = [(p.line + i, line) for p in paras for i, line in enumerate(p.lines)]
    if not numbered:
        problem(1, "no person name before the paper count")
        return 1, "", None, Metrics(), {}
    name_line, person = numbered[0]
    if len(person) > MAX_NAME:
        problem(name_line, _too_long("the name", person, MAX_NAME))
    elif not _visible(person):
        problem(name_line, f"no letter or digit in the person name {person!r}")
    field_code = None
    values: dict[str, int] = {}
    lines: dict[str, int] = {}
    for number, line in numbered[1:]:
        if len(line) > MAX_HEAD_LINE:
            problem(number, _too_long("this line of the profile head", line, MAX_HEAD_LINE))
            continue
        for key, label, pattern in METRICS:
            m = pattern.match(line)
            if m:
                value = m["v"].strip()
                if not NUMBER.match(value):
                    problem(number, f"{label} is not a number: {value!r}")
                elif int(value.replace(",", "")) > MAX_NUMBER:
                    problem(number, f"{label} {value} is too large (at most {MAX_NUMBER:,})")
                else:
                    values[key] = int(value.replace(",", ""))
                    lines[key] = number
                break
        else:
            if field_code is None and FIELD_CODE.match(line):
                field_code = line
                lines["field"] = number
            else:
                problem(number, f"unexpected line in the profile head: {line!r}")
    metric_lines = {k: v for k, v in lines.items() if k != "field"}
    metrics = Metrics(**values, lines=metric_lines)
    return name_line, person, field_code, metrics, lines


def _is_header_attempt(para: _Para) -> bool:
    """Whether a paragraph starts a paper block, even with a header we cannot read.

    A real header matches HEADER; a bad one is a short first line followed by a title line.
    Abstract paragraphs are long single lines, so they never qualify.
    """
    if HEADER.match(para.lines[0]):
        return True
    return len(para.lines) >= 2 and len(para.lines[0]) <= 40


def _looks_like_prose(para: _Para) -> bool:
    return len(para.text) > 200 or ". " in para.text


def _papers(paras: list[_Para], source: str, as_of: date, problem) -> list[Paper]:  # type: ignore[no-untyped-def]
    blocks: list[list[_Para]] = []
    for para in paras:
        if _is_header_attempt(para) or not blocks:
            blocks.append([para])
        else:
            blocks[-1].append(para)
    papers = []
    for block in blocks:
        paper = _paper(block, source, as_of, problem)
        if paper is not None:
            papers.append(paper)
    return papers


def _paper(block: list[_Para], source: str, as_of: date, problem) -> Paper | None:  # type: ignore[no-untyped-def]
    head = block[0]
    header = HEADER.match(head.lines[0])
    if not header:
        problem(head.line, f"unknown paper header {head.lines[0]!r}: expected <category><date>"
                           "[Code], e.g. 'CVNov 21, 2022Code'")
        return None
    ok = True
    year = int(header["year"]) if header["year"] else None
    try:
        published, inferred = dates.resolve(header["month"], int(header["day"]), year, as_of)
    except ValueError:
        date_text = header[0][len(header["cat"]):].removesuffix("Code")
        problem(head.line, f"impossible date {date_text!r} in paper header")
        ok = False
    title = " ".join(head.lines[1:])
    if not title:
        problem(head.line, "paper block without a title (expected on the line after the header)")
        ok = False
    elif len(title) > MAX_TITLE:
        problem(head.line + 1, _too_long("the title", title, MAX_TITLE))
        ok = False
    body = block[1:]
    if not body or (len(body) == 1 and _looks_like_prose(body[0])):
        problem(head.line, "paper block without authors (expected a paragraph of names after "
                           "the title)")
        return None
    authors_para, abstract_paras = body[0], body[1:]
    authors_text = " ".join(authors_para.lines)
    listed, cut = _cut_et_al(authors_text)
    names = tuple(n.strip() for n in listed.split(","))
    if len(authors_text) > MAX_AUTHORS:
        problem(authors_para.line, _too_long("the author list", authors_text, MAX_AUTHORS))
        ok = False
    elif not names or any(not n for n in names):
        problem(authors_para.line, f"empty author name in {authors_text!r}")
        ok = False
    elif not all(map(_visible, names)):
        blank = next(n for n in names if not _visible(n))
        problem(authors_para.line, f"no letter or digit in the author name {blank!r}")
        ok = False
    elif any(len(n) > MAX_NAME for n in names):
        long = next(n for n in names if len(n) > MAX_NAME)
        problem(authors_para.line, _too_long("an author name", long, MAX_NAME))
        ok = False
    abstract = "\n\n".join(p.text for p in abstract_paras)
    if len(abstract) > MAX_ABSTRACT:
        problem(abstract_paras[0].line, _too_long("the abstract", abstract, MAX_ABSTRACT))
        ok = False
    if not ok:
        return None
    lines = {"header": head.line, "title": head.line + 1, "authors": authors_para.line}
    if abstract_paras:
        lines["abstract"] = abstract_paras[0].line
    return Paper(
        source=source,
        line=head.line,
        category=header["cat"],
        published=published,
        year_inferred=inferred,
        has_code=bool(header["code"]),
        title=title,
        authors=names,
        authors_cut=cut,
        abstract=abstract,
        lines=lines,
    )


def _cut_et_al(authors: str) -> tuple[str, bool]:
    """The author list without a closing "et al." (`, et al.`, ` et al`, …), and whether it had
    one. By hand, not by a pattern: `,?\\s*et al\\.?$` took time quadratic in a run of spaces."""
    body = authors.removesuffix(".")
    if not body.endswith("et al"):
        return authors, False
    listed = body[: -len("et al")].rstrip()
    return listed.removesuffix(","), True


def _visible(name: str) -> bool:
    """Whether a name holds a letter or a digit: one of only zero-width, format or space
    characters (U+200B, U+2060, …) would look empty on every page and still be a person."""
    return any(unicodedata.category(c)[0] in "LN" for c in name)


def _too_long(what: str, text: str, limit: int) -> str:
    return f"{what} is {len(text):,} characters long; at most {limit:,} are read"
