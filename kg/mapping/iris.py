"""The one place that mints IRIs.

IRIs are short, stable across builds and machines, and derived only from what the source says
about the thing, never from the build day, the machine or the order of files: a paper from its
normalised title alone (a year the page left out is inferred from `--as-of`, so it cannot be
part of the IRI; and the same paper in two profiles is one node), a person from the
Unicode-normalised, case-folded name, a repository from its URL with case folded where the host
folds it. Readable slugs come first; a
short hash is added where the slug alone could stand for two different keys.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote, urlsplit

from pyoxigraph import NamedNode
from unidecode import unidecode

from kg.errors import KgError
from kg.mapping.vocab import ONTOLOGY_PATH

_NON_WORD = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)
_LATEX = re.compile(r"\\[a-zA-Z]+|[{}$^]")
PAPER_SLUG_WORDS = 5
#: where the named graphs of links live, under the base IRI: `graph/links/<source>`
LINK_GRAPHS = "graph/links/"
#: where the term sets every profile refers to live (the arXiv taxonomy, the key-phrase set):
#: `graph/terms/<set>`, written once per build rather than into every profile graph
TERM_GRAPHS = "graph/terms/"
#: where a build into a remote store stages graphs: `graph/.staging/<time>/<name>`
STAGING_GRAPHS = "graph/.staging/"
#: where the server publishes the files of `kg export`
DUMPS = "dumps/"
#: every named graph of the data lives under `graph/`
GRAPHS = "graph/"
#: where the link nodes live: `link/<source>/<hash>`
LINKS = "link/"
#: the VoID description of the whole graph, and the node of the dataset in it
VOID_DATASET = ".well-known/void#dataset"
#: code hosts whose owner and repository names ignore case
CASE_FOLDING_HOSTS = frozenset({"github.com"})


def name_key(name: str) -> str:
    """What makes two person names the same: NFKC, case-folded, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def title_key(title: str) -> str:
    """What makes two titles the same: no LaTeX, accents, case or punctuation differences."""
    text = unidecode(unicodedata.normalize("NFKC", _LATEX.sub(" ", title))).casefold()
    return _PUNCT_OR_SPACE.sub(" ", text).strip()


def _digest(key: str, size: int = 8) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:size]


def _slug(text: str) -> str:
    return _NON_WORD.sub("-", unidecode(text).lower()).strip("-")


def _reversible_slug(key: str) -> str:
    """The slug of `key`, with a hash when the slug does not spell the key back exactly."""
    slug = _slug(key) or "x"
    return slug if slug.replace("-", " ") == key else f"{slug}-{_digest(key)}"


class Minter:
    """Mints every IRI of a graph published at `base`."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or not base.endswith("/"):
            raise KgError(f"base IRI {base!r} must be an absolute http(s) IRI ending in '/'")
        try:
            NamedNode(base)
        except ValueError as e:
            raise KgError(f"base IRI {base!r} is not a valid IRI: {e}") from None
        self.base = base

    def _iri(self, path: str) -> NamedNode:
        return NamedNode(self.base + path)

    def paper(self, title: str) -> NamedNode:
        key = title_key(title)
        words = "-".join(_slug(key).split("-")[:PAPER_SLUG_WORDS]) or "paper"
        return self._iri(f"paper/{words}-{_digest(key)}")

    def authorship(self, paper: NamedNode, position: int) -> NamedNode:
        """The `position`-th author of `paper`, as its longest printed list places them."""
        return NamedNode(f"{paper.value}#author-{position}")

    def unplaced_authorship(self, paper: NamedNode, person: NamedNode) -> NamedNode:
        """An author of `paper` whose place no printed list shows (a profile's owner cut from
        the list by "et al.")."""
        return NamedNode(f"{paper.value}#author-{_digest(person.value)}")

    def listing(self, source_name: str, position: int) -> NamedNode:
        """The `position`-th paper a profile page lists."""
        return NamedNode(f"{self.profile(source_name).value}#paper-{position}")

    def person(self, name: str) -> NamedNode:
        """`person/<name>`: one node per name as printed (case and spacing aside); the linking
        stage, not the IRI, decides whether two names are one person."""
        return self._iri(f"person/{_reversible_slug(name_key(name))}")

    def topic(self, arxiv_id: str) -> NamedNode:
        """`topic/<arXiv code>`: the category's own code keeps the IRI readable and stable."""
        return self._iri(f"topic/{quote(arxiv_id, safe='.-')}")

    def keyphrase(self, phrase: str) -> NamedNode:
        """`keyphrase/<phrase>`: the same phrase from any paper is one term."""
        return self._iri(f"keyphrase/{_reversible_slug(name_key(phrase))}")

    def term_set(self, name: str) -> NamedNode:
        """`termset/<name>`: the arXiv taxonomy, our key phrases."""
        return self._iri(f"termset/{name}")

    def term_graph(self, name: str) -> NamedNode:
        """The named graph that describes the term set `termset/<name>` and its terms."""
        return self._iri(f"{TERM_GRAPHS}{quote(name, safe='-._~')}")

    def repository(self, url: str) -> NamedNode:
        """From a normalised repository URL: `repository/<host>/<path>`, the path lower-cased
        on hosts whose names ignore case (GitHub: `ZitongYu/CDCN` is `zitongyu/cdcn`)."""
        parts = urlsplit(url)
        path = parts.path.strip("/")
        if parts.netloc in CASE_FOLDING_HOSTS:
            path = path.lower()
        path = quote(path, safe="/-._~")
        return self._iri(f"repository/{parts.netloc}/{path}".rstrip("/"))

    def profile(self, source_name: str) -> NamedNode:
        """`profile/<file name>`: a profile page is named by the file it was read from."""
        return self._iri(f"profile/{_source_slug(source_name)}")

    def graph(self, source_name: str) -> NamedNode:
        """`graph/<file name>`: the named graph of everything one profile file says; it describes
        itself (`kg:ProfileGraph`), so it dereferences like any entity."""
        return self._iri(f"graph/{_source_slug(source_name)}")

    def link_graph(self, source: str) -> NamedNode:
        """`graph/links/<source>`: the named graph of the links to one reference source (dblp,
        wikidata, …), which `kg link` replaces whole and every build keeps."""
        return self._iri(f"{LINK_GRAPHS}{quote(source, safe='-._~')}")

    def link_part(self, source: str, part: str) -> NamedNode:
        """A node described inside a link graph (its activity, agent, inputs, sub-linksets)."""
        return NamedNode(f"{self.link_graph(source).value}#{quote(part, safe='-._~')}")

    def link(self, source: str, subject: str, predicate: str, target: str) -> NamedNode:
        """The node describing one link: the same triple from the same source, the same IRI."""
        key = f"{subject} {predicate} {target}"
        return self._iri(f"{LINKS}{quote(source, safe='-._~')}/{_digest(key, 12)}")

    def ontology(self) -> NamedNode:
        """The ontology document; its terms live at `<this>#term` (see vocab)."""
        return self._iri(ONTOLOGY_PATH)

    def endpoint(self) -> NamedNode:
        """The SPARQL endpoint that serves the graph at this base."""
        return self._iri("sparql")

    def dump(self, file_name: str) -> NamedNode:
        """Where `kg serve` publishes a file `kg export` wrote."""
        return self._iri(f"{DUMPS}{quote(file_name, safe='-._~')}")

    def staging_graph(self, stamp: str, graph: NamedNode) -> NamedNode:
        """Where a build into a remote store uploads `graph` before switching it in: its path
        under `graph/` kept whole, so that `graph/terms/arxiv` and the graph of a profile file
        named `arxiv.txt` stage apart."""
        ours = self.base + GRAPHS
        rest = graph.value[len(ours):] if graph.value.startswith(ours) else \
            f"other/{_digest(graph.value, 16)}"
        return self._iri(f"{STAGING_GRAPHS}{stamp}/{rest}")

    def staging_default_graph(self, stamp: str) -> NamedNode:
        """Where a build into a remote store uploads the merged (default) graph: `@merged`, a
        name no profile file's graph can have (file names are percent-escaped there)."""
        return self._iri(f"{STAGING_GRAPHS}{stamp}/@merged")

    def dataset(self) -> NamedNode:
        """This graph as a VoID dataset: what every linkset links from."""
        return self._iri(VOID_DATASET)


def _source_slug(source_name: str) -> str:
    stem = source_name.rsplit("/", 1)[-1].removesuffix(".txt")
    return quote(stem, safe="-._~")
