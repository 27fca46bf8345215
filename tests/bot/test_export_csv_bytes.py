"""The CSV export's bytes: the render process's writer against the reference writer.

The export writer (bot/export_writer.py) builds its CSV lines itself, for speed (issue 17:
100,000 lines under 3 s). The reference is the straightforward path it replaced and the
XLSX still takes: each row read as an ``ExportLine``, built into typed cells by
``export_layout``'s ``row`` and written by ``handlers.text.workbook.write_csv`` (the csv
module, the formula guard). On a database full of awkward values (formula prefixes, tabs,
CR, quotes, delimiters, newlines, Cyrillic, long text, empty values, numbers, dates around
midnight and the DST change, placed, unplaced and foreign organisations, retired items and
units, shipments, forgotten members), every combination of format, language and place
detail must come out byte for byte the same, split into the same parts; and the XLSX's rows
(``export_row_builder``) the same cells.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.export_writer import write_export
from handlers.coordination.hxl_export import ExportSpec, export_layout, export_row_builder
from handlers.core.location_policy import Detail
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Language, Translator
from handlers.text.workbook import Cell, ColumnHead, CsvFields, write_csv
from storage.db import open_database
from storage.exports import EXPORT_COLUMNS, export_snapshot
from storage.migrations import migrate
from storage.models import Filters, Status, Urgency
from storage.places import codifier

# Each a way a cell could come out wrong: a formula, a quote, a delimiter, a line break.
AWKWARD: tuple[str, ...] = (
    "=SUM(A1:A9)",
    '=HYPERLINK("http://evil.example","click")',
    "+380 67 123 45 67",
    "-5 °C",
    "@coordinator",
    "\tTab first",
    "\rCR first",
    "tab\tinside",
    'with "quotes" inside',
    '"quoted whole"',
    "comma, inside",
    "semicolon; inside",
    'both, and; and "',
    "two\nlines",
    "crlf\r\nline",
    "ends with newline\n",
    "Лікарня «Надія» №4",
    "Ґудзики, їжа та шприци",
    "'already an apostrophe",
    " leading space",
    "trailing space ",
    "emoji 🚑",
    "1,5",
    "3.14",
    "0042",
    "x" * 5000,
    "Довгий текст; " * 400,
    "plain",
)
UNITS = ("pcs", "packs", "kg", "boxes", "бочка", "=cmd")
TIMES = (
    datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # the next day in Berlin
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # the night clocks go forward
    datetime(2026, 10, 25, 0, 59, tzinfo=UTC),  # the night they go back
    datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    datetime(2025, 12, 31, 22, 59, 59, 999999, tzinfo=UTC),
)


def _text(rng: random.Random) -> str:
    return rng.choice(AWKWARD)


def _maybe(rng: random.Random) -> str | None:
    return None if rng.random() < 0.3 else ("" if rng.random() < 0.1 else _text(rng))


async def _seed(path: Path) -> None:
    """About 400 item lines over organisations of every kind of placement."""
    rng = random.Random(17)
    places = codifier()
    settlement = places["UA12020010010037010"]  # Дніпро
    hromada, raion = "UA12020010000033698", "UA12020000000052809"
    db = await open_database(path, None)
    await migrate(db)
    catalog = Catalog.default()
    keys = [*[item.key for item in catalog.items()][::7], "retired_item"]
    now = "2026-11-24T09:00:00.000000+00:00"
    try:
        async with db.transaction() as conn:
            org_ids = []
            placements = (
                (raion, hromada, settlement.code, 0),  # placed to the settlement
                (raion, hromada, None, 0),  # placed to the hromada
                (None, None, None, 0),  # not placed: typed raion and settlement
                (None, None, None, 1),  # outside the oblast
                ("UA00000000000000000", "UA00000000000000001", None, 0),  # codes unknown
            )
            kinds = ("hospital", "municipality", "ngo", "coordination", "company")
            for n in range(12):
                raion_code, hromada_code, settlement_code, outside = placements[n % 5]
                cursor = await conn.execute(
                    "INSERT INTO organisations (kind, name, code, raion, settlement, created_at,"
                    " raion_code, hromada_code, settlement_code, outside_oblast)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        kinds[n % len(kinds)],
                        f"Лікарня №{n}" if n < 3 else _text(rng),
                        None if n % 3 == 0 else ("" if n == 4 else _text(rng)),
                        "Дніпровський" if n % 2 else _text(rng),
                        "Село, Щось" if n == 2 else ("" if n == 7 else _text(rng)),
                        now,
                        raion_code,
                        hromada_code,
                        settlement_code,
                        outside,
                    ),
                )
                org_ids.append(cursor.lastrowid)
            member_ids = []
            for n in range(6):
                cursor = await conn.execute(
                    "INSERT INTO members (transport, user_id, chat_id, org_id, roles,"
                    " display_name, created_at, forgotten_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        ("telegram", "matrix", "console")[n % 3],
                        f"@u{n}:example.org" if n % 3 == 1 else str(1000 + n),
                        str(1000 + n),
                        org_ids[n],
                        "requester",
                        (None, "", "Олена Коваль", "=evil", 'Ann "A", B', "Jo")[n],
                        now,
                        now if n == 5 else None,
                    ),
                )
                member_ids.append(cursor.lastrowid)
            item_ids = []
            statuses = [status.value for status in Status]
            urgencies = [urgency.value for urgency in Urgency]
            for n in range(160):
                created = rng.choice(TIMES) + timedelta(seconds=n)
                cursor = await conn.execute(
                    "INSERT INTO requests (org_id, created_by, urgency, needed_by, note, status,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rng.choice(org_ids),
                        rng.choice([None, *member_ids]),
                        rng.choice(urgencies),
                        rng.choice([None, "2026-12-01", "2027-02-28", "2026-03-29"]),
                        _maybe(rng),
                        rng.choice(statuses),
                        created.isoformat(timespec="microseconds"),
                        now,
                    ),
                )
                request_id = cursor.lastrowid
                for position in range(rng.randint(1, 4)):
                    key = rng.choice([None, *keys])
                    quantity = rng.choice([1, 7, 250, 999_999, 1_000_000])
                    cursor = await conn.execute(
                        "INSERT INTO request_items (request_id, position, item_key, free_text,"
                        " spec, quantity, unit, pledged, delivered)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            request_id,
                            position,
                            key,
                            (_text(rng) if rng.random() < 0.9 else "") if key is None else None,
                            _maybe(rng),
                            quantity,
                            rng.choice(UNITS),
                            rng.randint(0, quantity),
                            rng.randint(0, quantity),
                        ),
                    )
                    item_ids.append((request_id, cursor.lastrowid))
            for n, status in enumerate(("planned", "departed", "cancelled", "closed")):
                cursor = await conn.execute(
                    "INSERT INTO shipments (name, status, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?)",
                    (f"Truck {n}", status, now, now),
                )
                shipment_id = cursor.lastrowid
                for request_id, item_id in rng.sample(item_ids, 60):
                    await conn.execute(
                        "INSERT INTO shipment_lines (shipment_id, request_id, item_id,"
                        " dest_org_id, free_text, unit, quantity, created_at)"
                        " VALUES (?, ?, ?, ?, 'x', 'pcs', 1, ?)",
                        (shipment_id, request_id, item_id, org_ids[0], now),
                    )
    finally:
        await db.close()


@pytest.fixture(scope="module")
async def awkward_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export-bytes") / "awkward.db"
    await _seed(path)
    return path


def _reference(spec: ExportSpec, db_path: Path, *, limit: int, offset: int) -> bytes:
    """The rows ``offset`` to ``offset + limit`` as the straightforward writer writes them."""
    layout = export_layout(spec, t=Translator(), catalog=Catalog.default())
    query = spec.query()
    assert query is not None
    out = io.StringIO(newline="")
    with export_snapshot(db_path) as snapshot:
        lines = snapshot.lines(query, limit=limit, offset=offset)
        write_csv(out, layout.heads, (layout.row(line) for line in lines), delimiter=spec.delimiter)
    return out.getvalue().encode("utf-8-sig" if spec.bom else "utf-8")


def _spec(fmt: str, lang: Language, detail: Detail, tz: str, **more: object) -> ExportSpec:
    return ExportSpec.model_validate(
        {
            "fmt": fmt,
            "filters": Filters(),
            "lang": lang,
            "include_contacts": detail is Detail.FULL,  # as for an admin
            "place_detail": detail,
            "tz": tz,
            **more,
        }
    )


@pytest.mark.parametrize("fmt", ["csv", "hxl"])
@pytest.mark.parametrize("lang", ["uk", "de", "en"])
@pytest.mark.parametrize("detail", [Detail.NONE, Detail.AREA, Detail.FULL])
def test_same_bytes_as_the_reference_writer(
    awkward_db: Path, tmp_path: Path, fmt: str, lang: Language, detail: Detail
) -> None:
    tz = "Asia/Kolkata" if detail is Detail.NONE else "Europe/Berlin"
    spec = _spec(fmt, lang, detail, tz)
    written = write_export(spec, db_path=str(awkward_db), out_dir=str(tmp_path))
    (part,) = written.parts
    data = Path(part.path).read_bytes()
    expected = _reference(spec, awkward_db, limit=spec.limit, offset=0)
    assert part.rows > 300
    assert data == expected
    # Not two equally wrong files: the reference holds what the data holds.
    text = expected.decode()
    assert "'=SUM(A1:A9)" in text
    assert '"with ""quotes"" inside"' in text


@pytest.mark.parametrize("fmt", ["csv", "hxl"])
def test_parts_are_the_reference_rows_split(awkward_db: Path, tmp_path: Path, fmt: str) -> None:
    spec = _spec(fmt, "de", Detail.FULL, "Europe/Berlin", max_bytes=60_000, limit=350)
    written = write_export(spec, db_path=str(awkward_db), out_dir=str(tmp_path))
    assert len(written.parts) > 2
    assert sum(part.rows for part in written.parts) == 350
    offset = 0
    for part in written.parts:
        data = Path(part.path).read_bytes()
        assert data == _reference(spec, awkward_db, limit=part.rows, offset=offset)
        assert len(data) <= 60_000 or part.rows == 1
        offset += part.rows


def _csv_module(cells: Sequence[Cell], delimiter: str) -> str:
    out = io.StringIO(newline="")
    write_csv(out, [ColumnHead(title="a")] * len(cells), [cells], delimiter=delimiter)
    return out.getvalue().split("\r\n", 1)[1]  # the data line, after the title row


@given(
    cells=st.lists(st.one_of(st.none(), st.text(), st.integers()), min_size=2, max_size=6),
    delimiter=st.sampled_from([";", ",", "\t"]),
)
def test_fields_are_what_the_csv_module_writes(cells: list[Cell], delimiter: str) -> None:
    field = CsvFields(delimiter)
    assert delimiter.join(map(field, cells)) + "\r\n" == _csv_module(cells, delimiter)


def test_rows_come_in_export_columns_order(awkward_db: Path) -> None:
    """csv_line_builder unpacks a row by ``EXPORT_COLUMNS``: the query's own names."""
    query = _spec("csv", "uk", Detail.FULL, "UTC").query()
    assert query is not None
    with export_snapshot(awkward_db) as snapshot:
        cursor = snapshot._raw.execute(f"{query.sql} LIMIT 1", query.args)
        names = tuple(column[0] for column in cursor.description)
    assert names == EXPORT_COLUMNS


@pytest.mark.parametrize("lang", ["uk", "de", "en"])
@pytest.mark.parametrize("detail", [Detail.NONE, Detail.AREA, Detail.FULL])
def test_xlsx_rows_are_the_reference_cells(
    awkward_db: Path, lang: Language, detail: Detail
) -> None:
    """The XLSX's rows (``export_row_builder``, its organisations read once) are the cells
    ``row_builder`` makes of each ``ExportLine``, value and type."""
    spec = _spec("xlsx", lang, detail, "Europe/Berlin")
    t, catalog = Translator(), Catalog.default()
    layout = export_layout(spec, t=t, catalog=catalog)
    fast_query, query = spec.query(org_columns=False), spec.query()
    assert fast_query is not None and query is not None
    with export_snapshot(awkward_db) as snapshot:
        build = export_row_builder(
            lang=lang,
            t=t,
            catalog=catalog,
            include_contacts=spec.include_contacts,
            place_detail=detail,
            tz=ZoneInfo(spec.tz),
            organisation=snapshot.organisation,
        )
        fast = [
            build(row)
            for batch in snapshot.batches(fast_query, limit=spec.limit, size=7)
            for row in batch
        ]
        expected = [layout.row(line) for line in snapshot.lines(query, limit=spec.limit)]
    assert len(fast) > 300
    assert fast == expected
    assert [list(map(type, row)) for row in fast] == [list(map(type, row)) for row in expected]
