"""Fuzzing the /need parser: it never raises, its promises hold, and every problem it reports
renders, escaped, in every language (as handlers/requests/intake.py's cmd_need renders it).

8,000 inputs here and 2,000 through the engine (test_fuzz_engine.py): 10,000 through the parser.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.requests import need_line as quick
from handlers.requests.catalog import Catalog
from handlers.requests.need_line import QuickParse, parse_need
from handlers.requests.reader.dates import find_dates
from handlers.requests.reader.urgency import find_urgency
from handlers.text.format import esc
from handlers.text.i18n import LANGUAGES, Translator
from storage.models import MAX_QUANTITY, Urgency
from tests.markup import assert_markup_ok

TODAY = date(2026, 11, 24)
CATALOG = Catalog.default()
T = Translator()
FUZZ = settings(
    max_examples=8000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Pieces of real requests, near misses and hostile text; joined in random order below.
WORDS = st.sampled_from(
    [
        "генератор",
        "генераторів",
        "бинти",
        "уп",
        "шт",
        "Stk.",
        "boxes",
        "packs",
        "кВт",
        "30 кВт",
        "(5 мл)",
        "Stromerzeuger",
        "<b>",
        "</b>",
        "<i>ліжко",
        "<code>",
        "<script>alert(1)</script>",
        "&",
        "&amp;",
        "&lt;",
        "&#60;",
        "<",
        ">",
        '"',
        "'",
        "\\",
        "{fragment}",
        "{0}",
        "%s",
        "\u202e",
        "\u200b",
        "\x00",
        "🔥",
        "ʼ",
    ]
)
NUMBERS = st.one_of(
    st.integers(min_value=-10, max_value=1_000_000).map(str),
    st.sampled_from(
        ["0", "-5", "−3", "+2", "2,5", "2.5", "1 000", "99999999999", "2-х", "x2", "×3"]
    ),
    st.integers(min_value=MAX_QUANTITY - 2, max_value=MAX_QUANTITY + 2).map(str),
)
FLAGS = st.sampled_from(["!critical", "!high", "!низька", "!терміново", "!", "!!!", "!x", "!<b>"])
DATES = st.one_of(
    st.sampled_from(["by", "bis", "до", "BY"]).flatmap(
        lambda word: st.one_of(
            st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)).map(
                lambda d: f"{word} {d:%d.%m.%Y}"
            ),
            st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)).map(
                lambda d: f"{word} {d.isoformat()}"
            ),
            st.sampled_from(["31.02.2026", "15.12", "1.1.1", "2026-13-01", "00.00.0000"]).map(
                lambda raw: f"{word} {raw}"
            ),
        )
    ),
)
SEPARATORS = st.sampled_from([";", "\n", "; ", "\r\n", "\u2028", " ", "  ", "•", "- ", "1) "])
TOKEN = st.one_of(WORDS, NUMBERS, FLAGS, DATES, SEPARATORS, st.text(max_size=8))
NEED_TEXT = st.one_of(
    st.lists(TOKEN, max_size=40).map(" ".join),
    st.lists(TOKEN, max_size=40).map("".join),
    st.text(max_size=300),
)


def rendered_problems(parsed: QuickParse) -> list[str]:
    """The refusal lines, rendered the way cmd_need renders them, in every language."""
    lines = []
    for lang in LANGUAGES:
        for problem in parsed.problems:
            safe = {k: esc(v) for k, v in problem.args.items()}
            lines.append(T(lang, problem.code, fragment=esc(problem.fragment), **safe))
    return lines


@FUZZ
@given(NEED_TEXT)
def test_need_parser_on_generated_requests(text: str) -> None:
    parsed = parse_need(text, TODAY, catalog=CATALOG)
    assert parse_need(text, TODAY, catalog=CATALOG) == parsed  # no hidden state
    assert len(parsed.items) <= quick.MAX_ITEMS
    for item in parsed.items:
        assert 1 <= item.quantity <= MAX_QUANTITY
        assert (item.item_key is None) != (item.free_text is None)
        if item.item_key is not None:
            assert CATALOG.get(item.item_key) is not None
    for problem in parsed.problems:
        assert problem.code in quick.PROBLEM_CODES
    # What the text does not say, the parse does not invent.
    if "!" not in text and not find_urgency(text):
        assert parsed.urgency is Urgency.NORMAL
    if parsed.needed_by is not None:
        assert parsed.needed_by >= TODAY
        assert find_dates(text, TODAY)
    assert parsed.ok == (not parsed.problems and bool(parsed.items))
    for line in rendered_problems(parsed):
        assert_markup_ok(line)
