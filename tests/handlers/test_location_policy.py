"""Need-to-know location (handlers/core/location_policy.py) as a matrix: role x view.

The policy table itself, then /show through the engine for every kind of reader: the street
address and the delivery place only for admins and the requesting organisation's members;
coordinators see the organisation, its hromada and raion, not the settlement.
"""

from __future__ import annotations

import pytest

from handlers.core.location_policy import POLICY, Detail, View, detail
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness

NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")
DELIVERY = "вул. Лікарняна 5, корпус 2"

# Expected detail per (roles, own organisation, carrier) and view.
READERS: dict[str, tuple[frozenset[Role], bool, bool]] = {
    "admin": (frozenset({Role.ADMIN}), False, False),
    "coordinator": (frozenset({Role.COORDINATOR}), False, False),
    "coordinator carrying": (frozenset({Role.COORDINATOR}), False, True),
    "requester of the organisation": (frozenset({Role.REQUESTER}), True, False),
    "requester elsewhere": (frozenset({Role.REQUESTER}), False, False),
    "nobody": (frozenset(), False, False),
}
EXPECTED: dict[str, Detail] = {
    "admin": Detail.FULL,
    "coordinator": Detail.AREA,
    "coordinator carrying": Detail.AREA,  # FULL on the packing list only (below)
    "requester of the organisation": Detail.FULL,
    "requester elsewhere": Detail.NONE,
    "nobody": Detail.NONE,
}


def test_the_table_covers_every_role_and_view() -> None:
    assert {(r, v) for r in Role for v in View} == set(POLICY)


@pytest.mark.parametrize("view", list(View))
@pytest.mark.parametrize("reader", list(READERS))
def test_matrix(reader: str, view: View) -> None:
    roles, own, carrier = READERS[reader]
    expected = EXPECTED[reader]
    if reader == "coordinator carrying" and view is View.PACKING_LIST:
        expected = Detail.FULL
    assert detail(roles, view, own=own, carrier=carrier) is expected


async def test_show_for_each_reader(harness: EngineHarness) -> None:
    h = harness
    hospital = await h.add_org()  # Дніпро, placed by code; address "вул. Тестова, 1"
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="en")
    await h.send(COORD, "/lang en")
    await h.need_and_submit(NURSE, "/need 2 генератор")
    async with h.db.transaction() as conn:
        await conn.execute("UPDATE requests SET delivery_place = ?", (DELIVERY,))
    await h.send(ADMIN, "/help", lang="en")

    admin = (await h.send(ADMIN, "/show R-1001", lang="en"))[0].text
    assert DELIVERY in admin and "Dnipro" in admin and "Дніпро (Dnipro)" in admin

    nurse = (await h.send(NURSE, "/show R-1001"))[0].text
    assert DELIVERY in nurse and "м. Дніпро" in nurse

    coord = (await h.send(COORD, "/show R-1001"))[0].text
    assert "Лікарня №4 (Likarnia №4)" in coord  # the organisation, with its Latin name
    assert "Дніпровська (Dniprovska) hromada, Дніпровський (Dniprovskyi) raion" in coord
    assert DELIVERY not in coord and "Лікарняна" not in coord
    assert "Дніпро (Dnipro)," not in coord  # not the settlement
    assert "Тестова" not in coord  # nor the organisation's address


async def test_critical_alert_gives_coordinators_the_area_only(harness: EngineHarness) -> None:
    h = harness
    hospital = await h.add_org()
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="en")  # subscribed to critical
    await h.send(COORD, "/lang en")
    await h.need_and_submit(NURSE, "/need 2 генератор !critical")
    [(alert,)] = await h.rows("SELECT text FROM outbox WHERE kind = 'alert' AND chat_id = '301'")
    assert "R-1001" in alert and "Лікарня №4 (Likarnia №4)" in alert
    assert "Дніпровська (Dniprovska) hromada, Дніпровський (Dniprovskyi) raion" in alert
    assert "Тестова" not in alert and "Дніпро (Dnipro)," not in alert
