"""The reference sources: how each one is asked for candidates, and what it answers with."""
