"""/shipment list S-1: the packing list, opened again with openpyxl and read cell by cell."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from bot.file_renderers import FileRenderers
from handlers.core.location_policy import Detail
from handlers.shipments.packing_list import COLUMNS, XLSX_MIME, PackingSpec
from handlers.text.i18n import Translator
from storage import organisations
from storage.models import Identity, OrgKind, Placement, Role
from tests.engine_harness import ADMIN, DNIPRO, EngineHarness

COORD = Identity(transport="telegram", user_id="301")
NURSE_A = Identity(transport="telegram", user_id="101")
NURSE_B = Identity(transport="telegram", user_id="102")
HXL = [tag or None for _, tag, _ in COLUMNS]
DNIPRO_DE = (
    "Stadt Дніпро (Dnipro), Hromada Дніпровська (Dniprovska), Rajon Дніпровський (Dniprovskyi)"
)


async def add(
    h: EngineHarness,
    kind: OrgKind,
    name: str,
    code: str | None,
    address: str | None,
    place: Placement | None = None,
) -> int:
    async with h.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=kind,
            name=name,
            raion="Дніпровський",
            settlement="Дніпро",
            code=code,
            address=address,
            now=h.clock(),
            place=place,
        )
    return org.id


async def test_packing_list_cell_by_cell(harness: EngineHarness) -> None:
    h = harness
    t = Translator()
    ngo = await add(h, OrgKind.NGO, "Hilfswerk NRW", None, None)
    a = await add(h, OrgKind.HOSPITAL, "Лікарня А", "01234567", "вул. Тестова, 1", DNIPRO)
    b = await add(h, OrgKind.HOSPITAL, '=HYPERLINK("x")', "76543210", "-1+1")  # not placed
    await h.join(COORD, ngo, role=Role.COORDINATOR, lang="de")
    await h.join(NURSE_A, a)
    await h.join(NURSE_B, b)
    await h.need_and_submit(NURSE_A, "/need 200 уп бинти; 2 генератор")
    await h.need_and_submit(NURSE_B, "/need 30 термоковдри")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/pledge R-1002")
    await h.send(
        COORD, "/shipment new NRW 48/2026; carrier Hilfswerk; waybill =CMR 4711; departs 04.12.2026"
    )
    await h.send(COORD, "/shipment add S-1 R-1001 бинти 150")
    await h.send(COORD, "/shipment add S-1 R-1002")
    await h.send(COORD, "/shipment add S-1 R-1001 генератор 2")

    replies = await h.report(COORD, "/shipment list S-1")
    documents = [r.document for r in replies if r.document is not None]
    assert len(documents) == 1
    doc = documents[0]
    assert doc.filename == "packing-list-S-1.xlsx" and doc.mime_type == XLSX_MIME
    assert doc.caption == t("de", "ship.pl.caption", ref="S-1", lines=3)
    book = load_workbook(io.BytesIO(doc.data))
    # A summary in the reader's language, then one sheet per destination (names cleaned for
    # Excel: no quotes are lost, only what Excel forbids).
    assert book.sheetnames == ["Übersicht", "1 Лікарня А", '2 =HYPERLINK("x")']

    summary = book["Übersicht"]
    notes = [summary.cell(row=r, column=1).value for r in range(1, 5)]
    assert notes == [
        "Packliste: S-1 „NRW 48/2026“",
        "Träger: Hilfswerk NRW",
        "Frachtbrief (CMR): =CMR 4711",
        "Abfahrt: Freitag, 04.12.2026",
    ]
    assert summary.cell(row=2, column=1).data_type == "s"
    header = [c.value for c in summary[5]]
    assert header == [t("de", f"ship.pl.col.{key}") for key, _, _ in COLUMNS]
    assert [c.value for c in summary[6]] == HXL
    assert summary.freeze_panes == "A7"
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=7)]
    assert rows == [
        [
            1,
            "R-1001",
            "Лікарня А (Likarnia A)",
            "01234567",
            "вул. Тестова, 1",  # the carrier's member: the street address and settlement
            DNIPRO_DE,
            "Бинт",
            "Mullbinde",
            "bandages",
            150,
            "уп.",
            "Pkg.",
            "Hilfswerk NRW",
            "=CMR 4711",
        ],
        [
            2,
            "R-1001",
            "Лікарня А (Likarnia A)",
            "01234567",
            "вул. Тестова, 1",
            DNIPRO_DE,
            "Генератор",
            "Stromerzeuger",
            "generator",
            2,
            "шт.",
            "Stk.",
            "Hilfswerk NRW",
            "=CMR 4711",
        ],
        [
            3,
            "R-1002",
            '=HYPERLINK("x")',
            "76543210",
            "-1+1",
            "Дніпро (Dnipro), Дніпровський (Dniprovskyi)",  # as typed: not placed yet
            "Термоковдра",
            "Rettungsdecke",
            "rescue_blanket",
            30,
            "шт.",
            "Stk.",
            "Hilfswerk NRW",
            "=CMR 4711",
        ],
    ]
    # Text from the chat is text, never a formula; quantities are numbers.
    for row in summary.iter_rows(min_row=7):
        assert all(c.data_type != "f" for c in row)
        assert row[9].data_type == "n"

    # The delivery note for hospital B, in Ukrainian, with room for the signature.
    note = book['2 =HYPERLINK("x")']
    lines = [note.cell(row=r, column=1).value for r in range(1, 7)]
    assert lines[0] == "Акт приймання-передачі гуманітарної допомоги: транспорт S-1 «NRW 48/2026»"
    assert lines[1] == (
        'Отримувач: =HYPERLINK("x"); код ЄДРПОУ: 76543210; адреса: -1+1 · Дніпро, Дніпровський'
    )
    assert lines[2:5] == [
        "Перевізник: Hilfswerk NRW",
        "Накладна (CMR): =CMR 4711",
        "Відправлення: пʼятниця, 04.12.2026",
    ]
    assert lines[5] is not None and lines[5].startswith("Отримав(ла): ____")
    assert [c.value for c in note[7]] == [t("uk", f"ship.pl.col.{k}") for k, _, _ in COLUMNS]
    assert [c.value for c in note[8]] == HXL
    assert [[c.value for c in row][:10] for row in note.iter_rows(min_row=9)] == [
        [
            1,
            "R-1002",
            '=HYPERLINK("x")',
            "76543210",
            "-1+1",
            "Дніпро, Дніпровський",
            "Термоковдра",
            "Rettungsdecke",
            "rescue_blanket",
            30,
        ],
    ]
    assert note.cell(row=2, column=1).data_type == "s"


async def test_packing_list_is_for_coordinators_and_known_shipments(
    harness: EngineHarness,
) -> None:
    h = harness
    a = await add(h, OrgKind.HOSPITAL, "Лікарня А", None, None)
    ngo = await add(h, OrgKind.NGO, "Hilfswerk NRW", None, None)
    await h.join(NURSE_A, a)
    await h.join(COORD, ngo, role=Role.COORDINATOR, lang="en")
    replies = await h.report(COORD, "/shipment list S-9")
    assert [r.document for r in replies] == [None] and "S-9" in replies[0].text
    replies = await h.report(NURSE_A, "/shipment list S-9")
    assert all(r.document is None for r in replies) and "S-9" not in replies[0].text


async def test_packing_list_as_csv(harness: EngineHarness) -> None:
    h = harness
    ngo = await add(h, OrgKind.NGO, "Hilfswerk NRW", None, None)
    a = await add(h, OrgKind.HOSPITAL, "=Лікарня; А", "01234567", "вул. Тестова, 1")
    await h.join(COORD, ngo, role=Role.COORDINATOR, lang="de")
    await h.join(NURSE_A, a)
    await h.need_and_submit(NURSE_A, "/need 200 уп бинти")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new NRW 48/2026; carrier Hilfswerk; waybill CMR 4711")
    await h.send(COORD, "/shipment add S-1 R-1001 бинти 150")
    replies = await h.report(COORD, "/shipment list S-1 pdf")
    assert "csv" in replies[0].text and all(r.document is None for r in replies)
    replies = await h.report(COORD, "/shipment list S-1 csv")
    doc = next(r.document for r in replies if r.document is not None)
    assert doc.filename == "packing-list-S-1.csv" and doc.mime_type == "text/csv"
    text = doc.data.decode("utf-8-sig")
    rows = text.split("\r\n")
    t = Translator()
    # German Excel splits at ";": a ";" inside a name is quoted, a leading "=" marked as text.
    assert rows[0] == ";".join(t("de", f"ship.pl.col.{key}") for key, _, _ in COLUMNS)
    assert rows[1] == ";".join(tag or "" for tag in HXL)
    assert rows[2] == (
        '1;R-1001;"\'=Лікарня; А (=Likarnia; A)";01234567;вул. Тестова, 1;'
        "Дніпро (Dnipro), Дніпровський (Dniprovskyi);Бинт;Mullbinde;bandages;150;"
        "уп.;Pkg.;Hilfswerk NRW;CMR 4711"
    )
    assert rows[3:] == [""]

    # Drawn by the render process, as in the running bot: the spec crosses the pipe as JSON and
    # the child reads the lines and writes the same file.
    spec = PackingSpec(shipment_id=1, fmt="csv", lang="de", level=Detail.FULL)
    in_thread = FileRenderers().packing_list(spec, db_path=h.db.location)
    process = FileRenderers(process=True)
    try:
        in_child = process.packing_list(spec, db_path=h.db.location)
        assert in_child is not None and in_child.parts[0].data == doc.data
        assert in_child == in_thread
        xlsx = spec.model_copy(update={"fmt": "xlsx"})
        child_xlsx = process.packing_list(xlsx, db_path=h.db.location)
        thread_xlsx = FileRenderers().packing_list(xlsx, db_path=h.db.location)
    finally:
        process.close()
    assert child_xlsx is not None and thread_xlsx is not None
    book = load_workbook(io.BytesIO(child_xlsx.parts[0].data))
    assert book.sheetnames[1] == "1 =Лікарня; А"
    assert _cells(book) == _cells(load_workbook(io.BytesIO(thread_xlsx.parts[0].data)))


def _cells(book: Workbook) -> list[tuple[str, list[list[object]]]]:
    return [
        (sheet.title, [[c.value for c in row] for row in sheet.iter_rows()])
        for sheet in book.worksheets
    ]


OTHER_COORD = Identity(transport="telegram", user_id="302")


async def test_street_address_only_for_admins_and_the_carrier(harness: EngineHarness) -> None:
    """handlers/core/location_policy.py, view PACKING_LIST: the carrier organisation's members
    and admins get the street address and the settlement; a coordinator of another
    organisation the hospital's hromada and raion, on the summary and on the delivery note."""
    h = harness
    carrier = await add(h, OrgKind.NGO, "Hilfswerk NRW", None, None)
    other = await add(h, OrgKind.NGO, "Andere Hilfe", None, None)
    a = await add(h, OrgKind.HOSPITAL, "Лікарня А", "01234567", "вул. Прихована, 3", DNIPRO)
    await h.join(COORD, carrier, role=Role.COORDINATOR, lang="en")
    await h.join(OTHER_COORD, other, role=Role.COORDINATOR, lang="en")
    await h.join(NURSE_A, a)
    await h.need_and_submit(NURSE_A, "/need 200 уп бинти")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new NRW 48/2026; carrier Hilfswerk; waybill CMR 4711")
    await h.send(COORD, "/shipment add S-1 R-1001 бинти 150")

    async def cells(who: Identity, lang: str) -> str:
        replies = await h.report(who, "/shipment list S-1", lang=lang)
        doc = next(r.document for r in replies if r.document is not None)
        book = load_workbook(io.BytesIO(doc.data))
        return "\n".join(
            str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
        )

    for who, lang in ((COORD, "en"), (ADMIN, "en")):
        shown = await cells(who, lang)
        assert "вул. Прихована, 3" in shown and "Дніпро (Dnipro)," in shown, who
        assert "м. Дніпро, Дніпровська громада" in shown  # the Ukrainian delivery note
    shown = await cells(OTHER_COORD, "en")
    assert "Прихована" not in shown
    assert "Дніпро (Dnipro)," not in shown and "м. Дніпро" not in shown
    assert "Дніпровська (Dniprovska) hromada, Дніпровський (Dniprovskyi) raion" in shown
    assert "адреса: Дніпровська громада, Дніпровський район" in shown
    assert "Лікарня А (Likarnia A)" in shown  # the organisation is theirs to know
