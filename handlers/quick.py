"""The one-line ``/need`` parser: "2 генератор 30 кВт; 200 уп бинти !critical by 15.12.2026".

Grammar, per message (the text after the command):

- items are separated by ``;`` or line breaks;
- each item is ``QUANTITY [UNIT] PHRASE [SPEC]``: a positive whole number, an optional unit
  ("уп", "Stk.", "boxes"), the item as typed, and an optional size starting at the first later
  number ("30 кВт", "5 мл"), kept as free text;
- ``!flag`` anywhere sets the urgency; ``by|bis|до DATE`` anywhere sets the needed-by date, with
  DATE as DD.MM.YYYY (or D.M.YYYY) or YYYY-MM-DD.

The parser never raises and never guesses silently: anything it cannot read becomes a
``ParseProblem`` whose ``fragment`` is the piece of input at fault, so the reply can quote it.
A phrase that is not in the catalog is not a problem; it is kept as free text for a human.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import MappingProxyType
from typing import Final

from pydantic import Field

from handlers.catalog import Catalog
from handlers.units import DEFAULT_UNIT, parse_unit
from storage.models import MAX_QUANTITY, Frozen, Urgency

MAX_ITEMS: Final = 30
MAX_PHRASE_CHARS: Final = 200
MAX_YEARS_AHEAD: Final = 2
_PREVIEW_CHARS: Final = 40

# Problem codes double as i18n keys (handlers/i18n/messages/quick.py). The message templates
# use {fragment} plus the keys of ParseProblem.args.
EMPTY: Final = "quick.empty"
MISSING_QUANTITY: Final = "quick.missing_quantity"
ZERO_QUANTITY: Final = "quick.zero_quantity"
NEGATIVE_QUANTITY: Final = "quick.negative_quantity"
QUANTITY_TOO_LARGE: Final = "quick.quantity_too_large"
BAD_QUANTITY: Final = "quick.bad_quantity"
MISSING_ITEM: Final = "quick.missing_item"
ITEM_TOO_LONG: Final = "quick.item_too_long"
TOO_MANY_ITEMS: Final = "quick.too_many_items"
INVALID_DATE: Final = "quick.invalid_date"
PAST_DATE: Final = "quick.past_date"
DATE_TOO_FAR: Final = "quick.date_too_far"
UNKNOWN_FLAG: Final = "quick.unknown_flag"
CONFLICTING_URGENCY: Final = "quick.conflicting_urgency"
CONFLICTING_DATE: Final = "quick.conflicting_date"

PROBLEM_CODES: Final = (
    EMPTY,
    MISSING_QUANTITY,
    ZERO_QUANTITY,
    NEGATIVE_QUANTITY,
    QUANTITY_TOO_LARGE,
    BAD_QUANTITY,
    MISSING_ITEM,
    ITEM_TOO_LONG,
    TOO_MANY_ITEMS,
    INVALID_DATE,
    PAST_DATE,
    DATE_TOO_FAR,
    UNKNOWN_FLAG,
    CONFLICTING_URGENCY,
    CONFLICTING_DATE,
)

# "Urgent" ("терміново", "dringend", "urgent") means HIGH in every language: CRITICAL is
# reserved for life at risk and must be asked for with the explicit word.
URGENCY_FLAGS: Final = MappingProxyType(
    {
        "critical": Urgency.CRITICAL,
        "kritisch": Urgency.CRITICAL,
        "критично": Urgency.CRITICAL,
        "критичний": Urgency.CRITICAL,
        "критична": Urgency.CRITICAL,
        "критичне": Urgency.CRITICAL,
        "high": Urgency.HIGH,
        "urgent": Urgency.HIGH,
        "hoch": Urgency.HIGH,
        "dringend": Urgency.HIGH,
        "висока": Urgency.HIGH,
        "високий": Urgency.HIGH,
        "високе": Urgency.HIGH,
        "терміново": Urgency.HIGH,
        "терміновий": Urgency.HIGH,
        "термінова": Urgency.HIGH,
        "normal": Urgency.NORMAL,
        "звичайна": Urgency.NORMAL,
        "звичайний": Urgency.NORMAL,
        "звичайне": Urgency.NORMAL,
        "нормальна": Urgency.NORMAL,
        "нормальний": Urgency.NORMAL,
        "low": Urgency.LOW,
        "niedrig": Urgency.LOW,
        "низька": Urgency.LOW,
        "низький": Urgency.LOW,
        "низьке": Urgency.LOW,
    }
)

# A flag is "!" at the start of a word; "!!!" on its own is emphasis and is dropped.
_FLAG_RE: Final = re.compile(r"(?<![^\s;])![^\s;]*")
# "by 15.12.2026", "до 2026-12-01", "bis 1.3.2027р."; two-part dates are caught so that
# "до 15.12" gets a helpful error instead of silently becoming part of the item name.
_DATE_RE: Final = re.compile(
    r"(?<![^\s;])(?:by|bis|до)\s+(?P<date>[0-9]{1,4}(?:[./-][0-9]{1,4}){1,2})"
    r"(?:\s?(?:року|р\.?))?(?!\w)",
    re.IGNORECASE,
)
_DMY_RE: Final = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_ISO_RE: Final = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_SEPARATOR_RE: Final = re.compile(r"[;\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# List markers people paste: "• 5 генераторів", "- 3 насоси", "1) 5 генераторів". A dash needs
# a space after it ("-5" is a negative quantity), a number needs "." or ")" and a space.
_BULLET_RE: Final = re.compile(r"^(?:[•·▪◦‣*]\s*|[-–—]\s+|[0-9]{1,2}[.)]\s+)")
# Ukrainian numeral endings: "2-х генераторів", "5-ти насосів".
_NUMERAL_ENDING_RE: Final = re.compile(r"^-(?:х|ох|ух|ти|ми)(?!\w)", re.IGNORECASE)
_QUANTITY_RE: Final = re.compile(r"(?P<sign>[-−–+]?)(?P<digits>[0-9]+)")
_DECIMAL_RE: Final = re.compile(r"[.,][0-9]+")
_GROUPED_RE: Final = re.compile(r"(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])")
_TIMES_RE: Final = re.compile(r"^[x×х*](?:\s+|$)", re.IGNORECASE)
_SPEC_START_RE: Final = re.compile(r"\s\(?[0-9]")


class ParsedItem(Frozen):
    item_key: str | None
    free_text: str | None
    spec: str | None
    quantity: int
    unit: str
    source: str


class ParseProblem(Frozen):
    code: str
    fragment: str
    args: dict[str, str] = Field(default_factory=dict)


class QuickParse(Frozen):
    items: tuple[ParsedItem, ...] = ()
    urgency: Urgency = Urgency.NORMAL
    needed_by: date | None = None
    problems: tuple[ParseProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.items)


def parse_need(text: str, today: date, *, catalog: Catalog | None = None) -> QuickParse:
    """Parse the text after ``/need``. Never raises; see the module docstring."""
    catalog = catalog if catalog is not None else Catalog.default()
    problems: list[ParseProblem] = []
    blanked = list(text)

    needed_by = _read_dates(text, today, blanked, problems)
    urgency = _read_flags(text, blanked, problems)

    segments = [_strip_bullet(part.strip()) for part in _SEPARATOR_RE.split("".join(blanked))]
    segments = [segment for segment in segments if segment]
    if not segments:
        problems.insert(0, ParseProblem(code=EMPTY, fragment="", args=_example_args(today)))
    if len(segments) > MAX_ITEMS:
        problems.append(
            ParseProblem(
                code=TOO_MANY_ITEMS,
                fragment=segments[MAX_ITEMS],
                args={"limit": str(MAX_ITEMS), "count": str(len(segments))},
            )
        )

    items: list[ParsedItem] = []
    for segment in segments[:MAX_ITEMS]:
        item = _parse_item(segment, catalog, problems)
        if item is not None:
            items.append(item)

    return QuickParse(
        items=tuple(items),
        urgency=urgency,
        needed_by=needed_by,
        problems=tuple(problems),
    )


def _read_dates(
    text: str, today: date, blanked: list[str], problems: list[ParseProblem]
) -> date | None:
    found: date | None = None
    for match in _DATE_RE.finditer(text):
        raw = match.group("date")
        parts = re.split(r"[./-]", raw)
        if len(parts) == 2 and not _looks_like_day_month(parts):
            continue  # "до 0.5 л" is a size, not a date
        _blank(blanked, match.start(), match.end())
        parsed = _parse_date(raw)
        if parsed is None:
            problems.append(
                ParseProblem(code=INVALID_DATE, fragment=raw, args=_example_args(today))
            )
        elif parsed < today:
            problems.append(ParseProblem(code=PAST_DATE, fragment=raw, args={"today": _fmt(today)}))
        elif parsed > (latest := _years_later(today, MAX_YEARS_AHEAD)):
            problems.append(
                ParseProblem(code=DATE_TOO_FAR, fragment=raw, args={"latest": _fmt(latest)})
            )
        elif found is None:
            found = parsed
        elif parsed != found:
            problems.append(ParseProblem(code=CONFLICTING_DATE, fragment=raw))
    return found


def _read_flags(text: str, blanked: list[str], problems: list[ParseProblem]) -> Urgency:
    urgency: Urgency | None = None
    for match in _FLAG_RE.finditer(text):
        token = match.group()
        _blank(blanked, match.start(), match.end())
        word = token.lstrip("!").rstrip(".,:!)").casefold()
        if not word:
            continue  # bare "!" or "!!!": emphasis, not a flag
        flagged = URGENCY_FLAGS.get(word)
        if flagged is None:
            problems.append(ParseProblem(code=UNKNOWN_FLAG, fragment=token))
        elif urgency is None:
            urgency = flagged
        elif flagged != urgency:
            problems.append(ParseProblem(code=CONFLICTING_URGENCY, fragment=token))
    return urgency if urgency is not None else Urgency.NORMAL


def _parse_item(segment: str, catalog: Catalog, problems: list[ParseProblem]) -> ParsedItem | None:
    quantity_match = _QUANTITY_RE.match(segment)
    if quantity_match is None:
        problems.append(ParseProblem(code=MISSING_QUANTITY, fragment=segment))
        return None
    quantity_text = quantity_match.group()
    rest = segment[quantity_match.end() :]

    if decimal := _DECIMAL_RE.match(rest):
        problems.append(ParseProblem(code=BAD_QUANTITY, fragment=quantity_text + decimal.group()))
        return None
    digits = quantity_match.group("digits")
    sign = quantity_match.group("sign")
    grouped = _GROUPED_RE.match(rest)
    if grouped and not sign and len(digits) <= 3:
        # "1 000 генераторів" must not become one generator and an item called "000 ...".
        problems.append(ParseProblem(code=BAD_QUANTITY, fragment=quantity_text + grouped.group()))
        return None
    if sign and sign != "+":
        problems.append(ParseProblem(code=NEGATIVE_QUANTITY, fragment=quantity_text))
        return None
    significant = digits.lstrip("0")
    if not significant:
        problems.append(ParseProblem(code=ZERO_QUANTITY, fragment=quantity_text))
        return None
    # Length first: int() of a very long digit string is slow and may be refused outright.
    if len(significant) > len(str(MAX_QUANTITY)) or int(significant) > MAX_QUANTITY:
        problems.append(
            ParseProblem(
                code=QUANTITY_TOO_LARGE, fragment=quantity_text, args={"max": str(MAX_QUANTITY)}
            )
        )
        return None
    quantity = int(significant)

    rest = _NUMERAL_ENDING_RE.sub("", rest, count=1)
    rest = _TIMES_RE.sub("", rest.lstrip(), count=1)
    unit: str | None = None
    words = rest.split(None, 1)
    if words and (unit := parse_unit(words[0])) is not None:
        rest = words[1] if len(words) > 1 else ""
    phrase = rest.strip()
    if not any(ch.isalnum() for ch in phrase):
        problems.append(ParseProblem(code=MISSING_ITEM, fragment=segment))
        return None
    if len(phrase) > MAX_PHRASE_CHARS:
        preview = phrase[:_PREVIEW_CHARS].rstrip() + "…"
        problems.append(
            ParseProblem(
                code=ITEM_TOO_LONG,
                fragment=phrase,
                args={"limit": str(MAX_PHRASE_CHARS), "preview": preview},
            )
        )
        return None

    name, spec = _split_spec(phrase)
    item = catalog.match(name)
    if unit is None:
        unit = item.unit if item is not None else DEFAULT_UNIT
    return ParsedItem(
        item_key=item.key if item is not None else None,
        free_text=None if item is not None else name,
        spec=spec,
        quantity=quantity,
        unit=unit,
        source=segment,
    )


def _split_spec(phrase: str) -> tuple[str, str | None]:
    """("генератор", "30 кВт") from "генератор 30 кВт"; the name never starts with the spec."""
    found = _SPEC_START_RE.search(phrase)
    if found is None:
        return phrase, None
    name = phrase[: found.start()].rstrip(" ,.:;-–—")
    spec = phrase[found.start() :].strip()
    if not any(ch.isalnum() for ch in name):
        return phrase, None
    return name, spec or None


def _strip_bullet(segment: str) -> str:
    return _BULLET_RE.sub("", segment, count=1).strip()


def _blank(chars: list[str], start: int, end: int) -> None:
    """Replace a consumed flag or date with spaces, keeping line breaks as item separators."""
    for index in range(start, end):
        if not _SEPARATOR_RE.match(chars[index]):
            chars[index] = " "


def _looks_like_day_month(parts: list[str]) -> bool:
    day, month = parts
    return len(day) <= 2 and len(month) <= 2 and 1 <= int(day) <= 31 and 1 <= int(month) <= 12


def _parse_date(raw: str) -> date | None:
    if found := _DMY_RE.fullmatch(raw):
        day, month, year = (int(part) for part in found.groups())
    elif found := _ISO_RE.fullmatch(raw):
        year, month, day = (int(part) for part in found.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _years_later(start: date, years: int) -> date:
    year = start.year + years
    if year > date.max.year:
        return date.max
    try:
        return start.replace(year=year)
    except ValueError:  # 29 February into a non-leap year
        return start.replace(year=year, day=28)


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _example_args(today: date) -> dict[str, str]:
    """A needed-by date for the usage example that is valid today, so copying it works."""
    example = today + timedelta(days=14) if today <= date.max - timedelta(days=14) else today
    return {"example_date": _fmt(example)}
