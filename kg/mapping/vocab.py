"""The one place that holds the vocabulary: external namespaces and our own terms.

Our own terms have one namespace, `KG`, whatever base IRI a graph is published at: a term that
changed with every deployment would be a different property in each, and queries and data
from two deployments could not meet. The namespace is a w3id.org permanent identifier, so it can
be pointed at wherever the ontology is published; every `kg serve` also serves it at
`/ontology`. `ontology/kg.ttl` defines each term (label, comment); a test keeps `KG_TERMS` and
that file in step.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
FOAF = "http://xmlns.com/foaf/0.1/"
#: W3C Data Quality Vocabulary: how a dataset points at its SHACL report
DQV = "http://www.w3.org/ns/dqv#"
#: media types as IRIs (IANA's registry), as DCAT wants `dcat:mediaType`
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
#: the EU Publications Office file types, as DCAT-AP wants `dcterms:format`
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
#: the scholarly graphs `kg link` reads: their schemas, and where their records live
DBLP = "https://dblp.org/rdf/schema#"
DBLP_RECORDS = "https://dblp.org/"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
OPENALEX = "https://openalex.org/"
ORCID = "https://orcid.org/"
DOI = "https://doi.org/"
ARXIV_LIST = "https://arxiv.org/list/"
GITHUB = "https://github.com/"
#: the Semantic Mapping Vocabulary: how an SSSOM mapping was justified
SEMAPV = "https://w3id.org/semapv/vocab/"
#: our ontology, and the namespace of our own terms
ONTOLOGY = "https://w3id.org/scholarkg/ontology"
KG = ONTOLOGY + "#"
#: where `kg serve` publishes the ontology document, under the base IRI
ONTOLOGY_PATH = "ontology"

KG_TERMS = frozenset(
    {
        "Authorship",
        "authorship",
        "Listing",
        "lists",
        "ProfileGraph",
        "sha256",
        "authorListTruncated",
        "hasCode",
        "hasSourceCode",
        "categoryCode",
        "yearInferred",
        "sourceLine",
        "sourceFile",
        "asOf",
        "hIndex",
        "statedPaperCount",
        "listedPaperCount",
        "citationCount",
        "noveltyPercent",
        "aiScore",
        "profileCode",
        "Link",
        "confidence",
        "method",
        "evidence",
        "ownerAccount",
        "sameAsThreshold",
        "closeMatchThreshold",
        "search",
    }
)

SCHEMA_TERMS = frozenset(
    {
        "ScholarlyArticle", "Person", "ProfilePage", "DefinedTerm", "DefinedTermSet",
        "SoftwareSourceCode", "name", "abstract", "datePublished", "author", "about",
        "keywords", "position", "termCode", "inDefinedTermSet", "codeRepository", "knowsAbout",
        "mentions", "ListItem", "item", "mainEntity", "url",
    }
)


class _Terms:
    """Attribute access to the terms of one namespace, refusing names it does not define."""

    def __init__(self, namespace: str, terms: frozenset[str]) -> None:
        self.namespace = namespace
        self._nodes = {t: NamedNode(namespace + t) for t in terms}

    def __getattr__(self, name: str) -> NamedNode:
        try:
            return self._nodes[name]
        except KeyError:
            raise AttributeError(f"{self.namespace}{name} is not a term we use") from None


schema = _Terms(SCHEMA, SCHEMA_TERMS)
RDF_TYPE = NamedNode(RDF + "type")
XSD_DATE = NamedNode(XSD + "date")
XSD_INTEGER = NamedNode(XSD + "integer")
XSD_BOOLEAN = NamedNode(XSD + "boolean")
XSD_HEX_BINARY = NamedNode(XSD + "hexBinary")


kg = _Terms(KG, KG_TERMS)


def kg_terms() -> _Terms:
    """Our own terms (`kg:`); the same for every base IRI (see the module's docstring)."""
    return kg


#: the one prefix map, in named subsets: each output declares the prefixes of what it holds
PREFIX_SETS: dict[str, dict[str, str]] = {
    #: what every query may use without declaring it, and the graph's Turtle declares
    "graph": {"schema": SCHEMA, "kg": KG, "xsd": XSD, "rdf": RDF, "rdfs": RDFS, "owl": OWL,
              "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "void": VOID},
    #: the VoID/DCAT description of the dataset
    "void": {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "spdx": SPDX, "xsd": XSD,
             "schema": SCHEMA, "owl": OWL, "foaf": FOAF, "prov": PROV, "dqv": DQV, "kg": KG},
    #: the SPARQL service description
    "sd": {"sd": SD, "formats": FORMATS, "schema": SCHEMA, "dcterms": DCTERMS, "void": VOID},
    #: the CURIEs of SSSOM mapping sets (the base IRI is added as `kg`)
    "mappings": {"owl": OWL, "skos": SKOS, "rdfs": RDFS, "semapv": SEMAPV,
                 "dblp": DBLP_RECORDS, "wd": WD, "openalex": OPENALEX, "orcid": ORCID,
                 "doi": DOI, "arxiv": ARXIV_LIST, "github": GITHUB},
    #: the queries `kg link` sends to dblp's and to Wikidata's endpoints
    "dblp": {"dblp": DBLP},
    "wikidata": {"wdt": WDT, "wd": WD, "rdfs": RDFS, "skos": SKOS},
}


def prefix_map(subset: str) -> dict[str, str]:
    """A copy of one named subset of `PREFIX_SETS`."""
    return dict(PREFIX_SETS[subset])


def prefix_lines(subset: str) -> str:
    """The PREFIX lines that declare a subset in a SPARQL query."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIX_SETS[subset].items())


def prefixes() -> dict[str, str]:
    """Prefixes every query may use without declaring them, and every Turtle output declares."""
    return prefix_map("graph")


def curie(iri: str) -> str:
    """`schema:name` for an IRI of a namespace of `prefixes`, else the IRI itself."""
    for prefix, namespace in _NAMESPACES:
        local = iri[len(namespace):]
        if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return iri


_NAMESPACES = sorted(prefixes().items(), key=lambda kv: -len(kv[1]))
