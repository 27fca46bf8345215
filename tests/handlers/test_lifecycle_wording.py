"""Partial is told from full in every view (issue 9): /my, /open, /show and its history, the
requester's notices and the digest say "pledged 5 of 10", never just "Pledged"."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from handlers.coordination.digest_text import digest_text
from storage.digests import load_digest_data
from storage.models import Filters
from tests.engine_harness import EngineHarness
from tests.handlers.test_lifecycle import COORD, NURSE, outbox_for, setup

KYIV = ZoneInfo("Europe/Kyiv")


async def digest_for(h: EngineHarness, lang: str = "de", days: float = 1) -> str:
    ctx = h.engine.ctx
    end = h.clock() + timedelta(minutes=1)
    async with h.db.read() as conn:
        data = await load_digest_data(
            conn,
            window_start=end - timedelta(days=days),
            window_end=end,
            today=end.date(),
            filters=Filters(),
        )
    return digest_text(data, lang=lang, t=ctx.t, catalog=ctx.catalog, tz=KYIV)  # type: ignore[arg-type]


async def test_partial_pledge_is_not_shown_as_pledged(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор; 200 уп бинти")
    replies = await h.send(COORD, "/pledge R-1001 1 5")
    assert "Stromerzeuger ×5 (zugesagt 5 von 10)" in replies[0].text
    mine = (await h.send(NURSE, "/my"))[0].text
    assert "Частково обіцяно" in mine and "Є постачальник" not in mine
    assert "Генератор ×10 (обіцяно 5 з 10)" in mine
    listed = (await h.send(COORD, "/open"))[0].text
    assert "Teilweise zugesagt" in listed and "zugesagt 5 von 10" in listed
    told = await outbox_for(h, "101")
    assert "Генератор ×5 (обіцяно 5 з 10)" in told[-1]
    shown = (await h.send(NURSE, "/show R-1001"))[0].text
    assert "Частково обіцяно" in shown and "обіцяно 5 з 10" in shown
    assert "Teilweise zugesagt" in await digest_for(h)
    # Once every line is pledged, it reads as pledged.
    await h.send(COORD, "/pledge R-1001 all")
    mine = (await h.send(NURSE, "/my"))[0].text
    assert "Є постачальник" in mine and "обіцяно 10 з 10" in mine


async def test_partial_delivery_is_no_status_change(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор; 200 уп бинти")
    await h.send(COORD, "/pledge R-1001 all")
    await h.send(COORD, "/transit R-1001")
    replies = await h.send(COORD, "/delivered R-1001 2 100")
    assert "geliefert 100 von 200" in replies[0].text
    events = await h.rows("SELECT status, kind FROM status_events ORDER BY id")
    assert events[-2:] == [("in_transit", "status"), ("in_transit", "delivery")]
    history = (await h.send(COORD, "/show R-1001"))[0].text
    assert "Teillieferung: Mullbinde ×100 (geliefert 100 von 200)" in history
    assert history.count("Unterwegs") == 2  # the status line and one history line
    assert "Частково доставлено" not in history
    told = await outbox_for(h, "101")
    assert "Бинт ×100 (доставлено 100 з 200)" in told[-1]
    digest = await digest_for(h)
    assert "Unterwegs → Unterwegs" not in digest
    assert "Teillieferung: Mullbinde ×100 (geliefert 100 von 200)" in digest
    english = await digest_for(h, "en")
    assert "Partial delivery: Bandage ×100 (delivered 100 of 200)" in english
    assert "Bandage 200 packs (delivered 100 of 200)" in english


async def test_receipts_after_delivery_are_not_more_deliveries(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 200 уп бинти")
    await h.send(COORD, "/pledge R-1001 all")
    await h.send(COORD, "/delivered R-1001 all")
    replies = await h.send(NURSE, "/received R-1001 1 150")
    assert "отримано 150 з 200" in replies[0].text
    await h.send(NURSE, "/received R-1001 1 50")
    shown = (await h.send(NURSE, "/show R-1001"))[0].text
    history = shown.split("<b>Історія</b>")[-1] if "<b>Історія</b>" in shown else shown
    assert history.count("Доставлено") == 1, shown
    assert "Отримання: Бинт ×150 (отримано 150 з 200)" in shown
    assert "Отримання: Бинт ×50 (отримано 200 з 200)" in shown
    told = await outbox_for(h, "301")
    assert any("empfangen 150 von 200" in t for t in told), told
    digest = await digest_for(h)
    assert digest.count("Geliefert →") == 0 and "Empfang: Mullbinde ×150" in digest
    delivered = [p for p in digest.split("\n\n") if "Geliefert:" in p or "geliefert (" in p]
    assert all(p.count("R-1001") <= 1 for p in delivered)


async def test_pledge_on_a_pledged_request_is_no_status_event(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор")
    await h.send(COORD, "/pledge R-1001 1 4")
    await h.send(COORD, "/pledge R-1001 1 6")
    events = await h.rows("SELECT status, kind FROM status_events ORDER BY id")
    assert events == [("new", "status"), ("pledged", "status"), ("pledged", "pledge")]
    history = (await h.send(COORD, "/show R-1001"))[0].text
    assert "Zusage: Stromerzeuger ×6 (zugesagt 10 von 10)" in history
