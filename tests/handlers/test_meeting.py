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

from handlers.coordination.meeting_pack import (
    NEED_COLUMNS,
    SECTIONS,
    OrgPlace,
    PackInput,
    build_workbook,
    org_place,
    read_round_chart,
)
from handlers.core.events import Reply
from handlers.text.i18n import Translator
from storage import organisations, shipments
from storage.charts import outstanding_by_week
from storage.meeting import load_meeting_data
from storage.models import Filters, Identity, OrgKind, Placement, Role
from storage.places import codifier
from storage.places.placing import placement_for
from tests.engine_harness import EngineHarness, find_payload, payloads
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
    # Columns by key: request, item code, requested.
    at = [[c[0] for c in NEED_COLUMNS].index(k) for k in ("request", "item_code", "requested")]
    assert [tuple(r[i] for i in at) for r in critical] == [
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


POKROVSKA_NIKOPOL = "UA12080090000039979"  # Покров, Покровська громада, Нікопольський район
NIKOPOL_NURSE = Identity(transport="telegram", user_id="102")
# Each section's requests in the two raions' world below.
WHOLE: dict[str, set[str]] = {
    "new": {"R-1001", "R-1002", "R-1003", "R-1004"},
    "critical": {"R-1003", "R-1004"},
    "pledged": {"R-1001", "R-1002"},
    "shipped": {"R-1001", "R-1002"},
    "receipts": {"R-1001", "R-1002"},
    "overdue": {"R-1003", "R-1004"},
    "stale": {"R-1003", "R-1004"},
    "who_what_where": {"Лікарня №4", "ЦРЛ Покров"},
}
NIKOPOL = {"R-1002", "R-1004", "ЦРЛ Покров"}


async def two_raions(h: EngineHarness) -> None:
    """R-1001 and R-1003 (critical) in Дніпро, R-1002 and R-1004 (critical) in Покровська
    громада of Нікопольський район. R-1001 and R-1002 are pledged, shipped and signed for;
    R-1003 and R-1004 stay open past their day and silent for three weeks."""
    await world(h)
    places = codifier()
    async with h.db.transaction() as conn:
        pokrov = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name="ЦРЛ Покров",
            raion="Нікопольський",
            settlement="Покров",
            code=None,
            address=None,
            now=h.clock(),
            place=placement_for(places[POKROVSKA_NIKOPOL]),
        )
    await h.join(NIKOPOL_NURSE, pokrov.id)
    for nurse, line in (
        (NURSE, "2 генератор"),
        (NIKOPOL_NURSE, "3 генератор"),
        (NURSE, "30 термоковдри !critical"),
        (NIKOPOL_NURSE, "40 термоковдри !critical"),
    ):
        replies = await h.send(nurse, f"/need {line}")
        await h.press(nurse, find_payload(replies[0], "w:submit:"))
    async with h.db.transaction() as conn:
        await conn.execute("UPDATE requests SET needed_by = '2026-12-05'")
    for command in (
        "/pledge R-1001",
        "/pledge R-1002",
        "/shipment new NRW 48/2026",
        "/shipment add S-1 R-1001",
        "/shipment add S-1 R-1002",
    ):
        await h.send(COORD, command)
    h.clock.now = T0 + timedelta(hours=2)
    await h.send(COORD, "/shipment depart S-1")
    h.clock.now = T0 + timedelta(hours=3)
    for line_id, org_id in await h.rows("SELECT id, dest_org_id FROM shipment_lines"):
        await h.press(NIKOPOL_NURSE if org_id == pokrov.id else NURSE, f"shr:ok:{line_id}")
    h.clock.now = T0 + timedelta(days=22)


def requests_per_sheet(xlsx: bytes) -> dict[str, set[str]]:
    """Each section's requests (the who-does-what-where sheet: its requesting organisations)."""
    t = Translator()
    found: dict[str, set[str]] = {}
    for key, columns in SECTIONS:
        names = [c[0] for c in columns]
        at = names.index("org" if key == "who_what_where" else "request")
        found[key] = {str(r[at]) for r in sheet_rows(xlsx, t("en", f"meeting.sheet.{key}"))}
    return found


def workbook_of(replies: list[Reply]) -> bytes:
    return next(
        r.document.data for r in replies if r.document and r.document.filename.endswith("x")
    )


async def test_a_pack_for_one_raion_holds_only_its_requests(harness: EngineHarness) -> None:
    h = harness
    await two_raions(h)
    whole = requests_per_sheet(workbook_of(await h.report(COORD, "/meeting since 30.11.2026")))
    assert whole == WHOLE  # every section has requests of both raions when no place is given
    recorded = await rounds(h)
    # A raion's pack (by name with its type word) has only that raion's, in every sheet.
    replies = await h.report(COORD, "/meeting again Нікопольський район")
    assert "Nikopolskyi" in replies[0].text  # the place is named with the window
    assert "Nikopolskyi" in replies[1].text  # and in the summary
    assert "New requests: 2 · critical open: 1" in replies[1].text, replies[1].text
    assert requests_per_sheet(workbook_of(replies)) == {
        key: found & NIKOPOL for key, found in WHOLE.items()
    }
    assert str(replies[-1].document and replies[-1].document.caption).endswith(
        "(Nikopolskyi) raion"
    )
    # A hromada's P-code does the same; neither pack moved the team's round.
    h.clock.now += timedelta(hours=1)
    same = requests_per_sheet(workbook_of(await h.report(COORD, "/meeting UA1208009")))
    assert same["new"] == set()  # nothing new since the last round
    assert same["stale"] == {"R-1004"}  # standing sections are of the place too
    assert await rounds(h) == recorded
    # The chart counts the place's open item lines only (R-1004's; R-1002 arrived).
    ctx = h.engine.ctx
    raion = codifier().ancestors(POKROVSKA_NIKOPOL)[0].code
    chart = await read_round_chart(ctx, until=h.clock.now, place=raion)
    assert chart.weeks[-1].total() == 1
    assert (await read_round_chart(ctx, until=h.clock.now)).weeks[-1].total() == 2


async def test_an_ambiguous_hromada_is_asked_then_the_pack_built(harness: EngineHarness) -> None:
    h = harness
    await two_raions(h)
    await h.report(COORD, "/meeting since 30.11.2026")
    recorded = await rounds(h)
    last = await h.last_outbox_id()
    reply = (await h.send(COORD, "/meeting again Покровська"))[0]
    assert "fits more than one" in reply.text
    assert payloads(reply) == [
        "pf:/meeting again UA1208009",
        "pf:/meeting again UA1208011",
        "pf:/meeting again UA1214025",
    ]
    assert await h.reported(COORD.user_id, after=last) == []  # no pack before the choice
    reply = (await h.send(COORD, "/meeting since 30.11.2026 Покровська громада"))[0]
    assert payloads(reply)[0] == "pf:/meeting since 30.11.2026 UA1208009"
    replies = await h.press(COORD, "pf:/meeting again UA1208009")
    assert "Pokrovska" in replies[0].text
    pack = await h.reported(COORD.user_id, after=last)
    assert requests_per_sheet(workbook_of(pack))["new"] == {"R-1002", "R-1004"}
    assert await rounds(h) == recorded
    # A filter other than a place gets the usage; a word that is no place, or a date that
    # cannot be read, is named in the answer.
    for line in ("/meeting critical", "/meeting again 2"):
        assert "/meeting again" in (await h.send(COORD, line))[0].text, line
    reply = (await h.send(COORD, "/meeting again Атлантида"))[0]
    assert "“Атлантида”: I know no raion or hromada" in reply.text
    reply = (await h.send(COORD, "/meeting since 2026-13-01"))[0]
    assert "the date “2026-13-01”" in reply.text
    assert await rounds(h) == recorded


async def test_who_does_what_where_names_the_raion_and_hromada(harness: EngineHarness) -> None:
    h = harness
    await two_raions(h)
    t = Translator()
    xlsx = workbook_of(await h.report(COORD, "/meeting since 30.11.2026"))
    heads = [c[0] for c in SECTIONS[-1][1]]
    rows = sheet_rows(xlsx, t("en", "meeting.sheet.who_what_where"))
    org, raion, hromada = (heads.index(k) for k in ("org", "raion", "hromada"))
    assert {(r[org], r[raion], r[hromada]) for r in rows} == {
        ("Лікарня №4", "Дніпровський (Dniprovskyi)", "Дніпровська (Dniprovska)"),
        ("ЦРЛ Покров", "Нікопольський (Nikopolskyi)", "Покровська (Pokrovska)"),
    }
    # Nothing finer than the hromada for coordinators: no settlement in any sheet.
    for key, columns in SECTIONS:
        assert "settlement" not in [c[0] for c in columns], key
        cells = {c for r in sheet_rows(xlsx, t("en", f"meeting.sheet.{key}")) for c in r}
        assert not cells & {"Дніпро", "Покров", "Dnipro", "Pokrov"}, key
    # Ukrainian readers read the Cyrillic alone; an organisation typed before places had
    # codes keeps its typed raion and no hromada.
    async with h.db.read() as conn:
        orgs = {o.name: o for o in await organisations.list_organisations(conn)}
    assert org_place(orgs["ЦРЛ Покров"], "uk") == OrgPlace("Нікопольський", "Покровська")
    unplaced = await h.add_org(name="Стара лікарня", placed=False)
    assert org_place(unplaced, "en") == OrgPlace("Дніпровський (Dniprovskyi)", None)
    abroad = orgs["THW"].model_copy(update={"place": Placement(outside_oblast=True)})
    assert org_place(abroad, "en") == OrgPlace(None, None)
