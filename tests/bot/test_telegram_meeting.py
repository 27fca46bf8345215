"""/meeting end to end through python-telegram-bot and the fake Bot API (issue 14).

After the weekly truck of tests/bot/test_telegram_shipments.py (three hospitals, pledges, a
shipment via the hub, one line damaged, one missing), a coordinator builds the round's pack.
The workbook is opened again with openpyxl and every sheet is checked cell by cell against
the database, read here with SQL of its own; the chart is a PNG; the round is remembered.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from handlers.coordination.charts import category_of
from handlers.coordination.meeting_pack import (
    NEED_COLUMNS,
    PLEDGE_COLUMNS,
    RECEIPT_COLUMNS,
    SECTIONS,
    SHIPPED_COLUMNS,
    WHO_COLUMNS,
)
from handlers.requests.units import unit_name
from handlers.text.i18n import Language
from storage.places import codifier, latin
from tests.bot import test_telegram_shipments as truck
from tests.bot.test_telegram_shipments import COORD, NURSE_A, World, plain
from tests.bot.test_telegram_shipments import world as world  # the fixture
from tests.engine_harness import scalar

LANG: Language = "de"


def table(sheet: Any) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
    """(header, HXL row, data rows) of a sheet whose notes come first."""
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    hxl_at = next(n for n, row in enumerate(rows) if any(str(v or "").startswith("#") for v in row))
    header, hxl = rows[hxl_at - 1], rows[hxl_at]
    return list(header), list(hxl), rows[hxl_at + 1 :]


def as_date(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else value


async def test_meeting_pack_after_the_weekly_truck(world: World) -> None:
    tg = world.tg
    ctx = tg.app.ctx
    t, catalog, tz = ctx.t, ctx.catalog, ctx.policy.timezone
    await truck.test_the_weekly_truck_from_pledges_to_signed_receipt(world)
    await truck.outbox_drained(tg)

    # Requesters have no round.
    sent = await tg.say(NURSE_A, "/meeting", language_code="uk")
    assert plain(sent[-1]) == t("uk", "error.not_allowed")
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM meeting_rounds") == 0

    sent = await tg.say(COORD, "/meeting", language_code=LANG)
    methods = [c.method for c in sent]
    # The chart as a photo, seen in the chat at a glance; the workbook as a file.
    assert methods == ["sendMessage", "sendMessage", "sendDocument", "sendPhoto"], methods
    assert "Koordinierungsrunde" in plain(sent[1])
    summary = plain(sent[1])
    assert "Neue Anfragen: 3 · kritisch offen: 0" in summary, summary
    assert "Zusagen: 3 · verschickte Zeilen: 3" in summary
    assert "Quittierte Zeilen: 3, davon beschädigt: 1, fehlend: 1" in summary
    xlsx, png = (next(iter(c.files.values())).content for c in sent[2:])
    assert png.startswith(b"\x89PNG")
    assert str(sent[3].params.get("caption")).startswith("Offene Positionen nach Kategorie")
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == [
        t(LANG, "meeting.sheet.overview"),
        *(t(LANG, f"meeting.sheet.{key}") for key, _ in SECTIONS),
    ]
    orgs = {
        int(r[0]): (r[1], r[2], r[3], r[4])
        for r in await tg_rows(
            tg, "SELECT id, name, raion_code, hromada_code, raion FROM organisations"
        )
    }
    today = datetime.now(tz).date()

    def item_cells(key: str | None, free: str | None) -> tuple[Any, ...]:
        category = category_of(catalog, key)
        names = {c.key: c.name(LANG) for c in catalog.categories()}
        name = catalog.name(key, LANG) if key else free
        return (names.get(category, t(LANG, "meeting.category_other")), name, key)

    def place(org_id: int) -> tuple[Any, ...]:
        # Raion and hromada by the codes, Cyrillic with its Latin form for a German reader;
        # no settlement (coordinators' need-to-know).
        def named(code: str | None) -> str | None:
            unit = codifier().get(code) if code else None
            return f"{unit.name} ({unit.latin})" if unit else None

        _, raion_code, hromada_code, typed = orgs[org_id]
        if hromada_code is None:  # not placed by code yet: the typed raion, nothing else
            return (f"{typed} ({latin(typed)})" if typed else None, None)
        return (named(raion_code), named(hromada_code))

    def check(key: str, columns: Any, expected: list[tuple[Any, ...]]) -> None:
        header, hxl, rows = table(book[t(LANG, f"meeting.sheet.{key}")])
        assert header == [t(LANG, f"meeting.col.{c[0]}") for c in columns], key
        assert hxl == [c[1] for c in columns], key
        got = [tuple(as_date(v) for v in row) for row in rows]
        assert got == expected, (key, got, expected)

    # New requests: one row per item line, critical first, cell by cell.
    needs = await tg_rows(
        tg,
        "SELECT r.id, r.org_id, i.item_key, i.free_text, i.quantity, i.pledged, i.delivered,"
        " i.unit, r.urgency, r.status FROM requests r JOIN request_items i"
        " ON i.request_id = r.id ORDER BY r.urgency != 'critical', r.id, i.position",
    )
    assert len(needs) == 4
    check(
        "new",
        NEED_COLUMNS,
        [
            (
                f"R-{rid}",
                today,
                None,
                orgs[org][0],
                *place(org),
                *item_cells(key, free),
                qty,
                pledged,
                delivered,
                unit_name(unit, LANG),
                t(LANG, f"urgency.{urgency}"),
                t(LANG, f"status.{status}"),
            )
            for rid, org, key, free, qty, pledged, delivered, unit, urgency, status in needs
        ],
    )
    # The critical request arrived whole: nothing critical is open.
    check("critical", NEED_COLUMNS, [])
    check("overdue", NEED_COLUMNS, [])

    pledges = await tg_rows(
        tg,
        "SELECT p.request_id, p.org_id, r.org_id, i.item_key, p.quantity, i.unit FROM pledges p"
        " JOIN requests r ON r.id = p.request_id JOIN request_items i ON i.id = p.item_id"
        " ORDER BY p.at, p.id",
    )
    check(
        "pledged",
        PLEDGE_COLUMNS,
        [
            (
                today,
                f"R-{rid}",
                orgs[pledger][0],
                orgs[dest][0],
                *place(dest),
                *item_cells(key, None),
                qty,
                unit_name(unit, LANG),
            )
            for rid, pledger, dest, key, qty, unit in pledges
        ],
    )
    lines = await tg_rows(
        tg,
        "SELECT l.request_id, l.dest_org_id, l.item_key, l.quantity, l.unit, l.status,"
        " l.received, l.damaged, l.missing FROM shipment_lines l ORDER BY l.dest_org_id, l.id",
    )
    assert sorted((r[7], r[8]) for r in lines) == [(0, 0), (0, 30), (1, 0)]

    def shipped(row: tuple[Any, ...]) -> tuple[Any, ...]:
        rid, dest, key, qty, unit, status = row[:6]
        return (
            "S-1",
            "NRW-Hilfstransport 48/2026",
            today,
            f"R-{rid}",
            orgs[dest][0],
            *place(dest),
            *item_cells(key, None),
            qty,
            unit_name(unit, LANG),
            t(LANG, f"ship.line.{status}"),
        )

    check("shipped", SHIPPED_COLUMNS, [shipped(r) for r in lines])
    # Signed for: damaged and missing goods first (in the order they were signed).
    signed = await tg_rows(
        tg,
        "SELECT l.request_id, l.dest_org_id, l.item_key, l.quantity, l.unit, l.status,"
        " l.received, l.damaged, l.missing FROM shipment_lines l"
        " ORDER BY (l.damaged + l.missing) = 0, l.confirmed_at, l.id",
    )
    check(
        "receipts",
        RECEIPT_COLUMNS,
        [(*shipped(r), r[6], r[7], r[8], today) for r in signed],
    )
    receipts = table(book[t(LANG, "meeting.sheet.receipts")])[2]
    assert [(r[-3], r[-2]) for r in receipts[:2]] == [(1, 0), (0, 30)]
    # Who does what where: pledges grouped per pledging organisation, item, unit and place.
    who = await tg_rows(
        tg,
        "SELECT p.org_id, i.item_key, i.unit, r.org_id, SUM(p.quantity),"
        " COUNT(DISTINCT p.item_id), COUNT(DISTINCT p.request_id) FROM pledges p"
        " JOIN request_items i ON i.id = p.item_id JOIN requests r ON r.id = p.request_id"
        " GROUP BY p.org_id, i.item_key, i.unit, r.org_id"
        " ORDER BY p.org_id, i.item_key, i.unit, r.org_id",
    )
    check(
        "who_what_where",
        WHO_COLUMNS,
        [
            (
                orgs[pledger][0],
                *item_cells(key, None),
                qty,
                unit_name(unit, LANG),
                n_lines,
                n_requests,
                orgs[dest][0],
                *place(dest),
            )
            for pledger, key, unit, dest, qty, n_lines, n_requests in who
        ],
    )
    # The overview counts every section.
    _, _, overview = table(book[t(LANG, "meeting.sheet.overview")])
    assert overview == [
        (t(LANG, "meeting.sheet.new"), 3, 3),
        (t(LANG, "meeting.sheet.critical"), 0, 0),
        (t(LANG, "meeting.sheet.pledged"), 3, 3),
        (t(LANG, "meeting.sheet.shipped"), 3, 3),
        (t(LANG, "meeting.sheet.receipts"), 3, 3),
        (t(LANG, "meeting.sheet.overdue"), 0, 0),
        (t(LANG, "meeting.sheet.stale"), 0, 0),
        (t(LANG, "meeting.sheet.who_what_where"), len(who), len(who)),
    ]

    # The round is remembered: "again" rebuilds its window, a new round starts where it ended.
    rounds = await tg_rows(tg, "SELECT since, until FROM meeting_rounds")
    assert len(rounds) == 1
    sent = await tg.say(COORD, "/meeting again", language_code=LANG)
    assert "Neue Anfragen: 3" in plain(sent[1])
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM meeting_rounds") == 1
    sent = await tg.say(COORD, "/meeting", language_code=LANG)
    assert "Neue Anfragen: 0" in plain(sent[1]), plain(sent[1])
    rounds = await tg_rows(tg, "SELECT since, until FROM meeting_rounds ORDER BY id")
    assert len(rounds) == 2 and rounds[1][0] == rounds[0][1]
    sent = await tg.say(COORD, "/meeting since 31.02.2026", language_code=LANG)
    assert "Verwendung" in plain(sent[-1])


async def tg_rows(tg: Any, sql: str) -> list[tuple[Any, ...]]:
    async with tg.app.db.read() as conn:
        cur = await conn.execute(sql)
        return [tuple(r) for r in await cur.fetchall()]
