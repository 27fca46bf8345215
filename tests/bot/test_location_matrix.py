"""Need-to-know location over Telegram: every role x every view that shows a place.

python-telegram-bot against the fake Bot API. A hospital in Самар (Новомосковська hromada,
Самарівський raion; placed by KATOTTH code) files a critical request with a delivery place.
A coordinator of a carrier organisation pledges it and puts it on a truck (S-1). Then each
reader uses each view (/show, /open, /digest, the critical alert, /orgs, /export in CSV and
HXL, the packing list), and what reached their chat, files included, is checked against
handlers/core/location_policy.py: the street address, the delivery place and the settlement
only for admins and the hospital's own members, and on the packing list for the carrier's
members; coordinators the organisation, hromada and raion; others nothing about the place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from storage import organisations
from storage.models import OrgKind, Role
from storage.places import codifier
from storage.places.placing import placement_for
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button
from tests.bot.test_authorization_matrix import add_org, invite
from tests.bot.test_group_policy_matrix import everything_sent_to, outbox_drained
from tests.fakes.bot_api import FakeBotApi

ORG = "Лікарня Прихована №3"
ADDRESS = "вул. Прихована, 3"
DELIVERY = "корпус 4, приймальне відділення"
SAMAR = "UA12100070010038698"
SAMAR_PCODE = "UA1210007001"  # the settlement's P-code (its hromada's is UA1210007)
CARRIER_ORG = "Spedition West"
REF = "R-1001"


@dataclass(frozen=True)
class Reader:
    name: str
    user_id: int
    language: str
    # What of the place this reader may see: "full", "area" or "none".
    sees: str


NURSE = Reader("requester of the hospital", 121, "uk", "full")
OTHER = Reader("requester elsewhere", 122, "uk", "none")
COORD = Reader("coordinator", 321, "de", "area")
ADMIN = Reader("admin", 900, "en", "full")
STRANGER = Reader("stranger", 666, "uk", "none")
CARRIER = Reader("coordinator of the carrier", 322, "de", "area")
READERS = [NURSE, OTHER, COORD, ADMIN, STRANGER, CARRIER]
PACKING_LIST = "/shipment list S-1 csv"
VIEWS = ["/show R-1001", "/open", "/digest", "/orgs", "/export csv", "/export hxl"]

# Markers of each level, in the reader's language.
FULL_MARKERS = [ADDRESS, DELIVERY, "(Samar)", "м. Самар", SAMAR_PCODE]
AREA_MARKERS = {
    "de": ["Hromada Новомосковська (Novomoskovska)", "Rajon Самарівський (Samarivskyi)"],
}


@pytest.fixture(scope="module")
async def tg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TelegramHarness]:
    base = tmp_path_factory.mktemp("location")
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    extra: dict[str, Any] = {"rate_limit_per_minute": 1000}
    harness = await TelegramHarness.start(fake, base / "bot.db", **extra)
    try:
        await build(harness)
        yield harness
    finally:
        await harness.stop()
        await fake.stop()


async def build(tg: TelegramHarness) -> None:
    places = codifier()
    async with tg.app.db.transaction() as conn:
        hospital = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name=ORG,
            raion="Самарівський",
            settlement="Самар",
            code=None,
            address=ADDRESS,
            now=tg.app.ctx.clock(),
            place=placement_for(places[SAMAR]),
        )
    elsewhere = await add_org(tg, "Інша лікарня", None, OrgKind.HOSPITAL)
    ngo = await add_org(tg, "Hilfswerk NRW", None, OrgKind.NGO)
    carrier = await add_org(tg, CARRIER_ORG, None, OrgKind.NGO)
    for reader, org_id, role in (
        (NURSE, hospital.id, Role.REQUESTER),
        (OTHER, elsewhere, Role.REQUESTER),
        (COORD, ngo, Role.COORDINATOR),  # subscribed to critical alerts on joining
        (CARRIER, carrier, Role.COORDINATOR),
    ):
        code = await invite(tg, org_id, role)
        sent = await tg.say(reader.user_id, f"/start {code}", language_code=reader.language)
        assert "✅" in sent[-1].params["text"], sent
    await tg.say(COORD.user_id, "/lang de", language_code="de")
    await tg.say(CARRIER.user_id, "/lang de", language_code="de")
    sent = await tg.say(NURSE.user_id, "/need 2 генератор !critical", language_code="uk")
    sent = await tg.press(
        NURSE.user_id, button(sent[-1], "w:submit:"), int(sent[-1].result["message_id"])
    )
    async with tg.app.db.transaction() as conn:
        await conn.execute("UPDATE requests SET delivery_place = ?", (DELIVERY,))
    # The critical alert reaches both coordinators first: an alert still on its way would
    # otherwise land among the answers below.
    await outbox_drained(tg)
    # The carrier's coordinator pledges the generators and puts them on a truck.
    for line in (
        f"/pledge {REF}",
        f"/shipment new NRW 48/2026; carrier {CARRIER_ORG}",
        f"/shipment add S-1 {REF}",
    ):
        sent = await tg.say(CARRIER.user_id, line, language_code="de")
        answered = [str(c.params.get("text", "")) for c in sent]
        assert line.startswith("/pledge") or any("S-1" in a for a in answered), answered
    await outbox_drained(tg)


async def seen_by(
    tg: TelegramHarness, reader: Reader, views: list[str] = VIEWS, *, since_start: bool = True
) -> str:
    """What the views sent to the reader's chat; ``since_start``: with everything sent there
    before (the critical alert, the answers while the world was built)."""
    before = 0 if since_start else len(everything_sent_to(tg, reader.user_id))
    for view in views:
        await tg.say(reader.user_id, view, language_code=reader.language)
    await outbox_drained(tg)
    return "\n".join(everything_sent_to(tg, reader.user_id)[before:])


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
async def test_each_reader_sees_what_the_policy_allows(tg: TelegramHarness, reader: Reader) -> None:
    shown = await seen_by(tg, reader)
    assert shown  # every reader got answers (refusals for what they may not use)
    full = [m for m in FULL_MARKERS if m in shown]
    if reader.sees == "full":
        assert DELIVERY in shown and ("(Samar)" in shown or "м. Самар" in shown), reader
    else:
        assert full == [], (reader.name, full)
    if reader.sees == "area":
        for marker in AREA_MARKERS[reader.language]:
            assert marker in shown, (reader.name, marker)
        assert ORG in shown  # the organisation itself is theirs to know
    if reader.sees == "none":
        assert ORG not in shown and "Новомосковська" not in shown, reader.name


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
async def test_packing_list_gives_the_street_address_to_the_carrier_only(
    tg: TelegramHarness, reader: Reader
) -> None:
    """View PACKING_LIST: admins and the carrier organisation's members get the street
    address and the settlement; a coordinator of another organisation the hromada; readers
    who may not use /shipment get a refusal and nothing of the place."""
    shown = await seen_by(tg, reader, [PACKING_LIST], since_start=False)
    assert shown
    if reader in (ADMIN, CARRIER):
        assert ADDRESS in shown and ("(Samar)" in shown or "м. Самар" in shown), reader.name
    elif reader is COORD:
        assert [m for m in FULL_MARKERS if m in shown] == []
        assert ORG in shown and "Hromada Новомосковська (Novomoskovska)" in shown
    else:
        assert ORG not in shown and "Новомосковська" not in shown, reader.name


async def test_an_admins_export_carries_the_settlement(tg: TelegramHarness) -> None:
    shown = await seen_by(tg, ADMIN, ["/export hxl"], since_start=False)
    assert SAMAR_PCODE in shown and "Самар (Samar)" in shown
