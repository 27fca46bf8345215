"""PostgreSQL fixtures: one throwaway server per test session, a fresh database per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.postgres_server import PostgresServer, running

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running() as server:
        yield server


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of an empty database of its own, dropped after the test.

    Synchronous (psql), so that other fixtures, async or not, can ask for it by name.
    """
    name = f"t{next(_names)}"
    postgres_server.sql(f"CREATE DATABASE {name} TEMPLATE template0")
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
