"""Serve the graph over HTTP (last stage of the pipeline)."""

from kg.serve.app import ServeConfig, create_app

__all__ = ["ServeConfig", "create_app"]
