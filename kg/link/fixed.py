"""Links that need no reference data: arXiv categories and GitHub repositories.

An arXiv category is named by its code, and arXiv publishes one page per category at
`https://arxiv.org/list/<code>`; it has no other IRI for them, and a topic is not a web page,
so the page is `rdfs:seeAlso`, never `owl:sameAs`. A repository node already names its GitHub
page (`schema:codeRepository`); what a link adds is its owner account,
`https://github.com/<owner>`. Both are certain, so their confidence is 1.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pyoxigraph import Store

from kg.link.links import SEE_ALSO, Link, Target
from kg.mapping.repositories import normalise
from kg.mapping.vocab import ARXIV_LIST, kg_terms
from kg.store.query import records

ARXIV = Target("", "https://arxiv.org/", "arXiv category taxonomy")
GITHUB = Target("", "https://github.com/", "GitHub")
_CATEGORY = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")

_TOPICS = """SELECT DISTINCT ?topic ?code {
  ?topic a schema:DefinedTerm ; schema:termCode ?code ; schema:inDefinedTermSet <termset/arxiv> .
} ORDER BY ?topic"""

_REPOSITORIES = """SELECT DISTINCT ?repository ?url {
  ?repository a schema:SoftwareSourceCode ; schema:codeRepository ?url .
  FILTER(STRSTARTS(STR(?url), "https://github.com/"))
} ORDER BY ?repository ?url"""


def _rows(store: Store, base: str, query: str) -> list[dict[str, str]]:
    return [{name: term.value for name, term in row.items()}
            for row in records(store, query, base)]


def arxiv_links(store: Store, base: str) -> list[Link]:
    """rdfs:seeAlso from each arXiv topic of the graph to its arXiv category page."""
    links = []
    for row in _rows(store, base, _TOPICS):
        code = row["code"]
        if _CATEGORY.match(code):
            links.append(Link(row["topic"], SEE_ALSO, ARXIV_LIST + code, 1.0,
                              "arXiv category code", (f"schema:termCode {code}",), ARXIV))
    return links


def github_links(store: Store, base: str) -> list[Link]:
    """kg:ownerAccount from each GitHub repository to its owner's account."""
    owner_account = kg_terms().ownerAccount
    links = []
    for row in _rows(store, base, _REPOSITORIES):
        canonical = normalise(row["url"])
        if canonical is None or urlsplit(canonical).netloc != "github.com":
            continue
        owner = canonical.rsplit("/", 1)[0]
        evidence = (f"schema:codeRepository {row['url']}",)
        links.append(Link(row["repository"], owner_account, owner, 1.0,
                          "GitHub repository URL: owner", evidence, GITHUB))
    return links
