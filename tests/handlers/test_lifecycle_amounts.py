"""Reading 'ITEM QTY; …; note' for /pledge, /delivered, /received (issue 9).

What is recorded is what the person wrote, or nothing: a fragment that cannot be read is
refused and quoted, never widened into "everything outstanding".
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.lifecycle.rules import parse_amounts
from handlers.requests.catalog import Catalog
from storage.models import NeedItem, NeedRequest, Status, Urgency
from tests.engine_harness import EngineHarness
from tests.handlers.test_lifecycle import COORD, NURSE, outbox_for, setup

CATALOG = Catalog.default()
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def request() -> NeedRequest:
    def item(n: int, key: str | None, text: str | None, qty: int, unit: str) -> NeedItem:
        return NeedItem(id=n, request_id=1, item_key=key, free_text=text, quantity=qty, unit=unit)

    return NeedRequest(
        id=1001,
        org_id=1,
        created_by=1,
        urgency=Urgency.HIGH,
        needed_by=None,
        delivery_place=None,
        note=None,
        status=Status.ACKNOWLEDGED,
        created_at=NOW,
        updated_at=NOW,
        items=(
            item(1, "generator", None, 10, "pcs"),
            item(2, "bandages", None, 200, "packs"),
            item(3, None, "Генератор 30 кВА", 3, "pcs"),
        ),
    )


def read(text: str) -> tuple[list[tuple[int, int]], str | None]:
    parsed = parse_amounts(text, request(), CATALOG)
    assert parsed.error_key is None, (text, parsed)
    assert not parsed.everything, text
    return [(a.item.id, a.quantity) for a in parsed.amounts], parsed.note


@pytest.mark.parametrize(
    ("text", "amounts", "note"),
    [
        ("1 5", [(1, 5)], None),
        ("#2 100", [(2, 100)], None),
        ("Stromerzeuger 2", [(1, 2)], None),
        ("генератор 2; бинти 50", [(1, 2), (2, 50)], None),
        ("generator 2; bandages 50; aus Lager Köln", [(1, 2), (2, 50)], "aus Lager Köln"),
        ("Stromerzeuger 2 LKW kommt Dienstag", [(1, 2)], "LKW kommt Dienstag"),
        ("бинти 50 уп", [(2, 50)], None),
        ("Verbände 50 Pkg. ab Köln", [(2, 50)], "ab Köln"),
        ("Stromerzuger 2", [(1, 2)], None),  # a typo the catalogue still recognises
        ("генератор 30 кВА 2", [(3, 2)], None),  # numbers inside an item's own name
        ("1 x4", [(1, 4)], None),
        ("1 2\n2 100\nвантажівка у вівторок", [(1, 2), (2, 100)], "вантажівка у вівторок"),
        ("1 4; generator 6", [(1, 10)], None),
    ],
)
def test_readable_lines(text: str, amounts: list[tuple[int, int]], note: str | None) -> None:
    assert read(text) == (amounts, note)


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("Stromerzeuger -5", "lifecycle.negative_quantity", "Stromerzeuger -5"),
        ("генератор −5", "lifecycle.negative_quantity", "генератор −5"),
        ("1 0", "lifecycle.zero_quantity", "1 0"),
        ("бинти 2,5", "lifecycle.decimal_quantity", "бинти 2,5"),
        ("bandages 0.5", "lifecycle.decimal_quantity", "bandages 0.5"),
        ("LKW kommt Dienstag", "lifecycle.unreadable", "LKW kommt Dienstag"),
        ("aus Lager Köln", "lifecycle.unreadable", "aus Lager Köln"),
        ("бинти п'ятдесят", "lifecycle.unreadable_quantity", "бинти п'ятдесят"),
        ("generator zwei", "lifecycle.unreadable_quantity", "generator zwei"),
        ("generator 2; бинти багато", "lifecycle.unreadable_quantity", "бинти багато"),
        ("ventilator 1", "lifecycle.unknown_item", "ventilator"),
        ("1 2 und Verbände 3", "lifecycle.split_lines", "1 2 und Verbände 3"),
        ("1 2 2 5", "lifecycle.split_lines", "1 2 2 5"),
        ("generator 2 und Verbände 3", "lifecycle.split_lines", "generator 2 und Verbände 3"),
        ("1 2; ventilator 1", "lifecycle.unknown_item", "ventilator"),
        ("9 1", "lifecycle.unknown_item", "9"),
        ("1 2; LKW morgen; 2 50", "lifecycle.note_not_last", "2 50"),
    ],
)
def test_unreadable_lines_are_refused(text: str, key: str, fragment: str) -> None:
    parsed = parse_amounts(text, request(), CATALOG)
    assert (parsed.error_key, parsed.error_fragment) == (key, fragment)
    assert parsed.amounts == () and not parsed.everything


@pytest.mark.parametrize("text", ["", "  ", "all", "Alles", "усе", "все"])
def test_everything_only_when_asked_for(text: str) -> None:
    parsed = parse_amounts(text, request(), CATALOG)
    assert parsed.everything and parsed.error_key is None and parsed.note is None


def test_everything_with_a_note() -> None:
    parsed = parse_amounts("alles; LKW kommt Dienstag", request(), CATALOG)
    assert parsed.everything and parsed.note == "LKW kommt Dienstag"


async def test_negative_quantity_pledges_nothing(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    before = await outbox_for(h, "101")
    replies = await h.send(COORD, "/pledge R-1001 Stromerzeuger -5")
    assert "negativ" in replies[0].text and "Stromerzeuger -5" in replies[0].text
    assert (await h.rows("SELECT SUM(pledged) FROM request_items")) == [(0,)]
    assert await outbox_for(h, "101") == before  # the requester is told nothing


async def test_item_qty_and_note_pledges_only_that(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await h.send(COORD, "/pledge R-1001 Stromerzeuger 2 LKW kommt Dienstag")
    assert "Stromerzeuger ×2" in replies[0].text
    rows = await h.rows("SELECT item_key, pledged FROM request_items ORDER BY position")
    assert rows == [("generator", 2), ("bandages", 0)]
    assert (await h.rows("SELECT note FROM pledges")) == [("LKW kommt Dienstag",)]


async def test_unreadable_fragment_is_quoted_escaped(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await h.send(COORD, "/delivered R-1001 <b>kommt</b> bald")
    assert "&lt;b&gt;kommt&lt;/b&gt; bald" in replies[0].text
    assert "<b>kommt" not in replies[0].text
    assert (await h.rows("SELECT SUM(delivered) FROM request_items")) == [(0,)]


async def test_received_refuses_a_note_alone(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.send(COORD, "/pledge R-1001")
    replies = await h.send(NURSE, "/received R-1001 прийшло вчора")
    assert "Не можу прочитати" in replies[0].text and "прийшло вчора" in replies[0].text
    assert (await h.rows("SELECT SUM(received) FROM request_items")) == [(0,)]


async def test_bare_pledge_states_exact_quantities(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.send(COORD, "/pledge R-1001 1 1")
    replies = await h.send(COORD, "/pledge R-1001")
    assert "Stromerzeuger ×1" in replies[0].text and "×200" in replies[0].text
    told = await outbox_for(h, "101")
    assert any("Генератор ×1" in t and "×200" in t for t in told[-1:]), told


async def test_pledge_all_keyword_with_note(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await h.send(COORD, "/pledge R-1001 alles; aus Lager Köln")
    assert "×2" in replies[0].text and "×200" in replies[0].text
    assert (await h.rows("SELECT DISTINCT note FROM pledges")) == [("aus Lager Köln",)]


async def test_item_lines_on_new_lines(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.send(COORD, "/pledge R-1001\n1 1\nбинти 20")
    rows = await h.rows("SELECT pledged FROM request_items ORDER BY position")
    assert rows == [(1,), (20,)]


async def test_english_and_ukrainian_coordinators(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await h.send(COORD, "/delivered R-1001 bandages -3", lang="en")
    assert (await h.rows("SELECT SUM(delivered) FROM request_items")) == [(0,)]
    assert "bandages -3" in replies[0].text
    await h.send(COORD, "/pledge R-1001 all")
    await h.send(COORD, "/delivered R-1001 бинти 100 машина з Кельна")
    rows = await h.rows("SELECT delivered FROM request_items ORDER BY position")
    assert rows == [(0,), (100,)]
