"""Exports written row by row where they are drawn (issues 11, 14, 17): through the engine
and the render process, split at the platform's file limit, with the shipment column.

Every file is opened again (openpyxl, the csv module, libhxl) and read cell by cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import hxl
import pytest
from openpyxl import load_workbook

from bot.file_renderers import FileRenderers
from handlers.coordination.hxl_export import CSV_MIME, XLSX_MIME
from handlers.core.events import Document
from handlers.text.i18n import Language
from storage import requests, shipments
from storage.models import NeedItemDraft, Urgency
from storage.shipment_models import NewLine, ShipmentDraft, ShipmentStatus
from tests.engine_harness import EngineHarness
from tests.handlers.test_export import COORD, HXL, Seeded, export, seed
from tests.handlers.test_export_hxl import SCHEMA

EXTRA_REQUESTS = 60  # two item lines each, beside seed()'s three


async def seed_many(h: EngineHarness, s: Seeded) -> int:
    """``EXTRA_REQUESTS`` more requests of the hospital; the number of item lines in all."""
    now = h.clock()
    async with h.db.transaction() as conn:
        for n in range(EXTRA_REQUESTS):
            await requests.add_request(
                conn,
                org_id=s.hospital_id,
                created_by=s.nurse.id,
                urgency=Urgency.HIGH,
                needed_by=None,
                delivery_place=None,
                note=f"Нотатка {n}",
                items=[
                    NeedItemDraft(item_key="generator", quantity=n + 1, unit="pcs"),
                    NeedItemDraft(free_text=f"Річ {n}", quantity=1, unit="pcs"),
                ],
                now=now + timedelta(minutes=n),
            )
    return 3 + 2 * EXTRA_REQUESTS


def csv_rows(doc: Document, delimiter: str = ";") -> list[list[str]]:
    return list(
        csv.reader(io.StringIO(doc.data.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    )


def xlsx_rows(doc: Document) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(doc.data)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def rows_of(doc: Document) -> list[list[Any]]:
    return xlsx_rows(doc) if doc.mime_type == XLSX_MIME else csv_rows(doc)


@pytest.fixture
async def in_process(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    """The running bot's renderers: files drawn by the render process, which reads the
    export's rows from the database file itself."""
    renderers = FileRenderers(process=True)
    h = await EngineHarness.create(tmp_path / "bot.db", renderers=renderers)
    try:
        yield h
    finally:
        renderers.close()
        await h.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_the_render_process_reads_and_writes_the_export(
    in_process: EngineHarness, fmt: str
) -> None:
    h = in_process
    s = await seed(h)
    lines = await seed_many(h, s)
    replies = await h.report(COORD, f"/export {fmt}")
    (doc,) = [r.document for r in replies if r.document is not None]
    assert doc.mime_type == (XLSX_MIME if fmt == "xlsx" else CSV_MIME)
    rows = rows_of(doc)
    assert rows[1] == HXL
    data = rows[2:]
    assert len(data) == lines
    ids = [row[0] for row in data]
    # The export's order: by request, then item position.
    assert ids == sorted(ids, key=lambda ref: int(ref.removeprefix("R-")))
    assert ids[:3] == [f"R-{s.first}", f"R-{s.first}", f"R-{s.second}"]
    last = data[-1]
    assert last[HXL.index("#item+name+i_uk")] == f"Річ {EXTRA_REQUESTS - 1}"
    assert last[HXL.index("#description")] == f"Нотатка {EXTRA_REQUESTS - 1}"
    requested = last[HXL.index("#item+num+requested")]
    assert int(requested) == 1
    # The same rows as the file drawn in this process from rows read here.
    single = await export(h, s.coord, fmt)
    assert rows_of(single) == rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_a_file_past_the_platforms_limit_comes_in_announced_parts(
    harness: EngineHarness, fmt: str
) -> None:
    h = harness
    s = await seed(h)
    lines = await seed_many(h, s)
    whole = await export(h, s.coord, fmt)
    # Small enough that the file needs three parts or more, large enough for a part's
    # fixed share (the header rows; the workbook's styles and about sheet).
    limit = len(whole.data) // 3 + (6_000 if fmt == "xlsx" else 0)
    h.engine.ctx.file_limits.register("telegram", lambda: limit)
    replies = await h.report(COORD, f"/export {fmt}")
    docs = [r.document for r in replies if r.document is not None]
    count = len(docs)
    assert count >= 3
    t = h.engine.ctx.t
    first = 1
    parts: list[list[Any]] = []
    for number, doc in enumerate(docs, start=1):
        assert len(doc.data) <= limit
        rows = rows_of(doc)
        # Each part is a whole file: its own header and HXL rows.
        assert rows[:2] == rows_of(whole)[:2]
        last = first + len(rows) - 3
        assert doc.caption is not None
        assert doc.caption.startswith(
            t("uk", "export.part", part=number, parts=count, first=first, last=last)
        )
        assert t("uk", "export.caption", rows=lines) in doc.caption
        assert doc.filename.endswith(f"-{number}-of-{count}.{fmt}")
        parts.extend(rows[2:])
        first = last + 1
    # Nothing lost, nothing repeated, in the same order.
    assert parts == rows_of(whole)[2:]
    assert first - 1 == lines


async def test_no_split_under_the_limit(harness: EngineHarness) -> None:
    s = await seed(harness)
    harness.engine.ctx.file_limits.register("telegram", lambda: 1_000_000)
    replies = await harness.report(COORD, "/export csv")
    (doc,) = [r.document for r in replies if r.document is not None]
    assert doc.filename == "aidbridge-export-2026-11-24.csv"
    assert doc.data == (await export(harness, s.coord, "csv")).data


async def add_shipment(h: EngineHarness, s: Seeded, item_ids: list[int], name: str) -> int:
    """A planned shipment carrying one of each of ``item_ids``."""
    now = h.clock()
    async with h.db.transaction() as conn:
        lines = []
        for item_id in item_ids:
            rows = await conn.execute_fetchall(
                "SELECT r.id, r.org_id, i.item_key, i.free_text, i.unit"
                " FROM request_items i JOIN requests r ON r.id = i.request_id WHERE i.id = ?",
                (item_id,),
            )
            request_id, org_id, item_key, free_text, unit = next(iter(rows))
            lines.append(
                NewLine(
                    request_id=request_id,
                    item_id=item_id,
                    dest_org_id=org_id,
                    item_key=item_key,
                    free_text=free_text,
                    unit=unit,
                    quantity=1,
                )
            )
        shipment = await shipments.add_shipment(
            conn, ShipmentDraft(name=name), created_by=s.admin.id, now=now
        )
        await shipments.add_lines(
            conn, shipment.id, lines, status=ShipmentStatus.PLANNED, actor_id=s.admin.id, now=now
        )
    return shipment.id


SHIPMENT_TITLES = {"uk": "Вантаж", "de": "Transport", "en": "Shipment"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "hxl"])
@pytest.mark.parametrize("lang", ["uk", "de", "en"])
async def test_the_shipment_column(harness: EngineHarness, fmt: str, lang: Language) -> None:
    h = harness
    s = await seed(h)
    items = [int(row[0]) for row in await h.rows("SELECT id FROM request_items ORDER BY id")]
    bandages, free, generator = items
    one = await add_shipment(h, s, [bandages, free], "Перший")
    two = await add_shipment(h, s, [bandages], "Другий")
    cancelled = await add_shipment(h, s, [generator], "Скасований")
    async with h.db.transaction() as conn:
        assert await shipments.set_status(
            conn,
            cancelled,
            ShipmentStatus.CANCELLED,
            expected=ShipmentStatus.PLANNED,
            actor_id=s.admin.id,
            note=None,
            now=h.clock(),
        )
    doc = await export(h, s.coord, fmt, lang=lang)
    dataset = hxl.data(io.BytesIO(doc.data)).cache()
    errors: list[Any] = []
    schema = [*SCHEMA, ["#meta+shipment", "", "", "", r"^S-\d+(, S-\d+)*$"]]
    assert hxl.schema(schema, callback=errors.append).validate(dataset), [str(e) for e in errors]
    assert [column.display_tag for column in dataset.columns] == HXL
    assert [column.header for column in dataset.columns][-1] == SHIPMENT_TITLES[lang]
    # A line on two shipments names both; a cancelled shipment carries nothing.
    assert [row.get("#meta+shipment") or None for row in dataset] == [
        f"S-{one}, S-{two}",
        f"S-{one}",
        None,
    ]
