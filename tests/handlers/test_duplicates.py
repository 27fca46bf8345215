"""Duplicates (issue 9): finding an organisation's open requests for the same item, adding
lines to one of them, and the mark coordinators see on /open, /show and digests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from handlers.core.context import Turn
from handlers.requests.duplicates import DuplicateHit, append_items, find_open_duplicates
from storage import members
from storage.models import Identity, NeedItemDraft, Status
from tests.engine_harness import EngineHarness, find_payload
from tests.handlers.test_lifecycle import COORD, NURSE, outbox_for, setup
from tests.handlers.test_lifecycle_wording import digest_for

OTHER_NURSE = Identity(transport="telegram", user_id="102")


@asynccontextmanager
async def turn_of(h: EngineHarness, who: Identity) -> AsyncIterator[Turn]:
    """A turn as the engine builds one, for the functions the /need preview will call."""
    async with h.db.transaction() as conn:
        yield Turn(
            ctx=h.engine.ctx,
            conn=conn,
            incoming=h.incoming(who, text="/need"),
            now=h.clock(),
            member=await members.get_member_by_identity(conn, who),
            lang="uk",
            registry=h.engine.registry,
        )


async def need(h: EngineHarness, who: Identity, text: str) -> None:
    await h.need_and_submit(who, text)


async def test_find_open_duplicates_by_key_and_folded_text(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 2 генератор; 3 Тепловізори Флір")
    await need(h, NURSE, "/need 5 генератор")  # R-1002
    drafts = [
        NeedItemDraft(item_key="bandages", quantity=1, unit="packs"),
        NeedItemDraft(item_key="generator", quantity=1, unit="pcs"),
        NeedItemDraft(free_text="  тепловізори  ФЛІР ", quantity=1, unit="pcs"),
    ]
    async with turn_of(h, NURSE) as turn:
        hits = await find_open_duplicates(turn, 1, drafts)
    assert hits == [
        DuplicateHit(
            item_index=1, request_id=1001, ref="R-1001", quantity=2, unit="pcs", status=Status.NEW
        ),
        DuplicateHit(
            item_index=1, request_id=1002, ref="R-1002", quantity=5, unit="pcs", status=Status.NEW
        ),
        DuplicateHit(
            item_index=2, request_id=1001, ref="R-1001", quantity=3, unit="pcs", status=Status.NEW
        ),
    ]
    async with turn_of(h, NURSE) as turn:
        assert await find_open_duplicates(turn, 2, drafts) == []  # another organisation


async def test_closed_requests_are_no_duplicates(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 2 генератор")
    replies = await h.send(NURSE, "/withdraw R-1001")
    await h.press(NURSE, find_payload(replies[0], "wd:yes:"))
    async with turn_of(h, NURSE) as turn:
        drafts = [NeedItemDraft(item_key="generator", quantity=1, unit="pcs")]
        assert await find_open_duplicates(turn, 1, drafts) == []


async def test_append_items_records_like_a_lifecycle_change(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 2 генератор")
    await h.join(OTHER_NURSE, 1)
    await h.send(COORD, "/pledge R-1001 all")
    async with turn_of(h, NURSE) as turn:
        replies = await append_items(
            turn, 1001, [NeedItemDraft(item_key="bandages", quantity=50, unit="packs")]
        )
    assert "До запиту R-1001 додано: Бинт ×50" in replies[0].text and replies[0].durable
    rows = await h.rows("SELECT position, item_key, quantity FROM request_items ORDER BY id")
    assert rows == [(0, "generator", 2), (1, "bandages", 50)]
    assert (await h.rows("SELECT status, kind FROM status_events ORDER BY id DESC LIMIT 1")) == [
        ("pledged", "items")
    ]
    assert (await h.rows("SELECT action FROM audit ORDER BY id DESC LIMIT 1")) == [
        ("request.append",)
    ]
    assert any("Бинт ×50" in t for t in await outbox_for(h, "102"))  # a colleague
    assert any("Mullbinde ×50" in t for t in await outbox_for(h, "301"))  # the pledger
    shown = (await h.send(COORD, "/show R-1001"))[0].text
    assert "Teilweise zugesagt" in shown and "Positionen ergänzt: Mullbinde ×50" in shown


async def test_append_items_refuses_other_org_and_closed(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 2 генератор")
    stranger = Identity(transport="telegram", user_id="103")
    other = await h.add_org(name="Лікарня №7")
    await h.join(stranger, other.id)
    item = [NeedItemDraft(item_key="bandages", quantity=5, unit="packs")]
    async with turn_of(h, stranger) as turn:
        replies = await append_items(turn, 1001, item)
    assert "R-1001" in replies[0].text
    replies = await h.send(NURSE, "/withdraw R-1001")
    await h.press(NURSE, find_payload(replies[0], "wd:yes:"))
    async with turn_of(h, NURSE) as turn:
        replies = await append_items(turn, 1001, item)
    assert "Відкликано" in replies[0].text and "Подайте новий запит" in replies[0].text
    assert (await h.rows("SELECT COUNT(*) FROM request_items")) == [(1,)]


async def test_coordinators_see_the_duplicate_mark(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 2 генератор")
    await need(h, NURSE, "/need 3 Генератор; 10 намет")  # R-1002: same org, same item
    await need(h, NURSE, "/need 10 намет")  # R-1003: a tent, like R-1002
    stranger = Identity(transport="telegram", user_id="103")
    other = await h.add_org(name="Лікарня №7")
    await h.join(stranger, other.id)
    await need(h, stranger, "/need 1 генератор")  # R-1004: another org, no duplicate
    listed = (await h.send(COORD, "/open"))[0].text
    lines = {line.split("</b>")[0]: line for line in listed.splitlines() if "R-10" in line}
    assert "mögliches Duplikat von R-1002" in lines["<b>R-1001"]
    assert "mögliches Duplikat von R-1001, R-1003" in lines["<b>R-1002"]
    assert "Duplikat" not in lines["<b>R-1004"]
    shown = (await h.send(COORD, "/show R-1003"))[0].text
    assert "⚠ mögliches Duplikat von R-1002" in shown
    assert "Duplikat" not in (await h.send(COORD, "/show R-1004"))[0].text
    assert "можливий дубль" not in (await h.send(NURSE, "/show R-1001"))[0].text
    digest = await digest_for(h, "uk")
    assert "⚠ можливий дубль R-1002" in digest and "дубль R-1004" not in digest
