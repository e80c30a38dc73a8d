"""Parse profile pages into typed records (first stage of the pipeline)."""

from kg.parse.profile import parse_profile, parse_text
from kg.parse.records import Metrics, Paper, Profile
from kg.parse.sources import find_sources

__all__ = ["Metrics", "Paper", "Profile", "find_sources", "parse_profile", "parse_text"]
