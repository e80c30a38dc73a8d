"""Find the code repositories an abstract cites, one normalised URL per repository.

Abstracts cite code as bare URLs, `\\url{…}`, `\\href{…}{…}`, `{…}` or `github.com/…` without a
scheme, often with the sentence's full stop glued on. GitHub, GitLab and Hugging Face URLs are
cut to the repository (`/tree/master/x` dropped); project pages keep their path.

A URL becomes an IRI in the graph, and abstracts hold URLs no IRI may spell (`a?x=1|b`, `%zz`,
`https://[::1`): characters an IRI forbids are percent-escaped, and a URL that still is not an
IRI (a broken host) is left out. Either way the caller is told, so that a warning can name the
file and line, instead of the build ending in the store's `ValueError`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

from pyoxigraph import NamedNode

from kg.errors import Problem

_URL = re.compile(
    r"(?:https?://|www\.|(?<![\w./@-])(?:github\.com|gitlab\.com|huggingface\.co)/)"
    r"[^\s{}<>\"'\\]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:)]!?'\""
#: host → how many path segments name a repository there
_FORGES = {"github.com": 2, "gitlab.com": 2, "huggingface.co": 2}
_HF_KINDS = {"spaces", "datasets"}
#: what RFC 3987 forbids in an IRI outside an IP-literal host, and a '%' that escapes nothing
_NOT_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\[\]\x7f]|%(?![0-9A-Fa-f]{2})')


#: every match of `_URL` holds one of these (lower-cased); most abstracts hold none, and
#: looking for them costs a tenth of the pattern's scan
_HINTS = ("http", "www.", "github.com/", "gitlab.com/", "huggingface.co/")


def find_repositories(text: str, warnings: list[Problem] | None = None, source: str = "",
                      line: int = 1) -> list[str]:
    """Normalised repository URLs in `text`, in order of first citation, without repeats.

    Every URL returned is a valid IRI. Each URL that had to be escaped to become one, or was
    left out because it cannot, adds a warning to `warnings`, at its line in `source` (`text`
    starting at `line`).
    """
    lower = text.lower()
    if not any(hint in lower for hint in _HINTS):
        return []
    found: dict[str, None] = {}
    where, counted = line, 0  # lines are counted as the matches advance: linear in the text
    for match in _URL.finditer(text):
        raw = match.group(0)
        where += text.count("\n", counted, match.start())
        counted = match.start()
        try:
            url = normalise(raw)
            escaped = _escape(url) if url is not None else None
        except ValueError as e:
            if warnings is not None:
                warnings.append(Problem(source, where,
                                        f"URL {raw!r} left out: it cannot be an IRI ({e})"))
            continue
        if escaped is None:
            continue
        if escaped != url and warnings is not None:
            warnings.append(Problem(source, where,
                                    f"URL {raw!r} is not a valid IRI: kept as {escaped}"))
        found.setdefault(escaped, None)
    return list(found)


def normalise(raw: str) -> str | None:
    """The canonical URL of a cited repository or page; None when nothing is left.

    Raises ValueError for a URL whose host no IRI can hold (`https://[::1`, an IP literal).
    """
    url = raw.rstrip(_TRAILING)
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "https://" + url
    parts = urlsplit(url)  # raises ValueError for an unclosed '['
    if "[" in parts.netloc or _NOT_IRI.search(parts.netloc):
        raise ValueError(f"bad host {parts.netloc!r}")
    host = parts.netloc.lower().removeprefix("www.")
    if not host or "." not in host:
        return None
    segments = [s for s in parts.path.split("/") if s]
    keep = _FORGES.get(host)
    if keep is not None:
        if host == "huggingface.co" and segments and segments[0] in _HF_KINDS:
            keep += 1
        if len(segments) < keep:
            return None
        segments = segments[:keep]
        segments[-1] = segments[-1].removesuffix(".git")
        return urlunsplit(("https", host, "/".join(segments), "", ""))
    path = "/".join(segments)
    path = path.removesuffix(".git")
    scheme = parts.scheme.lower()
    return urlunsplit((scheme, host, path, parts.query, ""))


def _escape(url: str) -> str:
    """`url` with every character an IRI forbids percent-escaped; checked by pyoxigraph.

    Raises ValueError when even that is no IRI (only a broken host could cause it, and
    `normalise` refuses those first).
    """
    escaped = _NOT_IRI.sub(lambda m: quote(m.group(0), safe=""), url)
    NamedNode(escaped)
    return escaped
