"""The coordination round through the engine with a frozen clock (issue 14): which window a
round covers (per coordinator organisation), the standing sections (critical, overdue, stale),
a section cut at its limit, the chart counting item lines, and digests marking goods on trucks."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import hxl
from hxl.input import InputOptions
from openpyxl import load_workbook

from handlers.coordination.meeting_pack import SECTIONS, PackInput, build_workbook
from handlers.text.i18n import Translator
from storage import shipments
from storage.charts import outstanding_by_week
from storage.meeting import load_meeting_data
from storage.models import Filters, Identity, Role
from tests.engine_harness import EngineHarness, find_payload
from tests.handlers.test_shipments import add_ngo

BERLIN = ZoneInfo("Europe/Berlin")
COORD = Identity(transport="telegram", user_id="301")
COLLEAGUE = Identity(transport="telegram", user_id="302")
OTHER_TEAM = Identity(transport="telegram", user_id="303")
NURSE = Identity(transport="telegram", user_id="101")
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)


async def world(h: EngineHarness) -> None:
    h.clock.now = T0
    hospital = await h.add_org()
    ngo = await add_ngo(h)
    thw = await add_ngo(h, "THW")
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="en")
    await h.join(COLLEAGUE, ngo.id, role=Role.COORDINATOR, lang="en")
    await h.join(OTHER_TEAM, thw.id, role=Role.COORDINATOR, lang="en")


async def file(h: EngineHarness, line: str) -> None:
    replies = await h.send(NURSE, f"/need {line}")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))


async def rounds(h: EngineHarness) -> list[tuple[Any, ...]]:
    return await h.rows(
        "SELECT m.user_id, r.since, r.until FROM meeting_rounds r"
        " JOIN members m ON m.id = r.member_id ORDER BY r.id"
    )


def sheet_rows(data: bytes, title: str) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(data))[title]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    hxl_at = next(n for n, row in enumerate(rows) if any(str(v or "").startswith("#") for v in row))
    return rows[hxl_at + 1 :]


async def test_a_round_starts_where_the_teams_last_one_ended(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    replies = await h.send(COORD, "/meeting again")
    assert replies[0].text == h.engine.ctx.t("en", "meeting.no_round")
    replies = await h.report(COORD, "/meeting")
    assert "16.11.2026 – 30.11.2026" in replies[0].text  # the first: the last 14 days
    assert [r.document.filename for r in replies if r.document] == [
        "aidbridge-round-2026-11-30.xlsx",
        "aidbridge-round-2026-11-30.png",
    ]
    first_end = "2026-11-30T08:00:00.000000+00:00"
    # A colleague of the same team, a week later, starts where the team's round ended.
    h.clock.now = T0 + timedelta(days=7)
    await h.report(COLLEAGUE, "/meeting")
    # Another team keeps its own rhythm.
    await h.report(OTHER_TEAM, "/meeting")
    got = await rounds(h)
    assert got[0] == ("301", "2026-11-16T08:00:00.000000+00:00", first_end)
    assert got[1] == ("302", first_end, "2026-12-07T08:00:00.000000+00:00")
    assert got[2] == (
        "303",
        "2026-11-23T08:00:00.000000+00:00",
        "2026-12-07T08:00:00.000000+00:00",
    )
    # "again" rebuilds the team's last window and records nothing.
    replies = await h.report(COORD, "/meeting again")
    assert "30.11.2026 – 07.12.2026" in replies[0].text
    assert len(await rounds(h)) == 3
    # A start date: from that day's midnight; one to come is refused.
    replies = await h.report(COORD, "/meeting since 01.12.2026")
    assert "01.12.2026 – 07.12.2026" in replies[0].text
    assert (await rounds(h))[-1][1] == "2026-11-30T23:00:00.000000+00:00"
    replies = await h.send(COORD, "/meeting since 2027-01-01")
    assert "01.01.2027" in replies[0].text and len(await rounds(h)) == 4
    replies = await h.send(COORD, "/meeting since")
    assert "/meeting again" in replies[0].text
    replies = await h.send(COORD, "/meeting tomorrow")
    assert "/meeting again" in replies[0].text
    replies = await h.send(NURSE, "/meeting")
    assert replies[0].text == h.engine.ctx.t("uk", "error.not_allowed")


async def test_standing_sections_and_the_chart(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await file(h, "2 генератор; 200 уп бинти !critical")
    await file(h, "30 термоковдри")
    async with h.db.transaction() as conn:
        await conn.execute("UPDATE requests SET needed_by = '2026-12-05' WHERE id = 1001")
    # Three weeks and a day later, nothing has moved: overdue and stale.
    h.clock.now = T0 + timedelta(days=22)
    replies = await h.report(COORD, "/meeting since 30.11.2026")
    summary = replies[1].text
    assert "New requests: 2 · critical open: 1" in summary, summary
    assert "Overdue: 1 · stale: 2" in summary, summary
    xlsx = next(
        r.document.data for r in replies if r.document and r.document.filename.endswith("x")
    )
    t = Translator()
    critical = sheet_rows(xlsx, t("en", "meeting.sheet.critical"))
    assert [(r[0], r[9], r[10]) for r in critical] == [
        ("R-1001", "generator", 2),
        ("R-1001", "bandages", 200),
    ]
    overdue = sheet_rows(xlsx, t("en", "meeting.sheet.overdue"))
    assert {r[0] for r in overdue} == {"R-1001"}
    assert overdue[0][2] == datetime(2026, 12, 5)  # a date cell
    stale = sheet_rows(xlsx, t("en", "meeting.sheet.stale"))
    assert [r[0] for r in stale] == ["R-1001", "R-1001", "R-1002"]
    assert {r[-1] for r in stale} == {t("en", "meeting.stale_silent")}
    # Every section's sheet is HXL that the HXL project's own library reads.
    for index, (key, columns) in enumerate(SECTIONS, 1):
        dataset = hxl.data(io.BytesIO(xlsx), InputOptions(sheet_index=index)).cache()
        assert [c.display_tag for c in dataset.columns] == [c[1] for c in columns], key
        assert len(list(dataset)) == len(sheet_rows(xlsx, t("en", f"meeting.sheet.{key}"))), key
    # The chart counts open item lines: three lines, not 232 of anything.
    async with h.db.read() as conn:
        chart = await outstanding_by_week(
            conn, weeks=8, end=h.clock.now, filters=Filters(), count_lines=True
        )
    assert chart.weeks[-1].total() == 3
    assert chart.weeks[0].total() == 0  # eight weeks back nothing was filed yet


async def test_a_section_beyond_its_limit_says_how_much_is_left_out(
    harness: EngineHarness,
) -> None:
    h = harness
    await world(h)
    for line in ("2 генератор", "30 термоковдри", "200 уп бинти"):
        await file(h, line)
    async with h.db.read() as conn:
        data = await load_meeting_data(
            conn,
            since=T0 - timedelta(days=1),
            until=T0 + timedelta(hours=1),
            today=T0.date(),
            limit=2,
        )
    assert data.new.total == 3 and [r.request_id for r in data.new.rows] == [1001, 1002]
    ctx = h.engine.ctx
    book = build_workbook(
        PackInput(data=data, orgs={}),
        lang="en",
        t=ctx.t,
        catalog=ctx.catalog,
        tz=BERLIN,
    )
    new = book.sheets[1]
    assert ctx.t("en", "meeting.cut", listed="2", total="3") in new.notes
    assert book.sheets[0].columns[1].values[0] == 3  # the overview counts them all


async def test_digest_marks_goods_on_a_truck(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await file(h, "200 уп бинти; 2 генератор !critical")
    replies = await h.report(COORD, "/digest")
    assert "S-1" not in "".join(r.text for r in replies)
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new NRW 48/2026")
    await h.send(COORD, "/shipment add S-1 R-1001")
    h.clock.now = T0 + timedelta(hours=2)
    replies = await h.send(COORD, "/shipment depart S-1")
    assert "On the way" in replies[-1].text
    h.clock.now = T0 + timedelta(hours=3)
    replies = await h.report(COORD, "/digest")
    text = "".join(r.text for r in replies)
    assert "🚚 S-1 On the way since 30.11 11:00" in text, text
    # Goods signed for are no longer on the way: the mark goes with the last line signed.
    lines = [r[0] for r in await h.rows("SELECT id FROM shipment_lines ORDER BY id")]
    await h.press(NURSE, f"shr:ok:{lines[0]}")
    async with h.db.read() as conn:
        assert [w.shipment_id for w in (await shipments.on_the_way(conn, [1001]))[1001]] == [1]
    await h.press(NURSE, f"shr:ok:{lines[1]}")
    async with h.db.read() as conn:
        assert await shipments.on_the_way(conn, [1001]) == {}
