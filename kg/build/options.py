"""What a build is asked to do, whether into a local store or a SPARQL server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kg.build.report import Progress


@dataclass(frozen=True)
class Options:
    #: the base IRI every minted IRI is under
    base: str
    #: the date a year-less paper date is inferred against
    as_of: date
    #: build what is valid and report the rest, rather than refuse everything
    skip_invalid: bool = False
    keyphrases: bool = True
    validate: bool = True
    progress: Progress | None = None
