"""Map parsed records to RDF quads (second stage of the pipeline)."""

from kg.mapping.iris import Minter
from kg.mapping.profile import Mapper

__all__ = ["Mapper", "Minter"]
