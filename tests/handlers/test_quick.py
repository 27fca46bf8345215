"""The one-line /need parser: the shared samples, every problem code, and fuzzing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.requests import need_line as quick
from handlers.requests.catalog import Catalog
from handlers.requests.need_line import ParsedItem, QuickParse, parse_need
from handlers.requests.units import UNITS
from handlers.text.i18n import LANGUAGES, Language, Translator, placeholders
from handlers.text.i18n.messages import quick as quick_messages
from storage.models import MAX_QUANTITY, Urgency
from tests.sample_files import sample_path

TODAY = date(2026, 11, 24)
SAMPLES = sample_path("quick_needs.txt")

# Expected problem for every rejected sample line ("! /need ..."), keyed by the text after
# /need. A new rejected sample fails test_every_rejected_sample_is_known until it is added here.
REJECTED: dict[str, tuple[str, str]] = {
    "-5 генератор": (quick.NEGATIVE_QUANTITY, "-5"),
    "0 бинти": (quick.ZERO_QUANTITY, "0"),
    "99999999999 antibiotics": (quick.QUANTITY_TOO_LARGE, "99999999999"),
    "генератор": (quick.MISSING_QUANTITY, "генератор"),
    "2 генератор by 31.02.2026": (quick.INVALID_DATE, "31.02.2026"),
    "2 генератор by 01.01.2020": (quick.PAST_DATE, "01.01.2020"),
    "": (quick.EMPTY, ""),
}


def parse(text: str) -> QuickParse:
    return parse_need(text, TODAY)


def codes(result: QuickParse) -> list[str]:
    return [problem.code for problem in result.problems]


def only_item(result: QuickParse) -> ParsedItem:
    assert result.problems == ()
    assert len(result.items) == 1
    return result.items[0]


# --- the shared samples ---------------------------------------------------------------------


def _after_command(command: str) -> str:
    command = command.strip()
    assert command.startswith("/need"), command
    # A literal \n in the sample file stands for a line break inside one message.
    return command.removeprefix("/need").replace("\\n", "\n")


def _sample_lines() -> list[str]:
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _accepted_samples() -> list[tuple[str, str]]:
    pairs = []
    for line in _sample_lines():
        if line.lstrip().startswith("!"):
            continue
        command, expected = line.split("=>", 1)
        pairs.append((_after_command(command), expected.strip()))
    return pairs


def _rejected_samples() -> list[str]:
    return [
        _after_command(line.lstrip()[1:])
        for line in _sample_lines()
        if line.lstrip().startswith("!")
    ]


_SPEC_RE = re.compile(r"\s+(\d+(?:[.,]\d+)?\s*\S*)$")


def _expected_key(catalog: Catalog, phrase: str) -> str:
    """Map the English phrase of an expected item ("water treatment unit") to a catalog key."""
    slug = phrase.strip().replace(" ", "_")
    if catalog.get(slug) is not None:
        return slug
    wanted = phrase.strip().casefold()
    for item in catalog.items():
        english = {item.en.casefold(), item.key.replace("_", " ")}
        english |= {synonym.casefold() for synonym in item.synonyms}
        if wanted in english:
            return item.key
    raise AssertionError(f"expected item {phrase!r} is not in the catalog")


def test_samples_file_is_there_and_has_both_kinds() -> None:
    assert SAMPLES.is_file(), SAMPLES
    assert _accepted_samples()
    assert _rejected_samples()


@pytest.mark.parametrize(("text", "expected"), _accepted_samples())
def test_accepted_sample(text: str, expected: str) -> None:
    catalog = Catalog.default()
    result = parse_need(text, TODAY)
    assert result.problems == (), result.problems
    assert result.ok

    parts = [part.strip() for part in expected.split("|")]
    items_part, urgency_part = parts[0], parts[1]
    needed_by = date.fromisoformat(parts[2]) if len(parts) > 2 else None

    expected_items = [chunk.strip() for chunk in items_part.split(";")]
    assert len(result.items) == len(expected_items)
    for parsed, chunk in zip(result.items, expected_items, strict=True):
        found = re.fullmatch(r"(\d+)\s+(\S+)\s+(.+)", chunk)
        assert found, chunk
        quantity, unit, phrase = int(found[1]), found[2], found[3]
        spec = _SPEC_RE.search(phrase)
        if spec:
            phrase = phrase[: spec.start()]
            assert parsed.spec is not None, f"{chunk}: spec was not kept"
            assert re.match(r"\d+", spec[1])
            assert spec[1].split()[0] in parsed.spec
        assert parsed.quantity == quantity, chunk
        assert unit in UNITS
        assert parsed.unit == unit, chunk
        assert parsed.item_key == _expected_key(catalog, phrase), chunk
        assert parsed.free_text is None
    assert result.urgency == Urgency(urgency_part)
    assert result.needed_by == needed_by


def test_every_rejected_sample_is_known() -> None:
    assert sorted(text.strip() for text in _rejected_samples()) == sorted(REJECTED)


@pytest.mark.parametrize("text", _rejected_samples())
def test_rejected_sample_points_at_the_fault(text: str) -> None:
    code, fragment = REJECTED[text.strip()]
    result = parse(text)
    assert not result.ok
    assert (code, fragment) in [(p.code, p.fragment) for p in result.problems]
    for problem in result.problems:
        assert problem.fragment in text


# --- items, quantities, units ---------------------------------------------------------------


def test_spec_stays_free_text() -> None:
    item = only_item(parse("2 генератор 30 кВт"))
    assert (item.item_key, item.spec, item.quantity, item.unit) == ("generator", "30 кВт", 2, "pcs")
    item = only_item(parse("1 Stromerzeuger 30 kVA"))
    assert (item.item_key, item.spec) == ("generator", "30 kVA")
    item = only_item(parse("100 шприци (5 мл)"))
    assert (item.item_key, item.spec) == ("syringe", "(5 мл)")
    assert only_item(parse("2 генератор")).spec is None


def test_unit_defaults_to_the_catalog_unit_or_pcs() -> None:
    # A bare count is pieces ("300 рукавичок" are 300 gloves, not 300 boxes); a bulk good with
    # no unit keeps its catalog unit, and the preview asks to confirm it.
    assert only_item(parse("20 антибіотиків")).unit == "pcs"
    assert only_item(parse("20 уп антибіотиків")).unit == "packs"
    diesel = only_item(parse("500 Diesel"))
    assert (diesel.unit, diesel.questions) == ("l", (quick.Q_UNIT,))
    assert only_item(parse("3 генератори")).unit == "pcs"
    unknown = only_item(parse("3 дрони-розвідники"))
    assert (unknown.item_key, unknown.free_text, unknown.unit) == (None, "дрони-розвідники", "pcs")


def test_explicit_units_in_three_languages() -> None:
    assert only_item(parse("5 упаковок бинтів")).unit == "packs"
    assert only_item(parse("5 Packungen Mullbinden")).unit == "packs"
    assert only_item(parse("5 boxes gloves")).unit == "boxes"
    assert only_item(parse("200уп бинти")).unit == "packs"
    assert only_item(parse("2 шт. генератор")).unit == "pcs"
    assert only_item(parse("100 Stk Spritzen")).unit == "pcs"
    assert only_item(parse("1000 літрів дизпалива")).unit == "l"


def test_unknown_item_is_free_text_not_a_problem() -> None:
    result = parse("7 квадрокоптерів Mavic")
    item = only_item(result)
    assert item.item_key is None
    assert item.free_text == "квадрокоптерів Mavic"
    assert item.source == "7 квадрокоптерів Mavic"


def test_multiplication_sign_bullets_and_separators() -> None:
    assert only_item(parse("2x генератор")).quantity == 2
    assert only_item(parse("2 × генератор")).quantity == 2
    result = parse("• 5 генераторів\n- 3 насоси\r\n* 1 трансформатор;; ;")
    assert result.problems == ()
    assert [(i.quantity, i.item_key) for i in result.items] == [
        (5, "generator"),
        (3, "pump"),
        (1, "transformer"),
    ]


def test_numbered_lists_and_numeral_endings() -> None:
    result = parse("1) 5 генераторів\n2. 3 насоси")
    assert [(i.quantity, i.item_key) for i in result.items] == [(5, "generator"), (3, "pump")]
    assert result.problems == ()
    result = parse("1) генератор")
    assert [(p.code, p.fragment) for p in result.problems] == [
        (quick.MISSING_QUANTITY, "генератор")
    ]
    item = only_item(parse("2-х генераторів"))
    assert (item.quantity, item.item_key) == (2, "generator")
    assert only_item(parse("5-ти насосів")).item_key == "pump"


def test_plus_sign_and_leading_zeros_are_fine() -> None:
    assert only_item(parse("+5 генератор")).quantity == 5
    assert only_item(parse("007 генератор")).quantity == 7


def test_quantity_limits() -> None:
    assert only_item(parse(f"{MAX_QUANTITY} шприців")).quantity == MAX_QUANTITY
    result = parse(f"{MAX_QUANTITY + 1} шприців")
    assert codes(result) == [quick.QUANTITY_TOO_LARGE]
    assert result.problems[0].args == {"max": str(MAX_QUANTITY)}
    assert codes(parse("9" * 5000 + " шприців")) == [quick.QUANTITY_TOO_LARGE]
    assert codes(parse("000 бинти")) == [quick.ZERO_QUANTITY]
    assert codes(parse("−3 бинти")) == [quick.NEGATIVE_QUANTITY]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1 000 генераторів", "1 000"),
        ("12 300 шприців", "12 300"),
        ("2.5 л антисептику", "2.5"),
        ("2,5 kg Reis", "2,5"),
    ],
)
def test_grouped_or_decimal_quantities_are_refused(text: str, fragment: str) -> None:
    result = parse(text)
    assert [(p.code, p.fragment) for p in result.problems] == [(quick.BAD_QUANTITY, fragment)]
    assert result.items == ()


@pytest.mark.parametrize("text", ["5", "5 уп", "5 l", "5 ???", "5 🔥🔥", "5 x"])
def test_quantity_without_item(text: str) -> None:
    result = parse(text)
    assert [(p.code, p.fragment) for p in result.problems] == [(quick.MISSING_ITEM, text)]


def test_missing_quantity_points_at_the_item_and_keeps_the_rest() -> None:
    result = parse("2 генератор; бинти; 3 насоси")
    assert [(p.code, p.fragment) for p in result.problems] == [(quick.MISSING_QUANTITY, "бинти")]
    assert [i.item_key for i in result.items] == ["generator", "pump"]
    assert not result.ok


def test_item_phrase_length_limit() -> None:
    phrase = "д" * quick.MAX_PHRASE_CHARS
    assert only_item(parse(f"1 {phrase}")).free_text == phrase
    result = parse(f"1 {phrase}я")
    assert codes(result) == [quick.ITEM_TOO_LONG]
    problem = result.problems[0]
    assert problem.fragment == phrase + "я"
    assert problem.args["limit"] == str(quick.MAX_PHRASE_CHARS)
    assert problem.args["preview"].endswith("…")
    assert len(problem.args["preview"]) < 50


def test_item_count_limit() -> None:
    lines = [f"{n} генератор" for n in range(1, quick.MAX_ITEMS + 1)]
    assert parse("\n".join(lines)).ok
    result = parse("\n".join([*lines, "31 насос", "32 насос"]))
    assert codes(result) == [quick.TOO_MANY_ITEMS]
    assert result.problems[0].fragment == "31 насос"
    assert result.problems[0].args == {"limit": "30", "count": "32"}
    assert len(result.items) == quick.MAX_ITEMS


@pytest.mark.parametrize(
    "text", ["", "   ", "\n\n", ";;;", " ; \n ; ", "!critical", "by 15.12.2026"]
)
def test_empty(text: str) -> None:
    result = parse(text)
    assert codes(result)[0] == quick.EMPTY
    assert result.problems[0].args == {"example_date": "08.12.2026"}
    assert result.items == ()
    assert not result.ok


# --- urgency flags --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "urgency"),
    [
        ("!critical", Urgency.CRITICAL),
        ("!CRITICAL", Urgency.CRITICAL),
        ("!критично", Urgency.CRITICAL),
        ("!критичний", Urgency.CRITICAL),
        ("!kritisch", Urgency.CRITICAL),
        ("!high", Urgency.HIGH),
        ("!висока", Urgency.HIGH),
        ("!високий", Urgency.HIGH),
        ("!терміново", Urgency.HIGH),
        ("!hoch", Urgency.HIGH),
        ("!dringend", Urgency.HIGH),
        ("!urgent", Urgency.HIGH),
        ("!normal", Urgency.NORMAL),
        ("!звичайна", Urgency.NORMAL),
        ("!low", Urgency.LOW),
        ("!низька", Urgency.LOW),
        ("!низький", Urgency.LOW),
        ("!niedrig", Urgency.LOW),
        ("!critical.", Urgency.CRITICAL),
    ],
)
def test_urgency_flags(flag: str, urgency: Urgency) -> None:
    for text in (f"2 генератор {flag}", f"{flag} 2 генератор", f"2 генератор {flag}; 3 насоси"):
        result = parse(text)
        assert result.problems == ()
        assert result.urgency == urgency
        assert result.items[0].item_key == "generator"


def test_default_urgency_is_normal() -> None:
    assert parse("2 генератор").urgency == Urgency.NORMAL


def test_unknown_flag_points_at_it() -> None:
    result = parse("2 генератор !soonish")
    assert [(p.code, p.fragment) for p in result.problems] == [(quick.UNKNOWN_FLAG, "!soonish")]
    assert result.items[0].item_key == "generator"


def test_bare_exclamation_marks_are_emphasis() -> None:
    result = parse("2 генератор !!!")
    assert result.problems == ()
    assert result.urgency == Urgency.NORMAL


def test_conflicting_flags() -> None:
    result = parse("2 генератор !critical !low")
    assert [(p.code, p.fragment) for p in result.problems] == [(quick.CONFLICTING_URGENCY, "!low")]
    assert parse("2 генератор !critical !kritisch").problems == ()


# --- needed-by dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("by 15.12.2026", date(2026, 12, 15)),
        ("до 15.12.2026", date(2026, 12, 15)),
        ("До 15.12.2026", date(2026, 12, 15)),
        ("bis 15.12.2026", date(2026, 12, 15)),
        ("by 2026-12-01", date(2026, 12, 1)),
        ("до 1.3.2027", date(2027, 3, 1)),
        ("до 1.3.2027р.", date(2027, 3, 1)),
        ("до 01.03.2027 року", date(2027, 3, 1)),
        ("by 24.11.2026", TODAY),
        ("by 24.11.2028", date(2028, 11, 24)),
    ],
)
def test_dates(clause: str, expected: date) -> None:
    for text in (
        f"2 генератор {clause}",
        f"{clause} 2 генератор",
        f"2 генератор {clause}; 1 насос",
    ):
        result = parse(text)
        assert result.problems == (), text
        assert result.needed_by == expected
        assert result.items[0].item_key == "generator"
        assert result.items[0].spec is None


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("2 генератор by 31.02.2026", quick.INVALID_DATE, "31.02.2026"),
        ("2 генератор до 15.13.2026", quick.INVALID_DATE, "15.13.2026"),
        ("2 генератор до 31.02", quick.INVALID_DATE, "31.02"),
        ("2 генератор до 30.02.27", quick.INVALID_DATE, "30.02.27"),
        ("2 генератор bis 0000-01-01", quick.INVALID_DATE, "0000-01-01"),
        ("2 генератор by 23.11.2026", quick.PAST_DATE, "23.11.2026"),
        ("2 генератор by 25.11.2028", quick.DATE_TOO_FAR, "25.11.2028"),
        ("2 генератор by 01.01.9999", quick.DATE_TOO_FAR, "01.01.9999"),
    ],
)
def test_bad_dates_point_at_the_date(text: str, code: str, fragment: str) -> None:
    result = parse(text)
    assert [(p.code, p.fragment) for p in result.problems] == [(code, fragment)]
    assert result.needed_by is None
    assert not result.ok


def test_date_problem_args() -> None:
    assert parse("1 насос by 01.01.2020").problems[0].args == {"today": "24.11.2026"}
    assert parse("1 насос by 01.01.2030").problems[0].args == {"latest": "24.11.2028"}
    assert parse("1 насос by 31.02.2026").problems[0].args == {"example_date": "08.12.2026"}


def test_two_year_window_from_a_leap_day() -> None:
    result = parse_need("1 насос by 28.02.2026", date(2024, 2, 29))
    assert result.needed_by == date(2026, 2, 28)
    assert codes(parse_need("1 насос by 01.03.2026", date(2024, 2, 29))) == [quick.DATE_TOO_FAR]


def test_conflicting_dates() -> None:
    result = parse("2 генератор by 15.12.2026; 1 насос by 20.12.2026")
    assert [(p.code, p.fragment) for p in result.problems] == [
        (quick.CONFLICTING_DATE, "20.12.2026")
    ]
    assert parse("2 генератор by 15.12.2026; 1 насос до 15.12.2026").problems == ()


def test_sizes_after_до_are_not_dates() -> None:
    item = only_item(parse("100 шприців до 0.5 мл"))
    assert item.item_key == "syringe"
    assert parse("100 шприців до 0.5 мл").needed_by is None


# --- messages -------------------------------------------------------------------------------


def _message_tables() -> dict[str, dict[str, str]]:
    return {"uk": quick_messages.UK, "de": quick_messages.DE, "en": quick_messages.EN}


def test_every_problem_code_has_a_message_in_every_language() -> None:
    tables = _message_tables()
    assert set(tables["uk"]) == set(tables["de"]) == set(tables["en"]) == set(quick.PROBLEM_CODES)
    for key in quick.PROBLEM_CODES:
        assert key.startswith("quick.")
        assert placeholders(tables["uk"][key]) == placeholders(tables["de"][key])
        assert placeholders(tables["uk"][key]) == placeholders(tables["en"][key])


def test_messages_use_only_allowed_markup() -> None:
    for table in _message_tables().values():
        for key, text in table.items():
            without_tags = re.sub(r"</?(?:b|code)>", "", text)
            assert "<" not in without_tags and ">" not in without_tags, key
            assert "&" not in without_tags, key
            assert text.count("<code>") == text.count("</code>"), key


PROBLEM_INPUTS = [
    "",
    "генератор",
    "генератор 2 3",
    "0 бинти",
    "-5 бинти",
    "99999999999 бинти",
    "1 000 бинти",
    "5 уп",
    "1 " + "я" * 300,
    "\n".join(f"{n} насос" for n in range(1, 40)),
    "1 насос by 31.02.2026",
    "1 насос by 01.01.2020",
    "1 насос by 01.01.2099",
    "1 насос !soon",
    "кілька генераторів",
    "1 насос !high !low",
    "1 насос by 15.12.2026 by 16.12.2026",
]


def test_problem_inputs_cover_every_code() -> None:
    found = {code for text in PROBLEM_INPUTS for code in codes(parse(text))}
    assert found == set(quick.PROBLEM_CODES)


@pytest.mark.parametrize("text", PROBLEM_INPUTS)
def test_every_problem_formats_in_every_language(text: str) -> None:
    catalogs: dict[Language, dict[str, str]] = {
        "uk": quick_messages.UK,
        "de": quick_messages.DE,
        "en": quick_messages.EN,
    }
    translate = Translator(catalogs)
    for problem in parse(text).problems:
        assert placeholders(translate.catalogs["en"][problem.code]) <= {"fragment", *problem.args}
        for lang in LANGUAGES:
            shown = translate(lang, problem.code, fragment=problem.fragment, **problem.args)
            assert "{" not in shown


def test_usage_examples_in_the_messages_parse_cleanly() -> None:
    for table in _message_tables().values():
        for key in (quick.EMPTY, quick.MISSING_QUANTITY):
            text = table[key].format(fragment="x", example_date="08.12.2026")
            example = re.search(r"<code>/need (.+?)</code>", text)
            assert example, key
            result = parse(example[1])
            assert result.ok, (key, result.problems)
            assert all(item.item_key for item in result.items)


# --- robustness -----------------------------------------------------------------------------

_TOKENS = st.sampled_from(
    [
        "2",
        "-5",
        "0",
        "1 000",
        "99999999999",
        "2.5",
        "уп",
        "Stk.",
        "boxes",
        "генератор",
        "гинератори",
        "Zelte",
        "blood pressure medication",
        "30 кВт",
        "(5 мл)",
        "!critical",
        "!низька",
        "!",
        "!!!",
        "!x",
        "by",
        "до",
        "bis",
        "15.12.2026",
        "31.02.2026",
        "2026-12-01",
        "15.12",
        "р.",
        ";",
        "\n",
        "\r\n",
        "•",
        "-",
        "x",
        "🔥",
        "ʼ",
        " ",
        "\u2028",
        "\x00",
    ]
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parse_need_never_raises_on_random_text(text: str) -> None:
    _check_invariants(text, parse(text))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=25).map(" ".join))
def test_parse_need_never_raises_on_near_miss_input(text: str) -> None:
    _check_invariants(text, parse(text))


def _check_invariants(text: str, result: QuickParse) -> None:
    assert isinstance(result, QuickParse)
    assert len(result.items) <= quick.MAX_ITEMS
    for item in result.items:
        assert 1 <= item.quantity <= MAX_QUANTITY
        assert item.unit in UNITS
        assert (item.item_key is None) != (item.free_text is None)
        if item.free_text is not None:
            assert len(item.free_text) <= quick.MAX_PHRASE_CHARS
    for problem in result.problems:
        assert problem.code in quick.PROBLEM_CODES
        assert all(isinstance(value, str) for value in problem.args.values())
    if result.needed_by is not None:
        assert result.needed_by >= TODAY
    assert result.ok == (not result.problems and bool(result.items))
