"""/shipment list S-1: the packing list, opened again with openpyxl and read cell by cell."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from handlers.shipments.packing_list import COLUMNS, XLSX_MIME
from handlers.text.i18n import Translator
from storage import organisations
from storage.models import Identity, OrgKind, Role
from tests.engine_harness import EngineHarness

COORD = Identity(transport="telegram", user_id="301")
NURSE_A = Identity(transport="telegram", user_id="101")
NURSE_B = Identity(transport="telegram", user_id="102")
HXL = [tag or None for _, tag, _ in COLUMNS]


async def add(
    h: EngineHarness, kind: OrgKind, name: str, code: str | None, address: str | None
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
        )
    return org.id


async def test_packing_list_cell_by_cell(harness: EngineHarness) -> None:
    h = harness
    t = Translator()
    ngo = await add(h, OrgKind.NGO, "Hilfswerk NRW", None, None)
    a = await add(h, OrgKind.HOSPITAL, "Лікарня А", "01234567", "вул. Тестова, 1")
    b = await add(h, OrgKind.HOSPITAL, '=HYPERLINK("x")', "76543210", "-1+1")
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
            "Лікарня А",
            "01234567",
            "вул. Тестова, 1",
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
            "Лікарня А",
            "01234567",
            "вул. Тестова, 1",
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
        assert row[8].data_type == "n"

    # The delivery note for hospital B, in Ukrainian, with room for the signature.
    note = book['2 =HYPERLINK("x")']
    lines = [note.cell(row=r, column=1).value for r in range(1, 7)]
    assert lines[0] == "Акт приймання-передачі гуманітарної допомоги: транспорт S-1 «NRW 48/2026»"
    assert lines[1] == 'Отримувач: =HYPERLINK("x"); код ЄДРПОУ: 76543210; адреса: -1+1'
    assert lines[2:5] == [
        "Перевізник: Hilfswerk NRW",
        "Накладна (CMR): =CMR 4711",
        "Відправлення: пʼятниця, 04.12.2026",
    ]
    assert lines[5] is not None and lines[5].startswith("Отримав(ла): ____")
    assert [c.value for c in note[7]] == [t("uk", f"ship.pl.col.{k}") for k, _, _ in COLUMNS]
    assert [c.value for c in note[8]] == HXL
    assert [[c.value for c in row][:9] for row in note.iter_rows(min_row=9)] == [
        [
            1,
            "R-1002",
            '=HYPERLINK("x")',
            "76543210",
            "-1+1",
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
        '1;R-1001;"\'=Лікарня; А";01234567;вул. Тестова, 1;Бинт;Mullbinde;bandages;150;'
        "уп.;Pkg.;Hilfswerk NRW;CMR 4711"
    )
    assert rows[3:] == [""]
