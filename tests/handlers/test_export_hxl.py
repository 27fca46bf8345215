"""Every export format read back by libhxl, the HXL project's own library, and validated
against a schema of what the columns must hold, in each reader's language."""

from __future__ import annotations

import io
from typing import Any

import hxl
import pytest

from handlers.requests.units import UNITS
from handlers.text.i18n import Language
from storage.models import Status, Urgency
from tests.engine_harness import EngineHarness
from tests.handlers.test_export import CODES, HXL, WORDS, export, seed

# (tag, required, datatype, allowed values, regex) in libhxl's schema language.
SCHEMA = [
    ["#valid_tag", "#valid_required", "#valid_datatype", "#valid_value+list", "#valid_value+regex"],
    ["#meta+id", "true", "", "", r"^R-\d+$"],
    ["#date+reported", "true", "date", "", r"^\d{4}-\d{2}-\d{2}$"],
    ["#date+needed", "", "date", "", ""],
    ["#org+name", "true", "", "", ""],
    ["#adm1+name", "true", "", "", ""],
    ["#adm1+code", "true", "", "UA12", ""],
    ["#adm2+name", "true", "", "", ""],
    ["#adm4+name", "true", "", "", ""],
    ["#sector", "true", "", "", ""],
    ["#item+name", "true", "", "", ""],
    ["#item+num", "true", "number", "", ""],
    ["#item+unit", "true", "", "", ""],
    ["#item+unit+code", "true", "", "|".join(UNITS), ""],
    ["#severity", "true", "", "", ""],
    ["#severity+code", "true", "", "|".join(u.value for u in Urgency), ""],
    ["#status", "true", "", "", ""],
    ["#status+code", "true", "", "|".join(s.value for s in Status), ""],
    ["#sector+code", "true", "", "health|energy|wash|shelter|food_security|logistics|other", ""],
]


def read(data: bytes) -> Any:
    dataset = hxl.data(io.BytesIO(data)).cache()
    errors: list[Any] = []
    valid = hxl.schema(SCHEMA, callback=errors.append).validate(dataset)
    assert valid, [str(e) for e in errors]
    assert [column.display_tag for column in dataset.columns] == HXL
    return dataset


@pytest.mark.parametrize("fmt", ["csv", "hxl", "xlsx"])
@pytest.mark.parametrize("lang", ["uk", "de", "en"])
async def test_libhxl_reads_and_validates(harness: EngineHarness, fmt: str, lang: Language) -> None:
    s = await seed(harness)
    dataset = read((await export(harness, s.coord, fmt, lang=lang)).data)
    rows = list(dataset)
    assert len(rows) == 3
    for tag, words in WORDS[lang].items():
        assert [row.get(tag) for row in rows] == words, tag
    for tag, codes in CODES.items():
        assert [row.get(tag) for row in rows] == codes, tag
    assert [row.get("#date+reported") for row in rows] == ["2026-11-25"] * 3
    assert [row.get("#adm2+name") for row in rows] == ["Дніпровський"] * 2 + ["Нікопольський"]
    assert [row.get("#adm4+name") for row in rows] == ["Дніпро"] * 2 + ["Марганець"]
    # Numbers read as numbers by libhxl's own datatype test.
    assert [float(row.get("#item+num+requested")) for row in rows] == [200, 5, 2]


def test_the_schema_catches_a_wrong_file() -> None:
    """The schema is no formality: a file with a word where a code belongs fails it."""
    bad = "\r\n".join(
        [
            ",".join(HXL),
            ",".join(HXL),
            "R-1,2026-11-25,,Org,,Oblast,UA12,Raion,,,,Place,,,Health,a,b,c,1,0,0,pcs,"
            "Critical,New,,health,pcs,Kritisch,new",
        ]
    ).encode()
    dataset = hxl.data(io.BytesIO(bad)).cache()
    errors: list[Any] = []
    assert not hxl.schema(SCHEMA, callback=errors.append).validate(dataset)
    assert any("Kritisch" in str(e.value) for e in errors)
