"""Shared fixtures: the seed built once into a real on-disk store, a real server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import QueryBoolean, QuerySolutions, Store
from werkzeug.serving import make_server

from kg.build import build
from kg.config import DEFAULT_BASE
from kg.search import SearchIndex, open_index
from kg.serve import ServeConfig, create_app
from kg.store import load_in_memory, run_query


class FollowingClient(FlaskClient):
    """A test client that follows redirects, as browsers and `requests` do: an entity IRI
    answers 303 with the document about it, which is what most tests look at. Tests of the
    redirect itself pass `follow_redirects=False`."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("follow_redirects", True)
        return super().open(*args, **kwargs)


Flask.test_client_class = FollowingClient

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED = next(SEEDS.glob("*.txt"))
DATA = Path(__file__).resolve().parent / "data"
AS_OF = date(2026, 11, 24)
BASE = DEFAULT_BASE


def select(store: Store, query: str, base: str = BASE) -> list[dict[str, str]]:
    """Rows of a SELECT as {variable: lexical value}, for exact comparisons."""
    result = run_query(store, query, base)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def value(store: Store, query: str, base: str = BASE) -> str:
    rows = select(store, query, base)
    assert len(rows) == 1, rows
    return next(iter(rows[0].values()))


def ask(store: Store, query: str, base: str = BASE) -> bool:
    result = run_query(store, query, base)
    assert isinstance(result, QueryBoolean)
    return bool(result)


@pytest.fixture(scope="session")
def seed_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store_dir = tmp_path_factory.mktemp("seed") / "store"
    build([SEED], store_dir, base=BASE, as_of=AS_OF)
    return store_dir


@pytest.fixture(scope="session")
def store(seed_store_dir: Path) -> Store:
    memory, _info = load_in_memory(seed_store_dir)
    return memory


@pytest.fixture(scope="session")
def search_index(seed_store_dir: Path) -> SearchIndex:
    """The seed's full-text index, as `kg build` wrote it beside the store."""
    index = open_index(seed_store_dir.resolve())
    assert index is not None
    return index


@pytest.fixture(scope="session")
def app(store: Store, search_index: SearchIndex):  # type: ignore[no-untyped-def]
    return create_app(ServeConfig(store=store, base=BASE, search=search_index))


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app behind a real HTTP server on 127.0.0.1 (port chosen by the OS)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
