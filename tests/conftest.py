"""Shared fixtures. Homeserver fixtures come from tests/matrix_fixtures.py."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.engine_harness import EngineHarness
from tests.matrix_fixtures import homeserver  # noqa: F401
from tests.postgres_fixtures import pg_url, postgres_server  # noqa: F401

# PTB 22 warns on every RetryAfter unless time periods are timedeltas; opt in, as the bot does.
os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    h = await EngineHarness.create(tmp_path / "test.db")
    try:
        yield h
    finally:
        await h.close()
