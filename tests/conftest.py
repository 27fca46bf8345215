"""Shared fixtures. Homeserver fixtures come from tests/matrix_fixtures.py."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database, open_database
from storage.migrations import migrate
from tests.engine_harness import EngineHarness
from tests.matrix_fixtures import homeserver  # noqa: F401
from tests.postgres_fixtures import (  # noqa: F401
    pg_migrated_url,
    pg_template,
    pg_url,
    postgres_server,
)

# PTB 22 warns on every RetryAfter unless time periods are timedeltas; opt in, as the bot does.
os.environ.setdefault("PTB_TIMEDELTA", "true")


# Storage engines the contract suite runs on (tests/storage/test_contract_*.py and the tests
# taking ``any_db`` or ``any_harness``): the SQLite file and a throwaway PostgreSQL database.
ENGINES = ("sqlite", "postgresql")


@pytest.fixture(params=ENGINES)
def engine_url(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite, else the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_migrated_url")
    return url


@pytest.fixture
async def any_db(tmp_path: Path, engine_url: str | None) -> AsyncIterator[Database]:
    """A migrated database on each engine in turn."""
    db = await open_database(tmp_path / "test.db", engine_url)
    try:
        await migrate(db)
        yield db
    finally:
        await db.close()


@pytest.fixture
async def any_harness(tmp_path: Path, engine_url: str | None) -> AsyncIterator[EngineHarness]:
    """The engine harness on each engine in turn."""
    h = await EngineHarness.create(tmp_path / "test.db", url=engine_url)
    try:
        yield h
    finally:
        await h.close()


@pytest.fixture
def harness_url(request: pytest.FixtureRequest) -> str | None:
    # AIDBRIDGE_TEST_ENGINE=postgresql runs every harness test on PostgreSQL (a developer's
    # switch to try the whole handlers suite there; the default run uses SQLite).
    if os.environ.get("AIDBRIDGE_TEST_ENGINE") == "postgresql":
        url: str = request.getfixturevalue("pg_migrated_url")
        return url
    return None


@pytest.fixture
async def harness(tmp_path: Path, harness_url: str | None) -> AsyncIterator[EngineHarness]:
    h = await EngineHarness.create(tmp_path / "test.db", url=harness_url)
    try:
        yield h
    finally:
        await h.close()
