"""PostgreSQL fixtures: one throwaway server per test session, a fresh database per test.

``pg_url`` is an empty database (migration tests); ``pg_migrated_url`` a copy of one migrated
once per session (CREATE DATABASE ... TEMPLATE copies files: a few milliseconds instead of
running every migration for every test).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import open_database
from storage.migrations import migrate
from tests.postgres_server import PostgresServer, running

_names = itertools.count(1)
TEMPLATE = "aidbridge_migrated"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running() as server:
        yield server


def _fresh(server: PostgresServer, template: str) -> Iterator[str]:
    name = f"t{next(_names)}"
    server.sql(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield server.url(name)
    finally:
        server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of an empty database of its own, dropped after the test.

    Synchronous (psql), so that other fixtures, async or not, can ask for it by name.
    """
    yield from _fresh(postgres_server, "template0")


async def _migrate(url: str) -> None:
    db = await open_database(Path("unused"), url)
    try:
        await migrate(db)
    finally:
        await db.close()


@pytest.fixture(scope="session")
def pg_template(postgres_server: PostgresServer) -> str:
    postgres_server.sql(f"CREATE DATABASE {TEMPLATE} TEMPLATE template0")
    failure: list[BaseException] = []

    def run() -> None:
        # Its own thread and event loop: a session fixture may be set up while the tests'
        # loop is running.
        try:
            asyncio.run(_migrate(postgres_server.url(TEMPLATE)))
        except BaseException as exc:  # re-raised below, in the fixture's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return TEMPLATE


@pytest.fixture
def pg_migrated_url(postgres_server: PostgresServer, pg_template: str) -> Iterator[str]:
    """A database already at the newest schema version, of its own."""
    yield from _fresh(postgres_server, pg_template)
