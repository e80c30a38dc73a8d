"""The one place that holds the vocabulary: external namespaces and our own terms.

Our terms live at `<base>ontology#` so that, like every minted IRI, the ontology dereferences on
the server that publishes the graph. `ontology/kg.ttl` defines each term (label, comment); a
test keeps `KG_TERMS` and that file in step.
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
ONTOLOGY_PATH = "ontology"

KG_TERMS = frozenset(
    {
        "Authorship",
        "authorship",
        "person",
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
    }
)

SCHEMA_TERMS = frozenset(
    {
        "ScholarlyArticle", "Person", "ProfilePage", "DefinedTerm", "DefinedTermSet",
        "SoftwareSourceCode", "name", "abstract", "datePublished", "author", "about",
        "keywords", "position", "termCode", "inDefinedTermSet", "codeRepository", "knowsAbout",
        "mentions",
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


def ontology_namespace(base: str) -> str:
    """The namespace of our own terms for a graph published at `base`."""
    return f"{base}{ONTOLOGY_PATH}#"


def kg_terms(base: str) -> _Terms:
    """Our own terms (`kg:`) for a graph published at `base`."""
    return _Terms(ontology_namespace(base), KG_TERMS)


def prefixes(base: str) -> dict[str, str]:
    """Prefixes every query may use without declaring them, and every Turtle output declares."""
    return {
        "schema": SCHEMA,
        "kg": ontology_namespace(base),
        "xsd": XSD,
        "rdf": RDF,
        "rdfs": RDFS,
        "owl": OWL,
        "skos": SKOS,
        "dcterms": DCTERMS,
        "prov": PROV,
        "void": VOID,
    }
