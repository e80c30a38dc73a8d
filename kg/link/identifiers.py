"""External identifiers as IRIs, one spelling each, so that two sources can be compared.

A source may give an ORCID as `0000-0002-1825-0097`, as `https://orcid.org/…` or in lower
case; a DOI with or without `https://doi.org/`. Whatever the spelling, the IRI here is the one
the identifier's own registry publishes. An ORCID whose check digit is wrong is dropped: ORCID
iDs are only ever taken from records, never guessed or repaired.
"""

from __future__ import annotations

import re

from kg.mapping.vocab import DBLP_RECORDS, DOI, OPENALEX, ORCID
from kg.mapping.vocab import WD as WIKIDATA

DBLP_PID = DBLP_RECORDS + "pid/"

_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])")
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")
_QID = re.compile(r"(Q\d+)$")
_OPENALEX_ID = re.compile(r"([AW]\d+)$", re.IGNORECASE)
#: a new-style arXiv id (YYMM.NNNNN) in an arXiv DOI, URL or dblp CoRR key (abs-YYMM-NNNNN)
_ARXIV = re.compile(r"(?:arxiv[./:]|arxiv\.org/abs/|corr/abs-)(\d{4})[.-](\d{4,5})",
                    re.IGNORECASE)
ARXIV_DOI = DOI + "10.48550/arxiv."


def orcid_iri(value: str) -> str | None:
    """`https://orcid.org/0000-0002-1825-0097`, or None when `value` is no valid ORCID iD."""
    match = _ORCID.search(value.strip().upper())
    if not match:
        return None
    digits = "".join(match.groups())
    return f"{ORCID}{'-'.join(match.groups())}" if _orcid_checksum(digits) else None


def _orcid_checksum(digits: str) -> bool:
    """ISO 7064 MOD 11-2, the check digit ORCID iDs end with."""
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def doi_iri(value: str) -> str | None:
    """`https://doi.org/10.…` in lower case (DOIs are case-insensitive)."""
    match = _DOI.search(value.strip())
    return f"{DOI}{match.group(1).lower()}" if match else None


def dblp_person_iri(value: str) -> str | None:
    """A dblp person from its pid (`51/3710-3`, Wikidata's P2456) or its IRI."""
    pid = value.strip().removeprefix(DBLP_PID).strip("/")
    return f"{DBLP_PID}{pid}" if pid and " " not in pid else None


def openalex_iri(value: str) -> str | None:
    """An OpenAlex author or work from its id (`A5012345678`, Wikidata's P10283) or IRI."""
    match = _OPENALEX_ID.search(value.strip())
    return f"{OPENALEX}{match.group(1).upper()}" if match else None


def wikidata_iri(value: str) -> str | None:
    """A Wikidata item from its Q-id or its IRI (`https://` spellings included)."""
    match = _QID.search(value.strip())
    return f"{WIKIDATA}{match.group(1)}" if match else None


def arxiv_id(value: str) -> str | None:
    """`2111.12082` from an arXiv DOI (`10.48550/arXiv.2111.12082`), an arXiv URL or a dblp
    CoRR record (`…/journals/corr/abs-2111-12082`); None for anything else."""
    match = _ARXIV.search(value.strip())
    return f"{match.group(1)}.{match.group(2)}" if match else None


def is_publisher_doi(iri: str) -> bool:
    """A DOI that is not arXiv's: two different ones name two different publications."""
    return iri.startswith(DOI) and not iri.startswith(ARXIV_DOI)


def scheme(iri: str) -> str | None:
    """Which register an identifier IRI belongs to: two different ones of the same register
    name two different things."""
    for name, prefix in (("orcid", ORCID), ("doi", DOI), ("dblp", DBLP_PID),
                         ("openalex", OPENALEX), ("wikidata", WIKIDATA)):
        if iri.startswith(prefix):
            return name
    return None
