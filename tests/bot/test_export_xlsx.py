"""/export xlsx in each reader's language, opened again with openpyxl and read cell by cell."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook as XlsxWorkbook

from handlers.coordination.hxl_export import COLUMNS, XLSX_MIME
from handlers.text.i18n import Language, Translator
from tests.engine_harness import EngineHarness
from tests.handlers.test_export import CODES, HTMLISH, HXL, INJECTION, WORDS, export, seed

DATE_FORMAT = {"uk": "dd.mm.yyyy", "de": "dd.mm.yyyy", "en": "yyyy-mm-dd"}
SHEETS = {
    "uk": ["Потреби", "Про файл"],
    "de": ["Bedarfe", "Erläuterungen"],
    "en": ["Needs", "About"],
}


def open_book(data: bytes) -> XlsxWorkbook:
    return load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("lang", ["uk", "de", "en"])
async def test_xlsx_cell_by_cell(harness: EngineHarness, lang: Language) -> None:
    s = await seed(harness)
    t = Translator()
    doc = await export(harness, s.coord, "xlsx", lang=lang)
    assert doc.filename == "aidbridge-export-2026-11-24.xlsx"
    assert doc.mime_type == XLSX_MIME
    book = open_book(doc.data)
    assert book.sheetnames == SHEETS[lang]
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A3"
    assert sheet.max_row == 5 and sheet.max_column == len(HXL)
    header = [c.value for c in sheet[1]]
    assert header == [t(lang, f"export.col.{c.name}") for c in COLUMNS]
    assert all(c.font.bold and c.data_type == "s" for c in sheet[1])
    assert [c.value for c in sheet[2]] == HXL
    assert all(c.font.italic for c in sheet[2])

    cells = [{tag: cell for tag, cell in zip(HXL, row, strict=True)} for row in sheet.iter_rows(3)]
    bandages, free, generator = cells
    # Dates are date cells shown in the reader's habit, not text.
    reported, needed = bandages["#date+reported"], bandages["#date+needed"]
    assert reported.is_date and reported.value == datetime(2026, 11, 25)
    assert needed.is_date and needed.value == datetime(2026, 12, 1)
    assert reported.number_format == needed.number_format == DATE_FORMAT[lang]
    assert generator["#date+needed"].value is None
    # Numbers are numbers.
    for tag, values in (
        ("#item+num+requested", [200, 5, 2]),
        ("#item+num+pledged", [0, 0, 1]),
        ("#item+num+delivered", [0, 0, 1]),
    ):
        assert [row[tag].value for row in cells] == values, tag
        assert all(row[tag].data_type == "n" for row in cells), tag
    # Units, urgency, status and sector in the reader's words; the codes the same in all.
    for tag, words in WORDS[lang].items():
        assert [row[tag].value for row in cells] == words, tag
    for tag, codes in CODES.items():
        assert [row[tag].value for row in cells] == codes, tag
    # Text is text: the formula-like note is a string cell, not a formula.
    description = bandages["#description"]
    assert (description.value, description.data_type) == (INJECTION + "; 10 см", "s")
    assert [free[f"#item+name+i_{x}"].value for x in ("uk", "de", "en")] == [HTMLISH] * 3
    assert [bandages[f"#item+name+i_{x}"].value for x in ("uk", "de", "en")] == [
        "Бинт",
        "Mullbinde",
        "Bandage",
    ]
    # Places by the convention: oblast with its P-code, raion, settlement as #adm4.
    assert [bandages[tag].value for tag in HXL[5:13]] == [
        t(lang, "export.adm1"),
        "UA12",
        "Дніпровський",
        None,
        None,  # hromada and codes: with the codifier
        None,
        "Дніпро",
        None,
    ]
    assert bandages["#org+code"].value == "01994102"
    assert bandages["#meta+id"].value == "R-1001"
    assert not any("Олена" in str(c.value) for row in cells for c in row.values())


@pytest.mark.parametrize("lang", ["uk", "de", "en"])
async def test_about_sheet_explains_every_column(harness: EngineHarness, lang: Language) -> None:
    s = await seed(harness)
    t = Translator()
    about = open_book((await export(harness, s.admin, "xlsx", lang=lang)).data).worksheets[1]
    rows = [[c.value for c in row] for row in about.iter_rows()]
    assert rows[0][0] == t(lang, "export.about.intro")
    assert rows[1] == [
        t(lang, "export.about.col_column"),
        t(lang, "export.about.col_hxl"),
        t(lang, "export.about.col_meaning"),
    ]
    names = [c.name for c in COLUMNS] + ["contact"]
    assert rows[2:] == [
        [t(lang, f"export.col.{name}"), tag, t(lang, f"export.about.{name}")]
        for name, tag in zip(names, [*HXL, "#contact+name"], strict=True)
    ]
    assert about.freeze_panes == "A3"
    # Each explanation is its language's own text, not a fallback to English.
    if lang != "en":
        assert all(t(lang, f"export.about.{n}") != t("en", f"export.about.{n}") for n in names)


async def test_xlsx_for_an_admin_has_contacts(harness: EngineHarness) -> None:
    s = await seed(harness)
    sheet = open_book((await export(harness, s.admin, "xlsx", lang="de")).data).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][-1] == "Kontakt (Antragsteller)"
    assert rows[1] == [*HXL, "#contact+name"]
    assert rows[2][-1] == "Олена Коваль (telegram:101)"
    assert rows[4][-1] is None
