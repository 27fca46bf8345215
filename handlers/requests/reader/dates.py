"""Needed-by dates as people type them, in uk, de and en.

Numeric dates (15.12.2026, 15.12.26, 15.12., "до 15.12", 2026-12-15), a day and a month name
("до 5 грудня", "bis 5. Dezember", "by Dec 5"), weekdays ("до п'ятниці", "bis Freitag", "by
Friday": the next such day after today), and relative words ("завтра", "morgen", "через 2
тижні", "in 2 Wochen", "within 10 days").

A hand-written table, not dateparser: measured on our phrasings, dateparser read "05.12." as
05:12 today, did not know "до п'ятниці" (a weekday in the genitive after "до"), and cost 0.2 s
on its first call. A day and month without a year means the next such date, unless it passed
within the last two months: "до 20.11" typed on 30 November is a date that has passed, not
next year's, and the person is told so.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Final, NamedTuple

_APOS: Final = "['ʼ’‘`´]?"

MONTHS: Final = {
    # uk (genitive and nominative), ru, de, en
    **dict.fromkeys(["січня", "січень", "января", "januar", "jan", "january", "jänner"], 1),
    **dict.fromkeys(["лютого", "лютий", "февраля", "februar", "feb", "february"], 2),
    **dict.fromkeys(["березня", "березень", "марта", "märz", "maerz", "mär", "mar", "march"], 3),
    **dict.fromkeys(["квітня", "квітень", "апреля", "april", "apr"], 4),
    **dict.fromkeys(["травня", "травень", "мая", "mai", "may"], 5),
    **dict.fromkeys(["червня", "червень", "июня", "juni", "jun", "june"], 6),
    **dict.fromkeys(["липня", "липень", "июля", "juli", "jul", "july"], 7),
    **dict.fromkeys(["серпня", "серпень", "августа", "august", "aug"], 8),
    **dict.fromkeys(["вересня", "вересень", "сентября", "september", "sep", "sept"], 9),
    **dict.fromkeys(["жовтня", "жовтень", "октября", "oktober", "okt", "oct", "october"], 10),
    **dict.fromkeys(["листопада", "листопад", "ноября", "november", "nov"], 11),
    **dict.fromkeys(["грудня", "грудень", "декабря", "dezember", "dez", "dec", "december"], 12),
}

WEEKDAYS: Final = {
    **dict.fromkeys(["понеділка", "понеділок", "понедельника", "montag", "monday"], 0),
    **dict.fromkeys(["вівторка", "вівторок", "вторника", "dienstag", "tuesday"], 1),
    **dict.fromkeys(["середи", "середу", "середа", "среды", "mittwoch", "wednesday"], 2),
    **dict.fromkeys(["четверга", "четвер", "четверг", "donnerstag", "thursday"], 3),
    **dict.fromkeys(
        ["пятниці", "пятницю", "пятниця", "пятницы", "пятници", "пятницу", "freitag", "friday"], 4
    ),
    **dict.fromkeys(["суботи", "суботу", "субота", "субботы", "samstag", "saturday"], 5),
    **dict.fromkeys(["неділі", "неділю", "неділя", "воскресенья", "sonntag", "sunday"], 6),
}

RELATIVE_DAYS: Final = {
    "вчора": -1,
    "вчера": -1,
    "gestern": -1,
    "yesterday": -1,
    "сьогодні": 0,
    "сегодня": 0,
    "heute": 0,
    "today": 0,
    "завтра": 1,
    "morgen": 1,
    "tomorrow": 1,
    "післязавтра": 2,
    "послезавтра": 2,
    "übermorgen": 2,
    "uebermorgen": 2,
}

# "через 2 тижні", "за 10 днів", "in 2 Wochen", "innerhalb von 10 Tagen", "within 2 weeks".
_SPAN_UNITS: Final = {
    **dict.fromkeys(
        ["день", "дні", "днів", "дня", "дней", "tag", "tage", "tagen", "day", "days"], 1
    ),
    **dict.fromkeys(
        "тиждень тижні тижнів тижня неделю недели недель woche wochen week weeks".split(),
        7,
    ),
}
_SPAN_WORDS: Final = {
    "один": 1,
    "одну": 1,
    "одна": 1,
    "ein": 1,
    "eine": 1,
    "einer": 1,
    "einem": 1,
    "a": 1,
    "an": 1,
    "one": 1,
    "два": 2,
    "дві": 2,
    "две": 2,
    "zwei": 2,
    "two": 2,
    "три": 3,
    "drei": 3,
    "three": 3,
    "чотири": 4,
    "vier": 4,
    "four": 4,
    "пять": 5,
    "fünf": 5,
    "five": 5,
    "десять": 10,
    "zehn": 10,
    "ten": 10,
}


def _alternation(words: list[str]) -> str:
    # Longest first, so "понеділка" is not cut to "понеділок"'s prefix; apostrophes optional.
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace("пят", "п" + _APOS + "ят") for w in ordered)


_MARK: Final = (
    r"(?:до|по|к|на|у|в|не\s+пізніше|не\s+пізніш|не\s+позже|by|until|till|before|due|on|"
    r"bis(?:\s+(?:zum|spätestens|spaetestens))?|spätestens|spaetestens|am|für|for|termin|"
    r"deadline|термін|срок)"
)
_NUMERIC: Final = r"(?P<num>[0-9]{1,4}[./-][0-9]{1,2}(?:[./-][0-9]{2,4})?(?P<dot>\.)?)"
_YEAR_WORD: Final = r"(?:\s?(?:року|р\.|р|г\.|года))?"
_MONTHS_RE: Final = _alternation(list(MONTHS))
_DAY_MONTH: Final = (
    rf"(?:(?P<d>[0-9]{{1,2}})(?:-?(?:го|ого|те|е|th|st|nd|rd))?\.?\s*(?:of\s+)?(?P<mon>{_MONTHS_RE})\.?"
    rf"(?:\s+(?P<y>[0-9]{{4}}))?"
    rf"|(?P<mon2>{_MONTHS_RE})\.?\s+(?P<d2>[0-9]{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:,?\s+(?P<y2>[0-9]{{4}}))?)"
)
_NEXT: Final = r"(?:(?:next|nächsten|naechsten|наступної|наступного|наступну)\s+)?"
_WEEKDAY: Final = rf"{_NEXT}(?P<wd>{_alternation(list(WEEKDAYS))})"
_RELATIVE: Final = rf"(?P<rel>{_alternation(list(RELATIVE_DAYS))})"
# "до пт", "bis Fr.", "by Fri": a short weekday, only after a word that marks a date (alone,
# "Fr" is a catheter size and "ср" an abbreviation of many things).
WEEKDAY_ABBREVIATIONS: Final = {
    **dict.fromkeys(["пн", "mo", "mon"], 0),
    **dict.fromkeys(["вт", "di", "tue", "tues"], 1),
    **dict.fromkeys(["ср", "mi", "wed"], 2),
    **dict.fromkeys(["чт", "do", "thu", "thur", "thurs"], 3),
    **dict.fromkeys(["пт", "fr", "fri"], 4),
    **dict.fromkeys(["сб", "sa", "sat"], 5),
    **dict.fromkeys(["нд", "вс", "so", "sun"], 6),
}
_WEEKDAY_ABBR: Final = rf"(?P<wda>{_alternation(list(WEEKDAY_ABBREVIATIONS))})\.?"
_SPAN: Final = (
    r"(?:через|за|протягом|впродовж|in|innerhalb(?:\s+von)?|binnen|within)\s+"
    rf"(?P<n>[0-9]{{1,3}}|{_alternation(list(_SPAN_WORDS))})?\s*"
    rf"(?P<unit>{_alternation(list(_SPAN_UNITS))})"
)
_END_OF_WEEK: Final = (
    r"(?P<eow>(?:до\s+)?кінця\s+тижня|(?:bis\s+)?(?:zum\s+)?ende\s+(?:der|dieser)\s+woche"
    r"|(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the|this)\s+week)"
)
# "до кінця місяця", "bis Ende des Jahres", "by end of month": the last day of it.
_END_OF_PERIOD: Final = (
    r"(?:(?:до|к)\s+)?(?:кінця|конца)\s+(?P<eop_uk>місяця|року|месяца|года)"
    r"|(?:bis\s+)?(?:zum\s+)?ende\s+(?:des|dieses)\s+(?P<eop_de>monats|jahres)"
    r"|(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?P<eop_en>month|year)"
)
_DATE_RE: Final = re.compile(
    rf"(?<![\w.])(?:(?:{_MARK})\s+)?(?:{_DAY_MONTH}|{_WEEKDAY}|{_RELATIVE})(?!\w)"
    rf"|(?<![\w.])(?:{_MARK})\s+{_NUMERIC}{_YEAR_WORD}(?![\w])"
    rf"|(?<![\w.,])(?P<full>[0-9]{{1,2}}\.[0-9]{{1,2}}\.(?:[0-9]{{4}}|[0-9]{{2}}))(?:{_YEAR_WORD})(?![\w.,])"
    rf"|(?<![\w.,])(?P<iso>[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})(?![\w])"
    rf"|(?<![\w])(?:{_MARK}\s+)?{_SPAN}(?!\w)"
    rf"|(?<![\w]){_END_OF_WEEK}(?!\w)"
    rf"|(?<![\w]){_END_OF_PERIOD}(?!\w)"
    rf"|(?<![\w.])(?:до|к|by|bis|until|till)\s+{_WEEKDAY_ABBR}(?![\w])",
    re.IGNORECASE,
)

_MARK_PREFIX_RE: Final = re.compile(rf"^{_MARK}\s+(?=[0-9])", re.IGNORECASE)

# A "до 0.5 л" or "по 20.5" is a size, not a date: a two-part number is only a date when it
# reads as a day and a month.
_PAST_GRACE_DAYS: Final = 62


# "до 0.5 л", "по 2.5 кВт": a size follows, so the number was never a date.
_SIZE_AFTER_RE: Final = re.compile(r"\s*[^\W\d_]", re.UNICODE)


class DateHit(NamedTuple):
    start: int
    end: int
    day: date | None  # None: it looks like a date but no such day exists
    text: str
    past: bool = False


def find_dates(text: str, today: date) -> list[DateHit]:
    """Every needed-by date in ``text``, in order; impossible ones have ``day`` None."""
    hits: list[DateHit] = []
    for match in _DATE_RE.finditer(text):
        found = _read(match, today)
        if (
            found is _NOT_A_DATE
            and match.group("num")
            and not _SIZE_AFTER_RE.match(text, match.end())
        ):
            found = None  # "до 32.12": meant as a date, and no such day exists
        if found is _NOT_A_DATE:
            continue
        day, past = found if isinstance(found, tuple) else (None, False)
        shown = _MARK_PREFIX_RE.sub("", match.group().strip(), count=1)
        hits.append(DateHit(match.start(), match.end(), day, shown, past))
    return hits


_NOT_A_DATE: Final = object()


def _read(match: re.Match[str], today: date) -> object:
    groups = match.groupdict()
    if groups.get("num"):
        return _numeric(groups["num"], today)
    if groups.get("full"):
        return _numeric(groups["full"], today)
    if groups.get("iso"):
        return _numeric(groups["iso"], today)
    if groups.get("mon") or groups.get("mon2"):
        month = MONTHS[_fold(groups.get("mon") or groups.get("mon2") or "")]
        day = int(groups.get("d") or groups.get("d2") or "0")
        year_text = groups.get("y") or groups.get("y2")
        return _make(day, month, int(year_text) if year_text else None, today)
    if groups.get("wda"):
        weekday = WEEKDAY_ABBREVIATIONS[_fold(groups["wda"])]
        ahead = (weekday - today.weekday()) % 7 or 7
        return (today + timedelta(days=ahead), False)
    if groups.get("wd"):
        weekday = WEEKDAYS[_fold(groups["wd"])]
        ahead = (weekday - today.weekday()) % 7 or 7
        return (today + timedelta(days=ahead), False)
    if groups.get("rel"):
        offset = RELATIVE_DAYS[_fold(groups["rel"])]
        return (today + timedelta(days=offset), offset < 0)
    if groups.get("unit"):
        size = _SPAN_UNITS[_fold(groups["unit"])]
        count_text = groups.get("n")
        count = (
            1
            if not count_text
            else (int(count_text) if count_text.isdigit() else _SPAN_WORDS[_fold(count_text)])
        )
        return (today + timedelta(days=size * count), False)
    if groups.get("eow"):
        return None  # Friday or Sunday? The person is asked for a date.
    period = groups.get("eop_uk") or groups.get("eop_de") or groups.get("eop_en")
    if period:
        if _fold(period) in ("року", "года", "jahres", "year"):
            return (date(today.year, 12, 31), False)
        first_next = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        return (first_next - timedelta(days=1), False)
    return _NOT_A_DATE


def _numeric(raw: str, today: date) -> object:
    parts = [p for p in re.split(r"[./-]", raw) if p]
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return _NOT_A_DATE
    if len(parts) == 3 and len(parts[0]) == 4:
        year, month, day = numbers
        return _make(day, month, year, today)
    if len(parts) == 3:
        day, month, year = numbers
        if len(parts[2]) == 2:
            year += 2000
        elif len(parts[2]) != 4:
            return None
        return _make(day, month, year, today)
    if len(parts) == 2:
        if "/" in raw and 1 <= numbers[0] <= 12 and 12 < numbers[1] <= 31:
            # "by 12/20": month first, as in English; the other order has no such month.
            return _make(numbers[1], numbers[0], None, today)
        if len(parts[0]) > 2 or len(parts[1]) > 2 or not (1 <= numbers[1] <= 12):
            return _NOT_A_DATE
        if not 1 <= numbers[0] <= 31:
            return _NOT_A_DATE
        return _make(numbers[0], numbers[1], None, today)
    return _NOT_A_DATE


def _make(day: int, month: int, year: int | None, today: date) -> object:
    if year is not None:
        try:
            return (date(year, month, day), False)
        except ValueError:
            return None
    try:
        this_year = date(today.year, month, day)
    except ValueError:
        try:
            return (date(today.year + 1, month, day), False)  # 29.02 of a leap year ahead
        except ValueError:
            return None
    if this_year >= today:
        return (this_year, False)
    if (today - this_year).days <= _PAST_GRACE_DAYS:
        return (this_year, True)
    try:
        return (date(today.year + 1, month, day), False)
    except ValueError:
        return None


def _fold(word: str) -> str:
    return re.sub(_APOS, "", word.casefold())
