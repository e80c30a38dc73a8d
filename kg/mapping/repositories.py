"""Find the code repositories an abstract cites, one normalised URL per repository.

Abstracts cite code as bare URLs, `\\url{…}`, `\\href{…}{…}`, `{…}` or `github.com/…` without a
scheme, often with the sentence's full stop glued on. GitHub, GitLab and Hugging Face URLs are
cut to the repository (`/tree/master/x` dropped); project pages keep their path.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_URL = re.compile(
    r"(?:https?://|www\.|(?<![\w./@-])(?:github\.com|gitlab\.com|huggingface\.co)/)"
    r"[^\s{}<>\"'\\]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:)]!?'\""
#: host → how many path segments name a repository there
_FORGES = {"github.com": 2, "gitlab.com": 2, "huggingface.co": 2}
_HF_KINDS = {"spaces", "datasets"}


#: every match of `_URL` holds one of these (lower-cased); most abstracts hold none, and
#: looking for them costs a tenth of the pattern's scan
_HINTS = ("http", "www.", "github.com/", "gitlab.com/", "huggingface.co/")


def find_repositories(text: str) -> list[str]:
    """Normalised repository URLs in `text`, in order of first citation, without repeats."""
    lower = text.lower()
    if not any(hint in lower for hint in _HINTS):
        return []
    found: dict[str, None] = {}
    for match in _URL.finditer(text):
        url = normalise(match.group(0))
        if url:
            found.setdefault(url, None)
    return list(found)


def normalise(raw: str) -> str | None:
    """The canonical URL of a cited repository or page; None when nothing is left."""
    url = raw.rstrip(_TRAILING)
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "https://" + url
    parts = urlsplit(url)
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
