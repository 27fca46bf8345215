"""The weekly truck end to end through python-telegram-bot and the fake Bot API (issue 14).

Three hospitals (Ukrainian, German and English speakers) file requests, a coordinator pledges,
plans a shipment via the Poltava hub, fills it from the pledges, sends it; the hub confirms
arrival; one hospital signs for everything, one reports a damaged line, one a missing line.
Every party hears of each step exactly once, in their language; the refusals the issue names
(more than pledged, an empty truck, signing twice) are checked on the way.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from handlers.admin.invites import issue_invite
from handlers.core.context import BotLinks
from storage import organisations
from storage.models import OrgKind, Role
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button, buttons, message_id
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi, RecordedCall

ADMIN = 900
COORD = 301  # German
NURSE_A = 101  # Ukrainian, hospital A
NURSE_B = 102  # German, hospital B
NURSE_C = 103  # English, hospital C
HUB = 104  # Ukrainian, the Poltava hub hospital

_TAG = re.compile(r"<[^>]+>")


def plain(call: RecordedCall) -> str:
    return html.unescape(_TAG.sub("", str(call.params.get("text") or "")))


@dataclass
class World:
    tg: TelegramHarness
    orgs: dict[str, int]


async def add_org(tg: TelegramHarness, name: str, kind: OrgKind) -> int:
    async with tg.app.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=kind,
            name=name,
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address=None,
            now=tg.app.ctx.clock(),
        )
    return org.id


async def join(tg: TelegramHarness, user: int, org_id: int, role: Role, lang: str) -> None:
    async with tg.app.db.transaction() as conn:
        issued = await issue_invite(
            conn,
            key=tg.app.ctx.invite_key,
            org_id=org_id,
            role=role,
            days=7,
            actor_id=None,
            actor_label="test",
            links=BotLinks(),
            now=tg.app.ctx.clock(),
        )
    assert issued is not None
    sent = await tg.say(user, f"/start {issued.code}", language_code=lang)
    assert "✅" in sent[-1].params["text"], sent


async def file_request(tg: TelegramHarness, user: int, line: str, lang: str) -> str:
    sent = await tg.say(user, f"/need {line}", language_code=lang)
    sent = await tg.press(user, button(sent[-1], "w:submit:"), message_id(sent[-1]))
    found = re.findall(r"R-\d+", sent[-1].params["text"])
    assert found, sent[-1].params["text"]
    return str(found[0])


async def outbox_drained(tg: TelegramHarness, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    while await scalar(tg.app.db, pending):
        assert loop.time() < deadline, "the outbox did not drain"
        await asyncio.sleep(0.02)


def received(tg: TelegramHarness, user: int, since: int) -> list[RecordedCall]:
    return [
        c
        for c in tg.fake.calls(chat_id=user)
        if c.seq > since and c.method in ("sendMessage", "editMessageText")
    ]


def told(tg: TelegramHarness, user: int, since: int, needle: str) -> list[RecordedCall]:
    return [c for c in received(tg, user, since) if needle in plain(c)]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeBotApi(token=TOKEN) as fake:
        tg = await TelegramHarness.start(fake, tmp_path / "bot.db", rate_limit_per_minute=1000)
        try:
            orgs = {
                "ngo": await add_org(tg, "Hilfswerk NRW e.V.", OrgKind.NGO),
                "hub": await add_org(tg, "Полтавська обласна лікарня", OrgKind.HOSPITAL),
                "a": await add_org(tg, "Лікарня №4 <Дніпро>", OrgKind.HOSPITAL),
                "b": await add_org(tg, "Лікарня Павлоград", OrgKind.HOSPITAL),
                "c": await add_org(tg, "Лікарня Кривий Ріг", OrgKind.HOSPITAL),
            }
            await join(tg, COORD, orgs["ngo"], Role.COORDINATOR, "de")
            await join(tg, NURSE_A, orgs["a"], Role.REQUESTER, "uk")
            await join(tg, NURSE_B, orgs["b"], Role.REQUESTER, "de")
            await join(tg, NURSE_C, orgs["c"], Role.REQUESTER, "en")
            await join(tg, HUB, orgs["hub"], Role.REQUESTER, "uk")
            yield World(tg, orgs)
            assert not fake.errors, [e.description for e in fake.errors]
        finally:
            await tg.stop()


async def test_the_weekly_truck_from_pledges_to_signed_receipt(world: World) -> None:
    tg = world.tg
    t = tg.app.ctx.t
    ref_b = await file_request(tg, NURSE_B, "2 генератор; 50 уп бинти", "de")
    ref_c = await file_request(tg, NURSE_C, "30 термоковдри", "en")
    ref_a = await file_request(tg, NURSE_A, "200 уп бинти !critical", "uk")
    await tg.say(COORD, f"/pledge {ref_a}", language_code="de")
    await tg.say(COORD, f"/pledge {ref_b} 1 1", language_code="de")  # one generator of two
    await tg.say(COORD, f"/pledge {ref_c}", language_code="de")

    sent = await tg.say(
        COORD,
        "/shipment new NRW-Hilfstransport 48/2026; carrier Hilfswerk; hub Полтавська;"
        " departs 04.12.2026; waybill CMR-4711; value 150000",
        language_code="de",
    )
    card = plain(sent[-1])
    assert "S-1" in card and "NRW-Hilfstransport 48/2026" in card and "Geplant" in card
    assert "Freitag, 04.12.2026" in card and "CMR-4711" in card and "150\u202f000 EUR" in card

    # Refused: an empty truck cannot leave; more than pledged cannot go on it.
    sent = await tg.say(COORD, "/shipment depart S-1", language_code="de")
    assert plain(sent[-1]) == t("de", "ship.empty", ref="S-1")
    sent = await tg.say(COORD, f"/shipment add S-1 {ref_b} 1 2", language_code="de")
    assert plain(sent[-1]) == t("de", "ship.too_much", request=ref_b, free="1", asked="2")
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM shipment_lines") == 0

    await outbox_drained(tg)
    mark = tg.fake.last_seq

    # Fill: critical first (A), then the oldest (B, then C); nothing added before "Add".
    sent = await tg.say(COORD, "/shipment fill S-1", language_code="de")
    preview = plain(sent[-1])
    assert preview.index(ref_a) < preview.index(ref_b) < preview.index(ref_c), preview
    assert "Stromerzeuger — 1" in preview, preview  # the pledged one, not the two requested
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM shipment_lines") == 0
    sent = await tg.press(COORD, button(sent[-1], "shf:ok"), message_id(sent[-1]))
    assert t("de", "ship.filled", ref="S-1", count=3) in plain(sent[-1])
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM shipment_lines") == 3
    await outbox_drained(tg)
    # Each hospital hears once, in its language, that its goods are on the truck.
    assert len(told(tg, NURSE_A, mark, "завантажено на транспорт")) == 1
    assert len(told(tg, NURSE_B, mark, "geladen")) == 1
    assert len(told(tg, NURSE_C, mark, "Loaded for you")) == 1
    loaded_a = plain(told(tg, NURSE_A, mark, "завантажено")[0])
    assert "пʼятниця, 04.12.2026" in loaded_a and "через Полтавська обласна лікарня" in loaded_a
    assert "R-1003: Бинт — 200 уп." in loaded_a
    assert not told(tg, NURSE_A, mark, "Stromerzeuger")  # nobody else's goods

    # The packing list comes as a file, after the turn, through the outbox.
    sent = await tg.say(COORD, "/shipment list S-1", language_code="de")
    assert [c.method for c in sent] == ["sendDocument"]
    assert "Packliste S-1" in str(sent[0].params.get("caption"))

    # Depart: the requests are in transit, each hospital and the hub hear once.
    mark = tg.fake.last_seq
    sent = await tg.say(COORD, "/shipment depart S-1", language_code="de")
    assert "Unterwegs" in plain(sent[-1])
    await outbox_drained(tg)
    for ref in (ref_a, ref_b, ref_c):
        status = await scalar(tg.app.db, "SELECT status FROM requests WHERE id = ?", ref[2:])
        assert status == "in_transit", ref
    assert len(told(tg, NURSE_A, mark, "вирушив через")) == 1
    assert len(told(tg, NURSE_B, mark, "abgefahren")) == 1
    assert len(told(tg, NURSE_C, mark, "has left via")) == 1
    hub_calls = told(tg, HUB, mark, "вирушив до вас")
    assert len(hub_calls) == 1
    # Signing starts at the hub, not before.
    assert not [c for c in received(tg, NURSE_A, mark) if buttons(c)]
    sent = await tg.say(COORD, "/shipment depart S-1", language_code="de")
    assert plain(sent[-1]) == t("de", "ship.refused_status", ref="S-1", status="Unterwegs")
    # /show tells the hospital which truck carries its goods, and since when.
    sent = await tg.say(NURSE_A, f"/show {ref_a}", language_code="uk")
    shown = plain(sent[-1])
    assert "Вантажі" in shown and "S-1 «NRW-Hilfstransport 48/2026» · В дорозі з" in shown
    assert "R-1003: Бинт — 200 уп." in shown

    # The hub confirms arrival with one tap.
    mark = tg.fake.last_seq
    sent = await tg.press(HUB, button(hub_calls[0], "shh:"), message_id(hub_calls[0]))
    assert "S-1" in plain(sent[-1])
    await outbox_drained(tg)
    at_hub = {
        user: told(tg, user, mark, needle)
        for user, needle in ((NURSE_A, "прибув до"), (NURSE_B, "angekommen"), (NURSE_C, "reached"))
    }
    assert all(len(calls) == 1 for calls in at_hub.values()), at_hub
    assert (
        len(
            told(
                tg,
                COORD,
                mark,
                "ist in Полтавська обласна лікарня (Poltavska oblasna likarnia) angekommen",
            )
        )
        == 1
    )
    assert await scalar(tg.app.db, "SELECT status FROM shipments") == "at_hub"

    # The hub sends A's goods on (/hub S-1, the first hospital's button); A hears it once.
    mark_onward = tg.fake.last_seq
    sent = await tg.say(HUB, "/hub S-1", language_code="uk")
    view = sent[-1]
    sent = await tg.press(HUB, button(view, "sho:"), message_id(view))
    assert "Відправлено далі" in plain(sent[-1])
    await outbox_drained(tg)
    onward = told(tg, NURSE_A, mark_onward, "відправлено з хабу")
    assert len(onward) == 1 and "R-1003: Бинт — 200 уп." in plain(onward[0])
    assert not told(tg, NURSE_B, mark_onward, "weiterversandt")

    # A signs for everything with one tap.
    mark = tg.fake.last_seq
    notice_a = at_hub[NURSE_A][0]
    ok_a = button(notice_a, "shr:ok:")
    sent = await tg.press(NURSE_A, ok_a, message_id(notice_a))
    assert "отримано 200" in plain(sent[-1])
    # B: one generator arrived broken.
    notice_b = at_hub[NURSE_B][0]
    sent = await tg.press(NURSE_B, button(notice_b, "shr:q:"), message_id(notice_b))
    assert "Drei Zahlen" in plain(sent[-1])
    sent = await tg.say(NURSE_B, "0 2 0 Gehäuse gebrochen", language_code="de")
    assert plain(sent[-1]) == t("de", "ship.receipt_sum", qty="1", total="2")
    sent = await tg.say(NURSE_B, "0 1 0 Gehäuse gebrochen", language_code="de")
    assert "beschädigt 1" in plain(sent[-1])
    # C: the blankets never arrived.
    notice_c = at_hub[NURSE_C][0]
    sent = await tg.press(NURSE_C, button(notice_c, "shr:q:"), message_id(notice_c))
    sent = await tg.say(NURSE_C, "0 0 30 not on the pallet", language_code="en")
    assert "missing 30" in plain(sent[-1])
    await outbox_drained(tg)

    # Signing twice is refused and changes nothing.
    events = await scalar(tg.app.db, "SELECT COUNT(*) FROM shipment_events")
    sent = await tg.press(NURSE_A, ok_a, message_id(notice_a))
    assert plain(sent[-1]) == t("uk", "ship.already_signed", ref="S-1")
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM shipment_events") == events

    # The coordinator: told of A's signature, and at once (alerts) of B's and C's problems.
    assert len(told(tg, COORD, mark, "hat den Empfang bestätigt")) == 1
    problems = told(tg, COORD, mark, "meldet beschädigte oder fehlende Güter")
    assert len(problems) == 2
    assert "Gehäuse gebrochen" in plain(problems[0]) and "fehlt 30" in plain(problems[1])
    alerts = await scalar(
        tg.app.db, "SELECT COUNT(*) FROM outbox WHERE kind = 'alert' AND text LIKE '⚠️ S-1:%'"
    )
    assert alerts == 2  # the most urgent priority, ahead of bulk

    # Every line signed for: the shipment is closed; A's request is delivered.
    assert await scalar(tg.app.db, "SELECT status FROM shipments") == "closed"
    lines = await scalar(
        tg.app.db,
        "SELECT group_concat(status, ',') FROM (SELECT status FROM shipment_lines ORDER BY id)",
    )
    assert lines == "received,damaged,missing"
    assert await scalar(tg.app.db, "SELECT status FROM requests WHERE id = ?", ref_a[2:]) == (
        "delivered"
    )
    assert (
        await scalar(
            tg.app.db, "SELECT received FROM request_items WHERE request_id = ?", ref_a[2:]
        )
        == 200
    )
    # Audit rows for every change, in the same transactions.
    actions = await scalar(
        tg.app.db,
        "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit"
        " WHERE action LIKE 'shipment.%' ORDER BY id)",
    )
    assert actions == (
        "shipment.new shipment.lines shipment.departed shipment.at_hub shipment.onward"
        " shipment.receipt"
        " shipment.receipt shipment.receipt shipment.closed"
    )
    # Nobody heard anything twice: one message per notice per person over the whole run.
    for user in (NURSE_A, NURSE_B, NURSE_C, HUB):
        texts = [plain(c) for c in tg.fake.calls(chat_id=user) if c.method == "sendMessage"]
        assert len(texts) == len(set(texts)), (user, texts)
