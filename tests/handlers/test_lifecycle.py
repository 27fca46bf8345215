"""Coordinators' lifecycle commands and the requester's receipt, through the engine."""

from __future__ import annotations

import re

from storage.models import Identity, Role
from tests.engine_harness import EngineHarness, find_payload, payloads

NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")
COORD_EN = Identity(transport="telegram", user_id="302")


async def setup(h: EngineHarness, need: str = "/need 2 генератор; 200 уп бинти !high") -> None:
    hospital = await h.add_org()
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="de")
    await h.need_and_submit(NURSE, need)


async def outbox_for(h: EngineHarness, chat: str) -> list[str]:
    rows = await h.rows(
        "SELECT text FROM outbox WHERE chat_id = ? AND kind NOT IN ('reply', 'menu')", chat
    )
    return [r[0] for r in rows]


async def test_full_lifecycle_with_notifications(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await h.send(COORD, "/ack R-1001")
    assert "R-1001" in replies[0].text and "Bearbeitung" in replies[0].text
    replies = await h.send(COORD, "/pledge R-1001 generator 2; бинти 50; aus Lager Köln")
    assert "Stromerzeuger ×2" in replies[0].text or "×2" in replies[0].text
    rows = await h.rows("SELECT item_key, pledged FROM request_items ORDER BY position")
    assert rows == [("generator", 2), ("bandages", 50)]
    replies = await h.send(COORD, "/pledge R-1001 2 151")
    assert "mehr" in replies[0].text  # more than outstanding is refused
    replies = await h.send(COORD, "/transit R-1001 LKW ab Düsseldorf")
    assert "unterwegs" in replies[0].text
    replies = await h.send(COORD, "/delivered R-1001 1 2")
    assert "teilweise" in replies[0].text
    assert (await h.rows("SELECT status FROM requests")) == [("in_transit",)]
    replies = await h.send(COORD, "/delivered R-1001")
    assert "vollständig" in replies[0].text
    assert (await h.rows("SELECT status FROM requests")) == [("delivered",)]
    replies = await h.send(NURSE, "/received R-1001")
    assert "R-1001" in replies[0].text and replies[0].durable
    assert (await h.rows("SELECT SUM(received) FROM request_items")) == [(202,)]
    # The hospital heard of every step, in Ukrainian, with Ukrainian item names.
    told = await outbox_for(h, "101")
    assert len(told) == 5
    assert any("прийняли" in t for t in told)
    assert any("Генератор ×2" in t and "Hilfswerk NRW" in t for t in told)
    assert any("в дорозі" in t.lower() for t in told)
    # The pledging organisation heard of the receipt, in German.
    assert any("Empfang" in t for t in await outbox_for(h, "301"))
    # Only real changes are status events; the partial delivery and the receipt keep the
    # status and say what they are.
    events = await h.rows("SELECT status, kind FROM status_events ORDER BY id")
    assert events == [
        ("new", "status"),
        ("acknowledged", "status"),
        ("pledged", "status"),
        ("in_transit", "status"),
        ("in_transit", "delivery"),
        ("delivered", "status"),
        ("delivered", "receipt"),
    ]
    actions = await h.rows("SELECT action FROM audit WHERE target = 'R-1001' ORDER BY id")
    assert [a[0] for a in actions] == [
        "request.create",
        "request.ack",
        "request.pledge",
        "request.transit",
        "request.delivered",
        "request.delivered",
        "request.received",
    ]


async def test_refused_transitions_say_why(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await h.send(COORD, "/transit R-1001")
    assert "nicht möglich" in replies[0].text and "Neu" in replies[0].text
    replies = await h.send(COORD, "/decline R-1001")
    assert "Begründung" in replies[0].text
    replies = await h.send(COORD, "/pledge R-1001 ventilator 1")
    assert "keine Position" in replies[0].text
    replies = await h.send(NURSE, "/withdraw R-1001")
    await h.press(NURSE, find_payload(replies[0], "wd:yes:"))
    for command in ["/ack R-1001", "/pledge R-1001", "/delivered R-1001", "/decline R-1001 x"]:
        replies = await h.send(COORD, command)
        assert "nicht möglich" in replies[0].text, command
    assert (await h.rows("SELECT status FROM requests")) == [("withdrawn",)]


async def test_requesters_cannot_run_coordinator_commands(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    for command in ["/ack R-1001", "/pledge R-1001", "/open", "/transit R-1001"]:
        replies = await h.send(NURSE, command)
        assert "недоступна" in replies[0].text, command
    assert (await h.rows("SELECT status FROM requests")) == [("new",)]


async def test_show_offers_actions_to_coordinators(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await h.send(COORD, "/show R-1001")
    assert "zugesagt 0" in replies[0].text
    assert "lc:ack:1001" in payloads(replies[0])
    replies = await h.press(COORD, "lc:ack:1001")
    replies = await h.send(COORD, "/show R-1001")
    assert "lc:ack:1001" not in payloads(replies[0])
    replies = await h.press(COORD, "lc:pledge:1001")
    assert (await h.rows("SELECT SUM(pledged) FROM request_items")) == [(202,)]
    replies = await h.press(NURSE, "lc:ack:1001")
    assert replies[0].toast  # a requester pressing a coordinator's button is refused


async def test_open_filters_and_pages(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    for n in range(12):
        urgency = "!critical" if n % 3 == 0 else ""
        await h.need_and_submit(NURSE, f"/need {n + 1} намет {urgency}")
    replies = await h.send(COORD, "/open")
    assert "13" in replies[0].text and "▶️" in [c.label for c in replies[0].flat_choices()]
    first_line = replies[0].text.splitlines()[1]
    assert "🔴" in first_line  # critical first
    replies = await h.press(COORD, replies[0].flat_choices()[0].payload)
    assert replies[0].replace and "2" in replies[0].text.splitlines()[0]
    replies = await h.send(COORD, "/open critical")
    assert "4" in replies[0].text.splitlines()[0]
    replies = await h.send(COORD, "/open power")
    assert "1" in replies[0].text.splitlines()[0] and "R-1001" in replies[0].text
    replies = await h.send(COORD, "/open Дніпровський shelter")
    assert "12" in replies[0].text.splitlines()[0]
    replies = await h.send(COORD, "/open nonsense")
    assert "nonsense" in replies[0].text


async def test_quiet_requests_are_asked_to_reconfirm(harness: EngineHarness) -> None:
    from handlers.requests.reconfirm import ask_reconfirm

    h = harness
    await setup(h, "/need 5 намет")
    h.clock.advance(days=13)
    assert await ask_reconfirm(h.engine.ctx) == 0
    h.clock.advance(days=2)
    assert await ask_reconfirm(h.engine.ctx) == 1
    assert await ask_reconfirm(h.engine.ctx) == 0  # asked once, not every hour
    rows = await h.rows("SELECT chat_id, text, choices FROM outbox WHERE kind = 'reconfirm'")
    assert len(rows) == 1 and rows[0][0] == "101" and "R-1001" in str(rows[0][1])
    assert "rc:yes:1001" in str(rows[0][2])
    replies = await h.press(NURSE, "rc:yes:1001")
    assert "R-1001" in replies[0].text
    assert (await h.rows("SELECT reconfirm_asked_at FROM requests")) == [(None,)]
    replies = await h.press(COORD, "rc:yes:1001")
    assert replies[0].toast  # only the requesting organisation answers
    h.clock.advance(days=15)
    assert await ask_reconfirm(h.engine.ctx) == 1
    replies = await h.press(NURSE, "rc:wd:1001")
    replies = await h.press(NURSE, find_payload(replies[0], "wd:yes:"))
    assert (await h.rows("SELECT status FROM requests")) == [("withdrawn",)]


async def test_the_same_item_twice_counts_as_the_sum(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор")
    replies = await h.send(COORD, "/pledge R-1001 1 6; 1 6")
    assert "mehr" in replies[0].text
    assert (await h.rows("SELECT pledged FROM request_items")) == [(0,)]
    await h.send(COORD, "/pledge R-1001 1 4; generator 6")
    assert (await h.rows("SELECT pledged FROM request_items")) == [(10,)]
    replies = await h.send(COORD, "/delivered R-1001 1 7; 1 7")
    assert "mehr" in replies[0].text
    assert (await h.rows("SELECT status, delivered FROM requests, request_items")) == [
        ("pledged", 0)
    ]


async def test_alerts_follow_a_coordinators_language_change(harness: EngineHarness) -> None:
    # Matrix sends no language, so a coordinator often joins in Ukrainian and switches later.
    h = harness
    hospital = await h.add_org()
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="uk")
    await h.send(COORD, "/lang de")
    replies = await h.send(NURSE, "/need 2 генератор !critical")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))
    alerts = [t for t in await outbox_for(h, "301") if "R-1001" in t]
    assert alerts and "Kritische Anfrage R-1001" in alerts[0], alerts


def _refs(text: str) -> list[str]:
    """The requests listed, one a line (not the duplicate marks naming others)."""
    return re.findall(r"^<b>(R-\d+)</b>", text, flags=re.MULTILINE)


async def test_open_pages_by_keyset_and_a_closed_request_shifts_nothing(
    harness: EngineHarness,
) -> None:
    """▶ reads the page after the last request shown (its id in the button), ◀ the page
    before the first; a request closed meanwhile does not shift what the next page shows
    (by offset, page 2 would lose the request that moved up to page 1)."""
    h = harness
    await setup(h)
    for n in range(12):
        await h.need_and_submit(NURSE, f"/need {n + 1} намет")
    first = await h.send(COORD, "/open")
    page1 = _refs(first[0].text)
    assert len(page1) == 10
    forward = find_payload(first[0], "op:1a")
    assert forward == f"op:1a{page1[-1][2:]}:-:-:-:-"
    replies = await h.send(NURSE, f"/withdraw {page1[3]}")
    await h.press(NURSE, find_payload(replies[0], "wd:yes:"))
    assert await h.rows(f"SELECT status FROM requests WHERE id = {page1[3][2:]}") == [
        ("withdrawn",)
    ]
    second = await h.press(COORD, forward)
    page2 = _refs(second[0].text)
    assert len(page2) == 13 - 10 and not set(page2) & set(page1)
    # Back from page 2: fewer than a page remain before it, so the list's first page.
    back = await h.press(COORD, find_payload(second[0], "op:0b"))
    expected = [r for r in page1 if r != page1[3]] + page2
    assert _refs(back[0].text) == expected[:10]
