"""scholarkg: researcher profile pages → a scholarly knowledge graph served over SPARQL."""

__version__ = "0.1.0"
