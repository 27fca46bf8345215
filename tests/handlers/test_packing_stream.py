"""Packing lists streamed from the database (issue 17): the render process reads the lines a
page at a time and writes them as they come (bot/packing_writer.py).

- a list that fits is the workbook the whole-list code drew (openpyxl over the sheets built
  in memory), cell by cell, on SQLite and PostgreSQL; its CSV the same bytes;
- past the platform's file limit the list comes in parts, each announced, each within the
  limit, and together they hold every line exactly once, on the summaries and on the
  delivery notes;
- memory does not grow with the number of lines (tracemalloc's peak, not a clock).
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.file_renderers import FileRenderers
from bot.packing_writer import write_packing
from bot.xlsx_drawing import render_workbook
from handlers.core.location_policy import Detail
from handlers.requests.catalog import Catalog
from handlers.shipments.packing_list import PackingLayout, PackingSpec
from handlers.text.i18n import Language, Translator
from handlers.text.workbook import Sheet, to_csv
from handlers.text.workbook import Workbook as BookModel
from storage import organisations, packing_lines, shipments
from storage.models import Identity, OrgKind, Role
from storage.packing_lines import packing_snapshot
from storage.shipment_models import NewLine, ShipmentDraft, ShipmentLine, ShipmentStatus
from storage.timefmt import to_db
from tests.engine_harness import DNIPRO, EngineHarness

COORD = Identity(transport="telegram", user_id="301")
MARK = re.compile(r"^Ware (\d+)$")
# Catalogue items and free text, so both the catalogue's names and the typed text show.
ITEMS = (("bandages", None, "pack"), (None, "Ware {n}", "pcs"), ("generator", None, "pcs"))


async def truck(h: EngineHarness, *, destinations: int, lines: int) -> int:
    """A carrier, ``destinations`` hospitals (one with a name a spreadsheet would run, one
    not placed) and a shipment of ``lines`` lines put on in turn across them, so a
    destination's lines are not one run of ids; each free-text line is "Ware <n>"."""
    now = h.clock()
    async with h.db.transaction() as conn:
        carrier = await organisations.add_organisation(
            conn,
            kind=OrgKind.NGO,
            name="Hilfswerk NRW",
            raion="-",
            settlement="Köln",
            code=None,
            address=None,
            now=now,
        )
        dests = []
        for d in range(destinations):
            org = await organisations.add_organisation(
                conn,
                kind=OrgKind.HOSPITAL,
                name='=HYPERLINK("x")' if d == 1 else f"Лікарня {d}",
                raion="Дніпровський",
                settlement="Дніпро",
                code=f"{d:08d}",
                address=f"вул. Тестова, {d}",
                now=now,
                place=DNIPRO if d != 2 else None,
            )
            dests.append(org.id)
        shipment = await shipments.add_shipment(
            conn,
            ShipmentDraft(
                name="NRW 48/2026", carrier_org_id=carrier.id, hub_org_id=dests[0], waybill="=CMR"
            ),
            created_by=None,
            now=now,
        )
        await shipments.add_lines(
            conn,
            shipment.id,
            [_line(n, dests[n % destinations]) for n in range(min(lines, 50))],
            status=ShipmentStatus.PLANNED,
            actor_id=None,
            now=now,
        )
    if lines > 50:  # the rest in one statement: thousands of lines in a test's time
        raw = sqlite3.connect(h.db.path)
        with raw:
            raw.executemany(
                "INSERT INTO shipment_lines (shipment_id, dest_org_id, item_key, free_text,"
                " unit, quantity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        shipment.id,
                        line.dest_org_id,
                        line.item_key,
                        line.free_text,
                        line.unit,
                        line.quantity,
                        to_db(now),
                    )
                    for line in (_line(n, dests[n % destinations]) for n in range(50, lines))
                ],
            )
        raw.close()
    return shipment.id


def _line(n: int, dest: int) -> NewLine:
    key, text, unit = ITEMS[n % len(ITEMS)]
    return NewLine(
        dest_org_id=dest,
        item_key=key,
        free_text=None if text is None else text.format(n=n),
        unit=unit,
        quantity=n + 1,
    )


async def reference(h: EngineHarness, spec: PackingSpec) -> tuple[BookModel, PackingLayout]:
    """The whole list built in memory, as the code before streaming built it: every line
    read, the summary, then one delivery note per destination."""
    async with h.db.snapshot() as conn:
        lines = await shipments.list_lines(conn, spec.shipment_id)
    with packing_snapshot(h.db.location) as snapshot:
        head = snapshot.head(spec.shipment_id)
    assert head is not None
    layout = PackingLayout(spec, head, t=Translator(), catalog=Catalog.default())
    sheets = [
        Sheet.from_rows(
            layout.summary_title,
            layout.heads,
            [layout.summary_row(n, line) for n, line in enumerate(lines, 1)],
            notes=layout.summary_notes,
        )
    ]
    by_dest: dict[int, list[ShipmentLine]] = {}
    for line in lines:
        by_dest.setdefault(line.dest_org_id, []).append(line)
    for index, (dest, group) in enumerate(by_dest.items(), 1):
        sheets.append(
            Sheet.from_rows(
                layout.note_title(index, dest),
                layout.note_heads,
                [layout.note_row(n, line) for n, line in enumerate(group, 1)],
                notes=layout.note_notes(dest),
            )
        )
    return BookModel(sheets=tuple(sheets)), layout


def _cells(sheet: Worksheet) -> list[list[tuple[object, str | None, bool, bool]]]:
    """Value, type (of a cell that has a value: an empty one's is the writer's habit), and
    the labels' bold and italic."""
    return [
        [
            (c.value, None if c.value is None else c.data_type, bool(c.font.b), bool(c.font.i))
            for c in row
        ]
        for row in sheet.iter_rows()
    ]


@pytest.mark.parametrize("lang", ["de", "uk"])
async def test_a_list_that_fits_is_the_workbook_it_was(
    any_harness: EngineHarness, lang: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = any_harness
    # Pages of 7 lines: the keyset reads cross destinations and pages on both engines.
    monkeypatch.setattr(packing_lines, "PAGE", 7)
    shipment_id = await truck(h, destinations=4, lines=40)
    spec = PackingSpec(shipment_id=shipment_id, fmt="xlsx", lang=lang, level=Detail.FULL)
    files = FileRenderers().packing_list(spec, db_path=h.db.location)
    assert files is not None and len(files.parts) == 1 and files.total == 40
    model, _ = await reference(h, spec)
    was = load_workbook(io.BytesIO(render_workbook(model)))
    now = load_workbook(io.BytesIO(files.parts[0].data))
    assert now.sheetnames == was.sheetnames and len(was.sheetnames) == 5
    for old, new in zip(was.worksheets, now.worksheets, strict=True):
        assert _cells(new) == _cells(old), old.title
        assert new.freeze_panes == old.freeze_panes
        old_widths, new_widths = _widths(old), _widths(new)
        assert old_widths.keys() == new_widths.keys() and len(old_widths) == 14
        for column, width in old_widths.items():
            # XlsxWriter stores Excel's padded width; the same column, within a character.
            assert abs(new_widths[column] - width) < 1, (old.title, column)

    as_csv = FileRenderers().packing_list(
        spec.model_copy(update={"fmt": "csv"}), db_path=h.db.location
    )
    assert as_csv is not None
    delimiter = ";" if lang != "en" else ","
    assert as_csv.parts[0].data == to_csv(model.sheets[0], delimiter=delimiter)


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _labels_and_data(
    sheet: Worksheet, number_title: str
) -> tuple[list[object], list[list[object]]]:
    """The note lines above the header row (found by its first title), and the data rows
    below the HXL row."""
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == number_title)
    return [row[0] for row in rows[:header]], [row for row in rows[header + 2 :] if row[0]]


def _widths(sheet: Worksheet) -> dict[int, float]:
    """Each column's width; XlsxWriter writes neighbours of one width as one range."""
    widths = {}
    for dim in sheet.column_dimensions.values():
        for column in range(dim.min, dim.max + 1):
            widths[column] = dim.width
    return widths


def _markers(values: list[object]) -> list[int]:
    found = []
    for value in values:
        match = MARK.match(str(value))
        if match:
            found.append(int(match.group(1)))
    return found


async def test_past_the_limit_the_list_comes_in_announced_parts(harness: EngineHarness) -> None:
    h = harness
    lines, limit = 3_000, 60_000
    shipment_id = await truck(h, destinations=3, lines=lines)
    async with h.db.transaction() as conn:
        coordinator_org = await organisations.add_organisation(
            conn,
            kind=OrgKind.NGO,
            name="Koordination",
            raion="-",
            settlement="Bonn",
            code=None,
            address=None,
            now=h.clock(),
        )
    await h.join(COORD, coordinator_org.id, role=Role.COORDINATOR, lang="de")
    h.engine.ctx.file_limits.register("telegram", lambda: limit)

    replies = await h.report(COORD, f"/shipment list S-{shipment_id}")
    documents = [r.document for r in replies if r.document is not None]
    count = len(documents)
    assert count >= 3
    t = Translator()
    free_text = [n for n in range(lines) if ITEMS[n % len(ITEMS)][1] is not None]
    summary_seen: Counter[int] = Counter()
    notes_seen: Counter[int] = Counter()
    numbers: list[int] = []
    first = 1
    for part, doc in enumerate(documents, 1):
        assert doc.filename == f"packing-list-S-{shipment_id}-{part}-of-{count}.xlsx"
        assert len(doc.data) <= limit
        book = load_workbook(io.BytesIO(doc.data))
        labels, rows = _labels_and_data(book.worksheets[0], "Nr.")
        last = first + len(rows) - 1
        assert doc.caption is not None and doc.caption.startswith(
            t("de", "ship.pl.part", part=part, parts=count, first=_n(first), last=_n(last))
        )
        assert t("de", "ship.pl.caption", ref=f"S-{shipment_id}", lines=_n(lines)) in doc.caption
        # The summary says which lines it holds too: a file forwarded without its caption.
        assert labels[-1] == t(
            "de", "ship.pl.part_note", part=part, first=_n(first), last=_n(last), total=_n(lines)
        )
        numbers += [int(str(row[0])) for row in rows]
        summary_seen.update(_markers([row[6] for row in rows]))
        for sheet in book.worksheets[1:]:
            labels, data = _labels_and_data(sheet, "№")
            assert str(labels[0]).startswith("Акт приймання-передачі") and data
            dest_numbers = [int(str(row[0])) for row in data]
            assert dest_numbers == list(range(dest_numbers[0], dest_numbers[0] + len(data)))
            if dest_numbers[0] > 1:  # split: it says which of the recipient's lines it holds
                assert str(labels[-2]).startswith(f"Рядки {_n(dest_numbers[0])}–")
            notes_seen.update(_markers([row[6] for row in data]))
        first = last + 1
    # Every line exactly once, numbered 1.. in order across the parts.
    assert numbers == list(range(1, lines + 1))
    assert summary_seen == Counter(free_text)
    assert notes_seen == Counter(free_text)


async def test_a_csv_in_parts_holds_every_line_once(harness: EngineHarness) -> None:
    h = harness
    lines, limit = 2_000, 30_000
    shipment_id = await truck(h, destinations=2, lines=lines)
    spec = PackingSpec(
        shipment_id=shipment_id, fmt="csv", lang="en", level=Detail.AREA, max_bytes=limit
    )
    files = FileRenderers().packing_list(spec, db_path=h.db.location)
    assert files is not None and len(files.parts) >= 3 and files.total == lines
    seen: Counter[int] = Counter()
    expected_first = 1
    for part in files.parts:
        assert len(part.data) <= limit and part.first == expected_first
        rows = list(csv.reader(io.StringIO(part.data.decode("utf-8-sig"), newline="")))
        assert rows[1][:3] == ["", "#meta+id", "#org+name"]  # each part has its labels
        body = rows[2:]
        assert len(body) == part.lines
        assert [int(r[0]) for r in body] == list(range(part.first, part.first + part.lines))
        seen.update(_markers([r[6] for r in body]))
        expected_first += part.lines
    assert expected_first == lines + 1
    assert seen == Counter(n for n in range(lines) if ITEMS[n % len(ITEMS)][1] is not None)


def _peak(db: str, spec: PackingSpec, out: Path) -> int:
    out.mkdir()
    tracemalloc.start()
    try:
        written = write_packing(spec, db_path=db, out_dir=str(out))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.found and len(written.parts) == 1
    return peak


async def test_memory_does_not_grow_with_the_lines(tmp_path: Path) -> None:
    """tracemalloc's peak of writing 1,500 and 12,000 lines: the same within a margin (the
    lines are read 1,000 at a time and written as they come); the whole list in memory
    grew eightfold. The margin is 2x: the peaks are under 1 MB, and a page's texts and the
    XML around them vary by a few hundred KB between runs (1.38x seen once). Counted
    allocations, not time: the machine's load cannot move it."""
    peaks = {}
    for lines in (1_500, 12_000):
        h = await EngineHarness.create(tmp_path / f"{lines}.db")
        try:
            shipment_id = await truck(h, destinations=5, lines=lines)
            spec = PackingSpec(shipment_id=shipment_id, fmt="xlsx", lang="de", level=Detail.FULL)
            peaks[lines] = _peak(h.db.location, spec, tmp_path / f"out-{lines}")
        finally:
            await h.close()
    assert peaks[12_000] < peaks[1_500] * 2, peaks


async def test_an_empty_shipment_has_its_labels_and_an_unknown_one_nothing(
    harness: EngineHarness,
) -> None:
    h = harness
    shipment_id = await truck(h, destinations=1, lines=0)
    spec = PackingSpec(shipment_id=shipment_id, fmt="xlsx", lang="en", level=Detail.AREA)
    files = FileRenderers().packing_list(spec, db_path=h.db.location)
    assert files is not None and files.total == 0 and len(files.parts) == 1
    book = load_workbook(io.BytesIO(files.parts[0].data))
    assert book.sheetnames == ["Summary"]
    labels, data = _labels_and_data(book.worksheets[0], "No.")
    assert str(labels[0]).startswith("Packing list: S-") and data == []
    unknown = spec.model_copy(update={"shipment_id": shipment_id + 1})
    assert FileRenderers().packing_list(unknown, db_path=h.db.location) is None
