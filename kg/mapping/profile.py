"""Map one parsed profile to quads, all in the profile's own named graph.

Each profile graph says what one page says: every paper, person, key phrase and repository it
mentions, so that one profile can be replaced without touching the others. The page lists its
papers (a listing per paper, with the file and line it came from), and its owner is an author
of each, placed where the printed list names her and unplaced where "et al." cut her off. The
merged graph every query sees by default is derived from these graphs (`kg.store.merge`).
The term sets every profile refers to (the arXiv taxonomy and
the key-phrase set itself) are described once, in graphs of their own (`term_quads`): stated in
each of thousands of profile graphs, every join on a topic's name multiplied by the number of
profiles.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad

from kg.errors import Problem
from kg.mapping import vocab
from kg.mapping.iris import Minter
from kg.mapping.keyphrases import KeyphraseExtractor, PhraseCache
from kg.mapping.repositories import find_repositories
from kg.mapping.topics import Category, categories
from kg.mapping.vocab import RDF_TYPE, XSD_BOOLEAN, XSD_DATE, XSD_HEX_BINARY, XSD_INTEGER, schema
from kg.parse.records import Paper, Profile

_METRICS = (
    ("h_index", "hIndex"),
    ("stated_papers", "statedPaperCount"),
    ("citations", "citationCount"),
    ("novelty_percent", "noveltyPercent"),
    ("ai_score", "aiScore"),
)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


#: what the mapper states: subject, predicate, object (an IRI or a literal)
_Triple = tuple[NamedNode, NamedNode, NamedNode | Literal]
_TRUE = Literal("true", datatype=XSD_BOOLEAN)
_FALSE = Literal("false", datatype=XSD_BOOLEAN)
#: minted person IRIs remembered per mapper (names recur on many papers and profiles)
_REMEMBERED_PERSONS = 1 << 16


def _bool(value: bool) -> Literal:
    return _TRUE if value else _FALSE


@dataclass
class Mapper:
    """Maps profiles for a graph published at `base`; keeps the key-phrase extractor warm."""

    base: str
    keyphrases: bool = True
    warnings: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.mint = Minter(self.base)
        self.kg = vocab.kg
        self.categories = categories()
        self._extractor = KeyphraseExtractor() if self.keyphrases else None
        self._persons: dict[str, NamedNode] = {}
        self._topics: dict[str, NamedNode] = {}

    def share_phrases(self, cache: PhraseCache | None) -> None:
        """Look key phrases up in `cache` before ranking them, and put new ones there."""
        if self._extractor is not None:
            self._extractor.shared = cache

    def _person_iri(self, name: str) -> NamedNode:
        iri = self._persons.get(name)
        if iri is None:
            if len(self._persons) >= _REMEMBERED_PERSONS:
                self._persons.clear()
            iri = self._persons[name] = self.mint.person(name)
        return iri

    def graph_of(self, profile: Profile) -> NamedNode:
        return self.mint.graph(profile.source)

    def quads(self, profile: Profile) -> Iterator[Quad]:
        """Every quad of `profile`; unknown category codes are added to `warnings`."""
        g = self.graph_of(profile)
        for s, p, o in self._triples(profile):
            yield Quad(s, p, o, g)

    def _triples(self, profile: Profile) -> Iterator[_Triple]:
        kg, mint = self.kg, self.mint
        page = mint.profile(profile.source)
        person = self._person_iri(profile.name)
        file_name = Literal(profile.source.rsplit("/", 1)[-1])
        yield page, RDF_TYPE, schema.ProfilePage
        yield page, schema.name, Literal(f"Profile of {profile.name}")
        yield page, schema.about, person
        yield page, schema.mainEntity, person
        yield page, kg.asOf, Literal(profile.as_of.isoformat(), datatype=XSD_DATE)
        yield page, kg.sourceFile, file_name
        graph = self.graph_of(profile)  # the graph describes itself: what it holds, from where
        yield graph, RDF_TYPE, kg.ProfileGraph
        yield graph, schema.about, page
        yield graph, kg.sourceFile, file_name
        yield graph, kg.asOf, Literal(profile.as_of.isoformat(), datatype=XSD_DATE)
        if profile.sha256:
            yield graph, kg.sha256, Literal(profile.sha256, datatype=XSD_HEX_BINARY)
        yield page, kg.listedPaperCount, _int(profile.listed_papers)
        for attr, term in _METRICS:
            value = getattr(profile.metrics, attr)
            if value is not None:
                yield page, getattr(kg, term), _int(value)
        yield from self._person(person, profile.name)
        if profile.field_code:
            topic = self._topic(profile.field_code, profile.source, profile.lines["field"])
            if topic:
                yield person, schema.knowsAbout, topic
        for position, paper in enumerate(profile.papers, start=1):
            iri = mint.paper(paper.title)
            listing = mint.listing(profile.source, position)
            yield page, kg.lists, listing
            yield listing, RDF_TYPE, kg.Listing
            yield listing, schema.item, iri
            yield listing, schema.position, _int(position)
            yield listing, kg.sourceFile, file_name
            yield listing, kg.sourceLine, _int(paper.line)
            yield from self._paper(paper, iri, person, profile.name)

    def _person(self, iri: NamedNode, name: str) -> Iterator[_Triple]:
        yield iri, RDF_TYPE, schema.Person
        yield iri, schema.name, Literal(name)

    def _topic(self, code: str, source: str, line: int) -> NamedNode | None:
        """The topic of a category code; None (and a warning) for a code the table lacks."""
        known = self._topics.get(code)
        if known is not None:
            return known
        category: Category | None = self.categories.get(code)
        if category is None:
            self.warnings.append(Problem(source, line, f"unknown arXiv category code {code!r}: "
                                         "kept as kg:categoryCode, no topic linked"))
            return None
        topic = self._topics[code] = self.mint.topic(category.arxiv)
        return topic

    def term_quads(self, topics: Collection[NamedNode]) -> Iterator[Quad]:
        """The term sets profiles refer to, each in its own graph: the categories of the table
        whose topic is among `topics` (those the profiles refer to) and, with key phrases, the
        key-phrase set."""
        graph, scheme = self.mint.term_graph("arxiv"), self.mint.term_set("arxiv")
        triples: list[_Triple] = []
        for category in self.categories.values():
            topic = self.mint.topic(category.arxiv)
            if topic in topics:
                triples += [
                    (topic, RDF_TYPE, schema.DefinedTerm),
                    (topic, schema.termCode, Literal(category.arxiv)),
                    (topic, schema.name, Literal(category.name)),
                    (topic, self.kg.profileCode, Literal(category.code)),
                    (topic, schema.inDefinedTermSet, scheme),
                ]
        if triples:
            triples += [(scheme, RDF_TYPE, schema.DefinedTermSet),
                        (scheme, schema.name, Literal("arXiv category taxonomy"))]
        for s, p, o in triples:
            yield Quad(s, p, o, graph)
        if self.keyphrases:
            graph, scheme = self.mint.term_graph("keyphrases"), self.mint.term_set("keyphrases")
            yield Quad(scheme, RDF_TYPE, schema.DefinedTermSet, graph)
            yield Quad(scheme, schema.name, Literal("Key phrases extracted by scholarkg"), graph)

    def _paper(self, paper: Paper, iri: NamedNode, owner: NamedNode, owner_name: str
               ) -> Iterator[_Triple]:
        kg, mint = self.kg, self.mint
        yield iri, RDF_TYPE, schema.ScholarlyArticle
        yield iri, schema.name, Literal(paper.title)
        if paper.abstract:
            yield iri, schema.abstract, Literal(paper.abstract)
        yield iri, schema.datePublished, Literal(paper.published.isoformat(), datatype=XSD_DATE)
        yield iri, kg.yearInferred, _bool(paper.year_inferred)
        yield iri, kg.hasCode, _bool(paper.has_code)
        yield iri, kg.authorListTruncated, _bool(paper.authors_cut)
        yield iri, kg.categoryCode, Literal(paper.category)
        topic = self._topic(paper.category, paper.source, paper.line)
        if topic:
            yield iri, schema.about, topic
        placed = False
        for position, name in enumerate(paper.authors, start=1):
            person = self._person_iri(name)
            placed = placed or person == owner
            role = mint.authorship(iri, position)
            yield from self._person(person, name)
            yield iri, schema.author, person
            yield iri, kg.authorship, role
            yield role, RDF_TYPE, kg.Authorship
            yield role, schema.position, _int(position)
            yield role, schema.item, person
            yield role, schema.name, Literal(name)
        if not placed:  # her own page lists it: she is an author, wherever "et al." put her
            role = mint.unplaced_authorship(iri, owner)
            yield iri, schema.author, owner
            yield iri, kg.authorship, role
            yield role, RDF_TYPE, kg.Authorship
            yield role, schema.item, owner
            yield role, schema.name, Literal(owner_name)
        for url in find_repositories(paper.abstract, self.warnings, paper.source,
                                     paper.lines.get("abstract", paper.line)):
            repo = mint.repository(url)
            yield repo, RDF_TYPE, schema.SoftwareSourceCode
            yield repo, schema.codeRepository, NamedNode(url)
            yield repo, schema.name, Literal(url.split("://", 1)[1].split("/", 1)[-1])
            yield iri, kg.hasSourceCode, repo
        if self._extractor is not None:
            scheme = mint.term_set("keyphrases")
            for phrase in self._extractor.extract(paper.title, paper.abstract):
                term = mint.keyphrase(phrase)
                yield term, RDF_TYPE, schema.DefinedTerm
                yield term, schema.name, Literal(phrase)
                yield term, schema.inDefinedTermSet, scheme
                yield iri, schema.keywords, term


