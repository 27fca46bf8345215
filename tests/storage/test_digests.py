"""Digest data on a real SQLite file with frozen times.

The window is half-open, [START, END): an event exactly at START is in, one exactly at END is
out (it belongs to the next digest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from storage import organisations, requests
from storage.db import Database
from storage.digests import DigestData, ItemLine, ItemTotal, StaleReason, load_digest_data
from storage.models import Filters, NeedItemDraft, OrgKind, Status, Urgency
from storage.timefmt import to_db

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
END = START + timedelta(days=1)
TODAY = date(2026, 11, 24)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

Item = tuple[str | None, str | None, int, str]  # item_key, free_text, quantity, unit
BANDAGE: Item = ("bandages", None, 1, "packs")


@pytest.fixture
def db(any_db: Database) -> Database:
    """Part of the storage contract suite: every test here runs on SQLite and PostgreSQL."""
    return any_db


async def add_org(db: Database, name: str, raion: str) -> int:
    async with db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name=name,
            raion=raion,
            settlement="Дніпро",
            code=None,
            address=None,
            now=START - timedelta(days=100),
        )
    return org.id


async def add_request(
    db: Database,
    org_id: int,
    at: datetime,
    *items: Item,
    urgency: Urgency = Urgency.NORMAL,
    needed_by: date | None = None,
) -> int:
    drafts = [
        NeedItemDraft(item_key=key, free_text=text, quantity=qty, unit=unit)
        for key, text, qty, unit in (items or (BANDAGE,))
    ]
    async with db.transaction() as conn:
        request = await requests.add_request(
            conn,
            org_id=org_id,
            created_by=None,
            urgency=urgency,
            needed_by=needed_by,
            delivery_place=None,
            note=None,
            items=drafts,
            now=at,
        )
    return request.id


async def set_status(
    db: Database, request_id: int, status: Status, at: datetime, note: str | None = None
) -> None:
    async with db.transaction() as conn:
        await requests.set_status(conn, request_id, status, actor_id=None, note=note, now=at)


async def execute(db: Database, sql: str, *args: object) -> None:
    async with db.transaction() as conn:
        await conn.execute(sql, args)


async def load(
    db: Database,
    filters: Filters | None = None,
    *,
    list_limit: int = 15,
    start: datetime = START,
    end: datetime = END,
) -> DigestData:
    async with db.read() as conn:
        return await load_digest_data(
            conn,
            window_start=start,
            window_end=end,
            today=TODAY,
            filters=filters or Filters(),
            list_limit=list_limit,
        )


@dataclass
class Scenario:
    org_a: int
    org_b: int
    ids: dict[str, int]


@pytest.fixture
async def scenario(db: Database) -> Scenario:
    """Every section populated; comments say where each request must (not) appear."""
    a = await add_org(db, "Лікарня №4", "Дніпровський")
    b = await add_org(db, "Громада", "Криворізький")
    ids: dict[str, int] = {}
    # critical, open, created before the window
    ids["r1"] = await add_request(
        db,
        a,
        START - 10 * DAY,
        ("generator", None, 3, "pcs"),
        urgency=Urgency.CRITICAL,
        needed_by=TODAY + 5 * DAY,
    )
    await execute(db, "UPDATE request_items SET pledged = 1 WHERE request_id = ?", ids["r1"])
    # critical and new; four lines
    ids["r2"] = await add_request(
        db,
        a,
        START + HOUR,
        ("generator", None, 2, "pcs"),
        ("bandages", None, 20, "packs"),
        ("gloves", None, 5, "boxes"),
        ("syringe", None, 100, "pcs"),
        urgency=Urgency.CRITICAL,
    )
    # new: created exactly at the window start
    ids["r3"] = await add_request(db, b, START, (None, "Дрова", 10, "pcs"), urgency=Urgency.HIGH)
    # created exactly at the window end: in no section, not in the totals
    ids["r4"] = await add_request(db, b, END, ("bandages", None, 7, "packs"))
    # overdue by 3 days, and silent: the last status event 25 days before the window start
    ids["r5"] = await add_request(
        db, a, START - 30 * DAY, (None, "дрова", 5, "pcs"), needed_by=TODAY - 3 * DAY
    )
    await set_status(db, ids["r5"], Status.ACKNOWLEDGED, START - 25 * DAY)
    # asked to re-confirm 8 days before the end, no answer
    ids["r6"] = await add_request(
        db, b, START - 15 * DAY, ("bandages", None, 10, "packs"), urgency=Urgency.LOW
    )
    await execute(
        db,
        "UPDATE requests SET reconfirm_asked_at = ? WHERE id = ?",
        to_db(END - 8 * DAY),
        ids["r6"],
    )
    # two status changes within the window, the second with a note
    ids["r7"] = await add_request(
        db, a, START - 5 * DAY, ("bandages", None, 30, "packs"), urgency=Urgency.HIGH
    )
    await execute(db, "UPDATE request_items SET pledged = 30 WHERE request_id = ?", ids["r7"])
    await set_status(db, ids["r7"], Status.ACKNOWLEDGED, START + 2 * HOUR)
    await set_status(db, ids["r7"], Status.PLEDGED, START + 3 * HOUR, note="<i>Spedition</i> & Co")
    # delivered within the window: its own section, not a status change, not open
    ids["r8"] = await add_request(db, b, START - 5 * DAY, ("generator", None, 1, "pcs"))
    await set_status(db, ids["r8"], Status.DELIVERED, START + 4 * HOUR)
    # status changes exactly at the window start (in) and end (out)
    ids["r9"] = await add_request(db, a, START - 5 * DAY)
    await set_status(db, ids["r9"], Status.ACKNOWLEDGED, START)
    ids["r10"] = await add_request(db, a, START - 5 * DAY)
    await set_status(db, ids["r10"], Status.ACKNOWLEDGED, END)
    # asked exactly 7 days before the end: not "more than 7 days", not stale
    ids["r11"] = await add_request(db, b, START - 10 * DAY)
    await execute(
        db,
        "UPDATE requests SET reconfirm_asked_at = ? WHERE id = ?",
        to_db(END - 7 * DAY),
        ids["r11"],
    )
    # asked 8 days before the end, but the status changed after the question: not stale
    ids["r12"] = await add_request(db, b, START - 10 * DAY)
    await execute(
        db,
        "UPDATE requests SET reconfirm_asked_at = ? WHERE id = ?",
        to_db(END - 8 * DAY),
        ids["r12"],
    )
    await set_status(db, ids["r12"], Status.ACKNOWLEDGED, END - 7 * DAY)
    # created exactly 21 days before the end and silent since: stale; a second later: not
    ids["r13"] = await add_request(db, a, END - 21 * DAY)
    ids["r14"] = await add_request(db, a, END - 21 * DAY + timedelta(seconds=1))
    return Scenario(org_a=a, org_b=b, ids=ids)


def refs(rows: list[int], ids: dict[str, int]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[r] for r in rows]


async def test_every_section_with_exact_counts(db: Database, scenario: Scenario) -> None:
    ids = scenario.ids
    data = await load(db)

    assert data.window_start == START and data.window_end == END and data.today == TODAY
    assert data.critical_open_count == 2
    assert refs([r.id for r in data.critical_open], ids) == ["r1", "r2"]  # oldest first

    assert data.new_count == 2  # r3 at START is in, r4 at END is out
    assert refs([r.id for r in data.new], ids) == ["r2", "r3"]  # critical before high

    assert data.status_change_count == 3  # r9 at START is in, r10 at END is out
    changes = [(c.request.id, c.previous_status, c.status) for c in data.status_changes]
    assert changes == [
        (ids["r7"], Status.ACKNOWLEDGED, Status.PLEDGED),
        (ids["r7"], Status.NEW, Status.ACKNOWLEDGED),
        (ids["r9"], Status.NEW, Status.ACKNOWLEDGED),
    ]
    assert data.status_changes[0].at == START + 3 * HOUR
    assert data.status_changes[0].note == "<i>Spedition</i> & Co"

    assert data.overdue_count == 1
    assert [r.id for r in data.overdue] == [ids["r5"]]
    assert data.overdue[0].needed_by == TODAY - 3 * DAY

    assert data.stale_count == 3
    stale = [(s.request.id, s.reason, s.since) for s in data.stale]
    assert stale == [
        (ids["r5"], StaleReason.SILENT, START - 25 * DAY),
        (ids["r13"], StaleReason.SILENT, END - 21 * DAY),
        (ids["r6"], StaleReason.UNCONFIRMED, END - 8 * DAY),
    ]

    assert data.delivered_count == 1
    assert [(d.request.id, d.at) for d in data.delivered] == [(ids["r8"], START + 4 * HOUR)]
    assert data.delivered[0].request.status is Status.DELIVERED

    assert data.totals == [
        ItemTotal(
            item_key="syringe",
            free_text=None,
            unit="pcs",
            requested=100,
            pledged=0,
            delivered=0,
            outstanding=100,
            requests=1,
        ),
        ItemTotal(
            item_key="bandages",
            free_text=None,
            unit="packs",
            requested=66,
            pledged=30,
            delivered=0,
            outstanding=36,
            requests=9,
        ),
        # "Дрова" and "дрова" are one line; the shown spelling is one of those typed
        ItemTotal(
            item_key=None,
            free_text="Дрова",
            unit="pcs",
            requested=15,
            pledged=0,
            delivered=0,
            outstanding=15,
            requests=2,
        ),
        ItemTotal(
            item_key="gloves",
            free_text=None,
            unit="boxes",
            requested=5,
            pledged=0,
            delivered=0,
            outstanding=5,
            requests=1,
        ),
        ItemTotal(
            item_key="generator",
            free_text=None,
            unit="pcs",
            requested=5,
            pledged=1,
            delivered=0,
            outstanding=4,
            requests=2,
        ),
    ]
    assert data.totals_other_count == 0
    assert not data.quiet


async def test_summary_fields_and_first_three_lines(db: Database, scenario: Scenario) -> None:
    data = await load(db)
    r2 = data.critical_open[1]
    assert r2.ref == f"R-{scenario.ids['r2']}"
    assert (r2.org_id, r2.org_name, r2.raion) == (scenario.org_a, "Лікарня №4", "Дніпровський")
    assert (r2.urgency, r2.status, r2.needed_by) == (Urgency.CRITICAL, Status.NEW, None)
    assert r2.created_at == START + HOUR
    assert r2.item_count == 4
    assert r2.items == (
        ItemLine(item_key="generator", free_text=None, quantity=2, unit="pcs"),
        ItemLine(item_key="bandages", free_text=None, quantity=20, unit="packs"),
        ItemLine(item_key="gloves", free_text=None, quantity=5, unit="boxes"),
    )
    r3 = data.new[1]
    assert r3.items == (ItemLine(item_key=None, free_text="Дрова", quantity=10, unit="pcs"),)


async def test_item_filter_lists_matching_lines_first(db: Database, scenario: Scenario) -> None:
    data = await load(db, Filters(item_keys=("syringe",)))
    (r2,) = data.critical_open
    assert [i.item_key for i in r2.items] == ["syringe", "generator", "bandages"]
    assert r2.item_count == 4


def counts(data: DigestData) -> tuple[int, int, int, int, int, int]:
    return (
        data.critical_open_count,
        data.new_count,
        data.status_change_count,
        data.overdue_count,
        data.stale_count,
        data.delivered_count,
    )


def totals(data: DigestData) -> dict[str, tuple[int, int]]:
    return {(t.item_key or t.free_text or "?"): (t.requested, t.requests) for t in data.totals}


async def test_filter_urgency(db: Database, scenario: Scenario) -> None:
    data = await load(db, Filters(urgency=Urgency.CRITICAL))
    assert counts(data) == (2, 1, 0, 0, 0, 0)
    assert totals(data) == {
        "syringe": (100, 1),
        "bandages": (20, 1),
        "gloves": (5, 1),
        "generator": (5, 2),
    }


async def test_filter_item_keys(db: Database, scenario: Scenario) -> None:
    data = await load(db, Filters(item_keys=("generator",)))
    assert counts(data) == (2, 1, 0, 0, 0, 1)
    # Only the filtered item's lines are totalled, and free text never matches a key.
    assert totals(data) == {"generator": (5, 2)}
    assert data.totals_other_count == 0


async def test_filter_empty_item_keys_matches_nothing(db: Database, scenario: Scenario) -> None:
    data = await load(db, Filters(item_keys=()))
    assert counts(data) == (0, 0, 0, 0, 0, 0)
    assert data.totals == [] and data.quiet


async def test_filter_raion(db: Database, scenario: Scenario) -> None:
    data = await load(db, Filters(raion="Криворізький"))
    assert counts(data) == (0, 1, 0, 0, 1, 1)
    assert [s.request.id for s in data.stale] == [scenario.ids["r6"]]
    assert totals(data) == {"bandages": (12, 3), "Дрова": (10, 1)}


async def test_filter_org(db: Database, scenario: Scenario) -> None:
    data = await load(db, Filters(org_id=scenario.org_a))
    assert counts(data) == (2, 1, 3, 1, 2, 0)
    assert {r.org_id for r in data.critical_open + data.new + data.overdue} == {scenario.org_a}


async def test_filters_combine(db: Database, scenario: Scenario) -> None:
    data = await load(db, Filters(org_id=scenario.org_a, urgency=Urgency.HIGH))
    assert counts(data) == (0, 0, 2, 0, 0, 0)


async def test_list_limit_caps_lists_not_counts(db: Database, scenario: Scenario) -> None:
    data = await load(db, list_limit=1)
    assert counts(data) == (2, 2, 3, 1, 3, 1)
    assert [len(x) for x in (data.critical_open, data.new, data.status_changes, data.stale)] == [
        1,
        1,
        1,
        1,
    ]
    assert data.status_changes[0].status is Status.PLEDGED  # the newest


async def test_delivered_window_is_half_open(db: Database) -> None:
    org = await add_org(db, "Лікарня", "Дніпровський")
    at_start = await add_request(db, org, START - DAY)
    await set_status(db, at_start, Status.DELIVERED, START)
    at_end = await add_request(db, org, START - DAY)
    await set_status(db, at_end, Status.DELIVERED, END)
    data = await load(db)
    assert data.delivered_count == 1
    assert [d.request.id for d in data.delivered] == [at_start]
    # The next window picks up the one at the end, once.
    later = await load(db, start=END, end=END + DAY)
    assert [d.request.id for d in later.delivered] == [at_end]


async def test_closed_requests_leave_standing_sections(db: Database) -> None:
    org = await add_org(db, "Лікарня", "Дніпровський")
    for status in (Status.DELIVERED, Status.DECLINED, Status.WITHDRAWN):
        rid = await add_request(
            db, org, START - 30 * DAY, urgency=Urgency.CRITICAL, needed_by=TODAY - DAY
        )
        await set_status(db, rid, status, START - 29 * DAY)
    data = await load(db)
    assert counts(data) == (0, 0, 0, 0, 0, 0)
    assert data.totals == [] and data.quiet


async def test_totals_top_30_and_remainder(db: Database) -> None:
    org = await add_org(db, "Лікарня", "Дніпровський")
    keys = ["bandages", "gauze", "dressings", "tourniquet", "syringe", "needle", "iv_cannula"]
    keys += ["gloves", "face_mask", "sutures", "hospital_bed", "stretcher", "wheelchair"]
    keys += ["patient_monitor", "defibrillator", "ventilator", "ultrasound", "antibiotics"]
    keys += ["painkillers", "insulin", "iv_fluids", "antiseptic", "generator", "transformer"]
    keys += ["fuel", "cable", "battery", "power_bank", "power_station", "solar_panel"]
    keys += ["inverter", "ups"]
    assert len(keys) == 32
    for n, key in enumerate(keys, 1):
        await add_request(db, org, START - DAY, (key, None, n * 10, "pcs"))
    # The same item in another unit is a line of its own.
    await add_request(db, org, START - DAY, ("fuel", None, 5, "l"))
    data = await load(db)
    assert len(data.totals) == 30
    assert data.totals_other_count == 3
    assert [t.item_key for t in data.totals[:2]] == ["ups", "inverter"]
    assert [t.outstanding for t in data.totals] == sorted(
        (t.outstanding for t in data.totals), reverse=True
    )


async def test_quiet_when_nothing_happened(db: Database) -> None:
    data = await load(db)
    assert data.quiet
    assert counts(data) == (0, 0, 0, 0, 0, 0)
    assert data.totals == [] and data.totals_other_count == 0


async def test_invalid_arguments(db: Database) -> None:
    with pytest.raises(ValueError, match="window"):
        await load(db, start=END, end=END)
    with pytest.raises(ValueError, match="list_limit"):
        await load(db, list_limit=0)


async def test_migration_adds_digest_indexes(db: Database) -> None:
    indexes = (
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        if db.engine == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'index'"
    )
    async with db.read() as conn:
        cur = await conn.execute(indexes)
        names = {row[0] for row in await cur.fetchall()}
    assert {
        "requests_created",
        "requests_status_needed_by",
        "requests_reconfirm",
        "request_items_totals",
    } <= names
