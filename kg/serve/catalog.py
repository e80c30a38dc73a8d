"""The saved queries of `queries/*.rq`, read from disk apart from Flask.

Each file holds one query, named by its stem and described by a comment header
(`# title:`, `# description:`) that the list page shows. The queries are written against our
server: `PREFIX kg: <ontology#>` and IRIs such as `<person/guoying-zhao>` are relative and
resolve against the graph's base IRI, so one file works on every deployment. Pasted into
another endpoint they would resolve against the wrong base; `portable_text` pins them to ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from kg.config import QUERIES_DIR
from kg.errors import KgError

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

_IRI_CHARS = r'[^<>"{}|^`\\\x00-\x20]*'
_IRI = re.compile(f"<{_IRI_CHARS}>")
_PREFIX_NAME = re.compile(r"\bPREFIX\s+[^\s:]*:", re.IGNORECASE)
_HEADER_FIELD = re.compile(r"#\s*([A-Za-z][\w-]*)\s*:(.*)")
_COMMENT = re.compile(r"#[^\n]*")
_FORM = re.compile(r"\b(" + "|".join(FORMS) + r")\b", re.IGNORECASE)
_PREFIX = re.compile(rf"^([ \t]*PREFIX\s+[^\s:]*:\s*)<({_IRI_CHARS})>",
                     re.IGNORECASE | re.MULTILINE)
_BASE = re.compile(r"^\s*BASE\s*<", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class SavedQuery:
    """One `queries/<name>.rq` file: its header, its text as written, and its query form."""

    name: str
    title: str
    description: str
    text: str
    form: str


def load_catalog(directory: Path = QUERIES_DIR) -> list[SavedQuery]:
    """Every `*.rq` file of `directory`, sorted by name.

    Raises KgError when the folder is missing or a file is unreadable, lacks a `# title:`
    header, or holds no SELECT/ASK/CONSTRUCT/DESCRIBE query; the message names the file.
    """
    if not directory.is_dir():
        raise KgError(f"{directory}: no saved-query folder here")
    return [read_query(path) for path in sorted(directory.glob("*.rq"))]


def read_query(path: Path) -> SavedQuery:
    """One saved query; raises KgError naming `path` when it cannot be one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise KgError(f"{path}: cannot read the saved query ({e})") from None
    header = _header(text)
    title = header.get("title", "")
    if not title:
        raise KgError(f"{path}: a saved query must start with a '# title: ...' comment line")
    form = _form(text)
    if form is None:
        raise KgError(f"{path}: no {', '.join(FORMS)} query found")
    return SavedQuery(name=path.stem, title=title, description=header.get("description", ""),
                      text=text, form=form)


def _header(text: str) -> dict[str, str]:
    """The `# key: value` lines of the leading comment block; other comment lines continue
    the value above them, so a long description may wrap."""
    fields: dict[str, str] = {}
    key: str | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("#"):
            break
        match = _HEADER_FIELD.fullmatch(line)
        if match:
            key = match.group(1).lower()
            fields[key] = match.group(2).strip()
        elif key is not None and line.lstrip("#").strip():
            fields[key] = f"{fields[key]} {line.lstrip('#').strip()}".strip()
    return fields


def _form(text: str) -> str | None:
    """The query form: the first form keyword once the prologue and comments are out of the way.

    IRIs go first because they may hold '#' (`<ontology#>`) or a word like 'select'; prefix
    names too, since `PREFIX ask: <...>` is legal.
    """
    bare = _PREFIX_NAME.sub(" ", _COMMENT.sub(" ", _IRI.sub(" ", text)))
    match = _FORM.search(bare)
    return match.group(1).upper() if match else None


def _resolve(base: str, iri: str) -> str:
    """`iri` resolved against `base`, keeping an empty fragment.

    `urljoin` alone turns `ontology#` into `.../ontology`: it drops the '#' our namespace
    ends with, and every `kg:` term would then miss.
    """
    reference, hash_, fragment = iri.partition("#")
    return urljoin(base, reference) + hash_ + fragment


def portable_text(text: str, base: str | None) -> str:
    """`text` with its relative IRIs pinned to `base`, to paste into any SPARQL endpoint.

    Relative PREFIX IRIs (`PREFIX kg: <ontology#>`) are made absolute, and a `BASE <base>`
    line is added after the leading comments so that relative IRIs in the body (`<person/...>`) keep
    meaning what they mean here. The text is returned unchanged when `base` is None (a graph
    without a base IRI) or when the query declares its own BASE.
    """
    if not base or _BASE.search(text):
        return text
    resolved = _PREFIX.sub(lambda m: f"{m.group(1)}<{_resolve(base, m.group(2))}>", text)
    lines = resolved.splitlines(keepends=True)
    # BASE goes right after the leading comments, so the header still opens the file; the
    # PREFIX IRIs are absolute by now, so it does not matter that it comes before them.
    at = next((i for i, line in enumerate(lines)
               if line.strip() and not line.lstrip().startswith("#")), len(lines))
    return "".join([*lines[:at], f"BASE <{base}>\n", *lines[at:]])
