"""Issue 5, parity: the same scenarios, written once, pass on Telegram and on Matrix.

Each scenario (tests/bot/scenarios.py) runs through the whole bot on python-telegram-bot with
the fake Bot API, and on matrix-nio with the session's Synapse (tests/bot/scenario_drivers.py).
The Matrix runs share the one homeserver; each run has its own bot account and database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.scenario_drivers import Driver, MatrixDriver, TelegramDriver
from tests.bot.scenarios import NEED_AND_COORDINATION, STRANGER, WIZARD, WRONG_INPUT, Scenario

TRANSPORTS = ["telegram", pytest.param("matrix", marks=pytest.mark.slow)]


@pytest.fixture(params=TRANSPORTS)
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> Driver:
    if request.param == "telegram":
        return TelegramDriver(tmp_path / "bot.db")
    # Looked up only here, so the Telegram runs never start Synapse.
    return MatrixDriver(request.getfixturevalue("homeserver"), tmp_path / "bot.db")


async def run(driver: Driver, scenario: Scenario) -> None:
    await driver.run(scenario)


async def test_invite_join_and_wizard_by_options(driver: Driver) -> None:
    await run(driver, WIZARD)


async def test_need_then_coordinator_acks_and_pledges(driver: Driver) -> None:
    await run(driver, NEED_AND_COORDINATION)


async def test_stranger_is_refused_and_nothing_stored(driver: Driver) -> None:
    await run(driver, STRANGER)


async def test_wrong_input_is_refused_precisely(driver: Driver) -> None:
    await run(driver, WRONG_INPUT)
