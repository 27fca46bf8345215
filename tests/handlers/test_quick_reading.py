"""How the /need reader takes apart the shapes people type (issue 9, second round).

Each case is a line and what must be stored from it, or the question that must be asked.
"""

from __future__ import annotations

from datetime import date

import pytest

from handlers.requests import need_line as quick
from handlers.requests.need_line import QuickParse, parse_need

TODAY = date(2026, 11, 30)


def parse(text: str) -> QuickParse:
    return parse_need(text, TODAY)


def lines(result: QuickParse) -> list[tuple[int, str, str | None, int | None, str | None]]:
    assert result.problems == (), result.problems
    return [
        (i.quantity, i.unit, i.item_key or i.free_text, i.pack_size, i.pack_unit)
        for i in result.items
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a decimal comma is not an item separator, a fraction is a dose, not a count
        ("еноксапарин 0,4 мл 100 шприців", [(100, "pcs", "anticoagulants", None, None)]),
        ("хлоргексидин 0,05% 100 фл", [(100, "bottles", "antiseptic", None, None)]),
        # "x N" at the end is the count, after a size with its unit
        ("генератор 10 кВт х3", [(3, "pcs", "generator", None, None)]),
        ("generators 20kW x2", [(2, "pcs", "generator", None, None)]),
        ("Foley catheters 14Fr x 100", [(100, "pcs", "foley_catheter", None, None)]),
        # sizes "10х10", "2,5 см х 5 м" are sizes
        ("матраци 90х200 50 шт", [(50, "pcs", "mattress", None, None)]),
        ("пластир 2,5 см х 5 м 100 шт", [(100, "pcs", "dressings", None, None)]),
        # a comma before the count does not make the count a second item
        ("Heizlüfter 2 kW, 40 Stück", [(40, "pcs", "heater", None, None)]),
        ("Генератор 15 кВт, к-ть 2", [(2, "pcs", "generator", None, None)]),
        # a count with its own size after a whole item is the same item again
        (
            "венозні катетери 20G 500 шт, 22G 300 шт",
            [(500, "pcs", "iv_cannula", None, None), (300, "pcs", "iv_cannula", None, None)],
        ),
        (
            "кисневі маски дорослі 100 шт, дитячі 50 шт",
            [(100, "pcs", "oxygen_mask", None, None), (50, "pcs", "oxygen_mask", None, None)],
        ),
        # a measure beside a count of a measured item, or of containers, is the size of each
        ("подовжувачі 50 м 10 шт", [(10, "pcs", "cable", 50, "m")]),
        ("Händedesinfektion 500 ml, 200 Flaschen", [(200, "bottles", "disinfectant", 500, "ml")]),
        ("Trinkwasser 5-Liter-Kanister 400 Stk", [(400, "pcs", "drinking_water", 5, "l")]),
        ("Ultraschallgel 5 l, 10 Kanister", [(10, "pcs", "ultrasound_gel", 5, "l")]),
        ("шприци 5 мл 300 шт", [(300, "pcs", "syringe", None, None)]),
        # a unit typed after the thing
        ("100 bed linen sets", [(100, "sets", "bed_linen", None, None)]),
        (
            "lidocaine 2% 5 ml ampoules, 40 packs of 10",
            [(40, "packs", "anaesthetics", 10, "ampoules")],
        ),
        # thousands grouped with a comma or dot in a count
        ("1,000 nitrile gloves size L", [(1000, "pcs", "gloves", None, None)]),
        ("1.000 Handschuhe", [(1000, "pcs", "gloves", None, None)]),
        # counting words
        ("десяток вогнегасників", [(10, "pcs", "fire_extinguisher", None, None)]),
        ("a dozen blankets", [(12, "pcs", "blanket", None, None)]),
        # Russian spellings of catalog words, dictionary forms of Ukrainian ones
        ("инсулин 20 уп", [(20, "packs", "insulin", None, None)]),
        ("10 пічок", [(10, "pcs", "tent_heater", None, None)]),
        ("інсулін короткої дії 40 уп", [(40, "packs", "insulin", None, None)]),
        # a thing the catalog does not know and nothing resembles: kept as typed, no question
        ("Kabelbinder 500 Stk", [(500, "pcs", "Kabelbinder", None, None)]),
        ("Ladegerät für Funkgeräte 10 Stk", [(10, "pcs", "Ladegerät für Funkgeräte", None, None)]),
    ],
)
def test_reads(text: str, expected: list[tuple[int, str, str, int | None, str | None]]) -> None:
    result = parse(text)
    assert lines(result) == expected
    assert all(not i.questions or i.questions == (quick.Q_TYPO,) for i in result.items)


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("турнікети CAT 100 шт дуже терміново", "CAT"),
        ("1,000 nitrile gloves size L", "size L"),
        ("Nitrilhandschuhe Gr. L, 20 Kartons", "Gr. L"),
        ("інсулін короткої дії 40 уп", "короткої дії"),
        ("кисневі маски дорослі 100 шт, дитячі 50 шт", "дитячі"),
        ("венозні катетери 20G 500 шт, 22G 300 шт", "22G"),
    ],
)
def test_keeps_the_qualifier(text: str, spec: str) -> None:
    assert spec in (parse(text).items[-1].spec or "")


@pytest.mark.parametrize(
    "text",
    [
        "Pumpe oder Generator, 2 Stk",  # an alternative: the person chooses
        "намети 4 шт або модульний будинок 1",
        "генератори кисню 3 шт",  # a noun after the head names another item
        "батареї опалення 10 шт",  # a word for several things, nothing telling which
        "Betten / ліжка 15",
        "шини 10 шт",
        "фільтри 50 шт",
        "Schläuche 200",  # by the piece or by the metre?
    ],
)
def test_asks(text: str) -> None:
    result = parse(text)
    assert result.ok and result.asks, result


def test_urgency_said_with_priority_or_intensifier() -> None:
    assert parse("пріоритет низький. ковдри 50 шт").urgency.value == "low"
    assert parse("Пріоритет: високий — 5 генераторів").urgency.value == "high"
    assert parse("турнікети 100 шт дуже терміново").urgency.value == "high"


def test_heading_before_a_colon_is_the_note_not_an_item() -> None:
    result = parse("для ЦРЛ: бинти 100 уп; марля 50 уп")
    assert result.note == "для ЦРЛ"
    assert [i.item_key for i in result.items] == ["bandages", "gauze"]
    # "Zelte: 4 Stück" is an item whose count follows a colon
    assert parse("Zelte: 4 Stück").note is None
    assert lines(parse("Zelte: 4 Stück")) == [(4, "pcs", "tent", None, None)]


def test_thousands_with_a_measure_unit_are_refused_not_guessed() -> None:
    # "1,500 л" may be one and a half litres or fifteen hundred
    assert quick.BAD_QUANTITY in [p.code for p in parse("1,500 л води").problems]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("дрова 30 т до кінця року", date(2026, 12, 31)),
        ("5 Zelte bis Ende des Monats", date(2026, 11, 30)),
        ("дизель 800л до пятници", date(2026, 12, 4)),
        ("sleeping bags 100, by 12/20", date(2026, 12, 20)),
    ],
)
def test_more_date_forms(text: str, due: date) -> None:
    result = parse(text)
    assert result.problems == () and result.needed_by == due


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a spaced dash after a model or size name separates it from the count
        ("дитяча суміш NAN 1 — 60 уп", (60, "packs", "baby_food")),
        # a reason after a spaced dash is the note
        ("водоочисна установка 1 шт КРИТИЧНО — місто без води", (1, "pcs", "water_treatment_unit")),
        # a heading on its own line, a heading with "№"
        ("Для ЦРЛ:\n- бинти 100 уп", (100, "packs", "bandages")),
        ("КНП «Лікарня №4»: рукавички 10 уп. по 100 шт", (10, "packs", "gloves")),
        # a pack after "à" makes the count pieces; "of" before the thing is not its name
        ("10 Kabeltrommeln à 25 m", (10, "pcs", "cable")),
        ("500 litres of diesel by Friday", (500, "l", "diesel_fuel")),
        ("5 jerry cans of petrol, 20 l each", (5, "pcs", "petrol")),
        # words between a measure and "x N" mean the measure is not a pack size
        ("heparin 5000 IU/ml 5 ml vials x 40", (40, "bottles", "anticoagulants")),
        ("питна вода 500 бутлів по 19 л", (500, "pcs", "drinking_water")),
        # fuel by the thousand litres is ordinary, not a question
        ("Diesel 3000 Liter", (3000, "l", "diesel_fuel")),
    ],
)
def test_reads_more(text: str, expected: tuple[int, str, str]) -> None:
    result = parse(text)
    assert result.problems == (), result.problems
    item = result.items[0]
    assert (item.quantity, item.unit, item.item_key) == expected
    assert not [q for q in item.questions if q != quick.Q_TYPO]


def test_remarks_and_headings_become_the_note() -> None:
    assert parse("водоочисна установка 1 шт — місто без води").note == "місто без води"
    assert parse("КНП «Лікарня №4»: рукавички 10 уп").note == "КНП «Лікарня №4»"


def test_a_count_grouped_by_spaces() -> None:
    # with a unit of count after it, "1 500" / "10 000" is one number, never cut to 500
    assert lines(parse("шприци 10 мл — 1 500 шт"))[0][:2] == (1500, "pcs")
    assert lines(parse("Маски медичні 10 000 шт"))[0][:2] == (10000, "pcs")
    # without one, "12 300 шприців" may be 12 packs of 300: refused with the number quoted
    assert quick.BAD_QUANTITY in [p.code for p in parse("12 300 шприців").problems]
    # numbers glued to letters before a count are sizes, not thousands
    assert lines(parse("респіратори FFP2 500 шт"))[0][:2] == (500, "pcs")
    assert lines(parse("бензин А-95 500 л"))[0][:2] == (500, "l")


def test_an_unknown_ukrainian_compound_is_not_its_tail() -> None:
    # "рентгенплівка" (X-ray film) is not "плівка" (plastic sheeting); "мотопомпа" is a pump
    assert parse("рентгенплівка 35х43 30 уп").items[0].item_key is None
    assert parse("мотопомпа 2 шт").items[0].item_key == "pump"


@pytest.mark.parametrize("text", ["1001 <i>x 0", "5 л х 0", "10 каністр по 0 л", "0 л х 10"])
def test_a_zero_size_is_never_a_pack(text: str) -> None:
    for item in parse(text).items:
        assert item.pack_size is None or item.pack_size > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a clause before the items is a remark; "хоча б один" is one
        (
            "У нас знову немає світла, потрібен генератор на 10 кВт хоча б один",
            (1, "pcs", "generator"),
        ),
        # spans of ages, sizes and model numbers are not ranges of amounts
        ("дитячі суміші 0-6 міс 50 уп", (50, "packs", "baby_food")),
        ("насос ЕЦВ 6-16-110 2 шт терміново", (2, "pcs", "pump")),
        ("куртки зимові дитячі 40 шт розміри 122-140", (40, "pcs", "winter_clothing")),
        # "2.000 Liter": a dot before three digits groups thousands
        ("2.000 Liter Diesel", (2000, "l", "diesel_fuel")),
        ("oxygen concentrators 10L, 2 units", (2, "pcs", "oxygen_concentrator")),
        # IU are a dose, never a count
        ("гепарин 5000 ОД 30 фл", (30, "bottles", "anticoagulants")),
        ("Verbandskasten DIN 13164 – 40 Stk", (40, "pcs", "first_aid_kit")),
        ("Апарат ШВЛ транспортний - 2 шт", (2, "pcs", "ventilator")),
    ],
)
def test_reads_chatty_and_pasted_lines(text: str, expected: tuple[int, str, str]) -> None:
    result = parse(text)
    assert result.problems == (), result.problems
    item = result.items[0]
    assert (item.quantity, item.unit, item.item_key) == expected


def test_tables_pasted_from_a_spreadsheet() -> None:
    table = "№  Найменування   К-сть   Од.\n1   Шприц 2 мл   3000   шт\n2   Шприц 5 мл   2000   шт"
    assert [(i.quantity, i.item_key, i.spec) for i in parse(table).items] == [
        (3000, "syringe", "2 мл"),
        (2000, "syringe", "5 мл"),
    ]
    csv = "Найменування;Кількість;Од.вим.\nБинт 7х14;500;шт\nВата 100г;200;уп"
    assert lines(parse(csv)) == [
        (500, "pcs", "bandages", None, None),
        (200, "packs", "cotton_wool", None, None),
    ]
    # a numbered list without a header is items, not rows: "2 насоси" is two pumps
    assert lines(parse("2 насоси\n3 трансформатори")) == [
        (2, "pcs", "pump", None, None),
        (3, "pcs", "transformer", None, None),
    ]


def test_short_weekdays_after_a_date_word_and_alternatives_asked() -> None:
    assert parse("ковдри 80 шт до пт").needed_by == date(2026, 12, 4)
    assert parse("Zelte 4 Stk bis Fr.").needed_by == date(2026, 12, 4)
    assert parse("катетер Фолея 16 Fr 200 шт").needed_by is None
    assert quick.VAGUE_QUANTITY in [p.code for p in parse("генератор 5 або 7 кВт 1 шт").problems]


def test_a_thing_before_a_colon_is_shared_by_the_counts_after_it() -> None:
    result = parse("генератори: 1 на 30 кВт і 2 на 5 кВт")
    assert [(i.quantity, i.item_key, i.spec) for i in result.items] == [
        (1, "generator", "на 30 кВт"),
        (2, "generator", "на 5 кВт"),
    ]
    assert result.note is None


def test_a_date_is_never_read_across_a_removed_flag() -> None:
    # hypothesis found "ВЕРЕСЕНЬ !critical 1" read as 1 September once the flag was taken out
    assert parse("ВЕРЕСЕНЬ !critical 1").needed_by is None
