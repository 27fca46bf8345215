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


# Handler modules whose tests run on both engines (part of the storage contract suite): the
# repositories they reach, end to end through the engine: members and invites, requests and
# their lifecycle, reminders, scheduled digests, the round's pack, exports and charts (the
# functions run_in_db_thread runs), stats, shipments, offers, audit, privacy, the outbox.
HARNESS_CONTRACT_MODULES = frozenset(
    {
        "tests.handlers.test_lifecycle",
        "tests.handlers.test_shipments",
        "tests.handlers.test_offers",
        "tests.handlers.test_admin_invites",
        "tests.handlers.test_admin_audit",
        "tests.handlers.test_privacy",
        "tests.handlers.test_reconfirm_stale",
        "tests.handlers.test_digest_category",
        "tests.handlers.test_meeting",
        "tests.handlers.test_export",
        "tests.handlers.test_stats",
    }
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "harness" in metafunc.fixturenames and metafunc.module.__name__ in HARNESS_CONTRACT_MODULES:
        metafunc.parametrize("harness_engine", ENGINES)


@pytest.fixture
def harness_engine() -> str:
    # AIDBRIDGE_TEST_ENGINE=postgresql runs every harness test on PostgreSQL (a developer's
    # switch to try the whole handlers suite there; by default SQLite, but for the modules
    # above, which run on both).
    return os.environ.get("AIDBRIDGE_TEST_ENGINE", "sqlite")


@pytest.fixture
def harness_url(harness_engine: str, request: pytest.FixtureRequest) -> str | None:
    if harness_engine == "postgresql":
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
