"""The migration that places existing organisations by code: only where the text is sure.

Runs on a real SQLite file: the schema before the step, organisations as admins typed them,
then the step; the typed text must be left as it was.
"""

from __future__ import annotations

from pathlib import Path

from storage import organisations
from storage.db import open_db
from storage.migrations import discover, migrate
from storage.models import Placement

# (raion, settlement as typed) -> (raion, hromada, settlement) codes; unplaced: no hromada.
NIKOPOL = ("UA12080000000023578", None, None)
SYNELNYKIVSKYI = ("UA12140000000011720", None, None)
DNIPROVSKYI = ("UA12020000000052809", None, None)
CASES: list[tuple[str, str, tuple[str | None, str | None, str | None] | None]] = [
    # A city in its raion.
    (
        "Дніпровський",
        "Дніпро",
        ("UA12020000000052809", "UA12020010000033698", "UA12020010010037010"),
    ),
    # Old names with type words: the raion and the city were renamed in 2024-2025.
    (
        "Новомосковський р-н",
        "м. Новомосковськ",
        ("UA12100000000039307", "UA12100070000011492", "UA12100070010038698"),
    ),
    # A hromada, told apart from its namesakes by the raion.
    ("Синельниківський район", "Покровська", ("UA12140000000011720", "UA12140250000015858", None)),
    # Two Покровська hromadas in the same raion: only the raion is sure.
    ("Нікопольський", "Покровська", NIKOPOL),
    # Three villages called Водяне in the raion: only the raion.
    ("Синельниківський", "Водяне", SYNELNYKIVSKYI),
    # A typo is not a sure answer.
    ("Дніпровський", "Днепр", DNIPROVSKYI),
    # Abroad, and nonsense.
    ("—", "Köln", None),
    ("Raion", "Town", None),
]


def _step_version() -> int:
    return next(m.version for m in discover() if m.name.endswith("_org_places"))


async def test_existing_organisations_are_placed_only_when_sure(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "orgs.db")
    try:
        await migrate(db, target=_step_version() - 1)
        async with db.transaction() as conn:
            for number, (raion, settlement, _) in enumerate(CASES):
                await conn.execute(
                    "INSERT INTO organisations (kind, name, raion, settlement, created_at)"
                    " VALUES ('hospital', ?, ?, ?, '2026-11-01T00:00:00+00:00')",
                    (f"Org {number}", raion, settlement),
                )
        assert _step_version() in await migrate(db)
        async with db.read() as conn:
            orgs = await organisations.list_organisations(conn)
            unplaced = await organisations.list_unplaced(conn)
            count = await organisations.count_unplaced(conn)
        for org, (raion, settlement, expected) in zip(orgs, CASES, strict=True):
            assert (org.raion, org.settlement) == (raion, settlement)  # nothing lost
            if expected is None:
                assert org.place == Placement(), org
            else:
                got = (org.place.raion_code, org.place.hromada_code, org.place.settlement_code)
                assert got == expected, (raion, settlement, got)
        expected_unplaced = [
            f"Org {i}" for i, case in enumerate(CASES) if case[2] is None or case[2][1] is None
        ]
        assert [o.name for o in unplaced] == expected_unplaced
        assert count == len(expected_unplaced) == 5
    finally:
        await db.close()


async def test_a_place_by_code_and_abroad_is_stored(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "set.db")
    try:
        await migrate(db)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO organisations (kind, name, raion, settlement, created_at)"
                " VALUES ('ngo', 'DRK', '—', 'Köln', '2026-11-01T00:00:00+00:00')"
            )
            assert await organisations.count_unplaced(conn) == 1
            abroad = Placement(outside_oblast=True)
            assert await organisations.set_organisation_place(
                conn, 1, abroad, raion="", settlement="Köln"
            )
            assert not await organisations.set_organisation_place(
                conn, 2, abroad, raion="", settlement="x"
            )
            assert await organisations.count_unplaced(conn) == 0
            org = await organisations.get_organisation(conn, 1)
            assert org is not None and org.place.placed and org.settlement == "Köln"
    finally:
        await db.close()
