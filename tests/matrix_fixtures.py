"""Pytest fixtures for tests against a real Synapse (see tests/matrix_harness.py).

tests/conftest.py imports them. A test module that also imports ``homeserver`` itself gets its
own session fixture, that is a second Synapse, so modules rely on conftest once it is wired.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.matrix_harness import Homeserver, SynapseNotInstalledError, find_synapse_python


def synapse_python_or_fail() -> Path:
    try:
        return find_synapse_python()
    except SynapseNotInstalledError as exc:
        message = str(exc)
    # Failed outside the except block, so the report is the message alone, not a chained
    # traceback.
    pytest.fail(message, pytrace=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def homeserver() -> AsyncIterator[Homeserver]:
    """One Synapse for the whole session; tests share it, so register unique localparts.

    A missing Synapse fails the tests instead of skipping them: a skip would hide a broken
    install behind a green run.
    """
    python = synapse_python_or_fail()
    async with Homeserver(python=python) as hs:
        yield hs
