"""The weekly truck on Telegram and on Matrix, written once (issue 14: Matrix and the console
get all of it). On Matrix a button is an option typed by its number, so the card's buttons,
/shipment fill's preview and /received S-1's lines are all answered that way."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.scenario_drivers import Driver, MatrixDriver, TelegramDriver
from tests.bot.scenarios import Pick, Say, Scenario, Stored, Told, join

TRUCK = Scenario(
    "weekly_truck",
    (
        *join("nurse", "requester", "nurse_code"),
        Say(
            "admin",
            "/org_add ngo; DRK Kreisverband Köln; -; Köln",
            expect=("✅",),
            capture=("drk", r"#(\d+)"),
        ),
        *join("coord", "coordinator", "coord_code", org="drk"),
        Say("coord", "/lang en", expect=("English",)),
        Say("nurse", "/need 10 уп бинти", options=("✅ Надіслати",)),
        Pick("nurse", "✅ Надіслати", expect=("R-1001",)),
        Say("coord", "/pledge R-1001", expect=("R-1001",)),
        Say(
            "coord",
            "/shipment new NRW 48/2026; carrier DRK",
            expect=("S-1", "NRW 48/2026", "Planned", "DRK Kreisverband Köln"),
            options=("➕ Fill", "🚚 Depart"),
        ),
        Pick("coord", "➕ Fill", expect=("R-1001", "Bandage — 10"), options=("✅ Add",)),
        Pick("coord", "✅ Add", expect=("Added to S-1: 1 lines",), options=("🚚 Depart",)),
        Told("nurse", ("завантажено на транспорт", "S-1", "Бинт — 10")),
        Pick("coord", "🚚 Depart", expect=("On the way",)),
        Told("nurse", ("вирушив", "/received S-1")),
        Say("nurse", "/received S-1", expect=("Бинт — 10",), options=("✅ 1. Бинт", "✍️ 1")),
        Pick("nurse", "✍️ 1", expect=("Три числа",)),
        Say("nurse", "9 0 1 одна пачка загубилась", expect=("отримано 9, бракує 1",)),
        Told("coord", ("reports damaged or missing goods", "missing 1")),
        Stored("SELECT status FROM shipments", "closed"),
        Stored("SELECT status FROM shipment_lines", "partly_received"),
        Stored("SELECT received FROM request_items", 9),
        # The round's pack and a fortnightly digest: the engine is shared, so they are too.
        Say("coord", "/meeting", expect=("Preparing the round's pack",)),
        Told("coord", ("Coordination round", "New requests: 1", "damaged: 0, missing: 1")),
        Stored("SELECT COUNT(*) FROM meeting_rounds", 1),
        Say(
            "coord",
            "/subscribe fortnightly fri 08:00 from 2099-01-02",
            expect=("fortnightly (Friday) at 08:00, from 02.01.2099",),
        ),
    ),
)

TRANSPORTS = ["telegram", pytest.param("matrix", marks=pytest.mark.slow)]


@pytest.fixture(params=TRANSPORTS)
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> Driver:
    if request.param == "telegram":
        return TelegramDriver(tmp_path / "bot.db")
    return MatrixDriver(request.getfixturevalue("homeserver"), tmp_path / "bot.db")


async def test_the_weekly_truck_on_every_transport(driver: Driver) -> None:
    await driver.run(TRUCK)
