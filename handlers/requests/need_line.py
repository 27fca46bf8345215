"""The one-line ``/need`` reader: "2 генератори 30 кВт; бинти 150 уп терміново до 5 грудня".

Per message (the text after the command):

- urgency anywhere, as a word in uk/de/en/ru ("терміново", "dringend", "ASAP", "критично") or a
  ``!flag`` (handlers/requests/reader/urgency.py); dates anywhere, in the forms people type
  (handlers/requests/reader/dates.py); both are taken out of the text before items are read;
- items are separated by ``;``, line breaks, bullets, or commas and "та/und/and" between items
  that each have a quantity;
- in an item the quantity stands before or after the thing ("бинти 150 уп", "Zelte: 4 Stück",
  "генератор х3", "три генератори"), with an optional unit; a pack size ("40 каністр по 20 л",
  "10 Kartons à 100 Stück") is kept as count × size; later numbers with their units ("30 кВт",
  "5 мл") are the specification, kept as typed;
- the thing is read by handlers/requests/reader/items.py, which never answers with a neighbour.

The reader never raises and never guesses: what it cannot read is a ``ParseProblem`` quoting
the fragment at fault; what it can read only with the person's help is a question on the item
(``ParsedItem.questions``) that the preview asks before anything is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Final

from pydantic import Field

from handlers.requests.catalog import Catalog, CatalogItem
from handlers.requests.catalog_data import COUNT_OR_LENGTH
from handlers.requests.reader import morph
from handlers.requests.reader.dates import find_dates
from handlers.requests.reader.items import is_qualifier, read_item
from handlers.requests.reader.numbers import number_word
from handlers.requests.reader.urgency import combine, find_urgency
from handlers.requests.units import DEFAULT_UNIT, MEASURE_UNITS, parse_unit
from storage.models import MAX_QUANTITY, Frozen, Urgency

MAX_ITEMS: Final = 30
MAX_PHRASE_CHARS: Final = 200
MAX_YEARS_AHEAD: Final = 2
_PREVIEW_CHARS: Final = 40

# Problem codes double as i18n keys (handlers/text/i18n/messages/quick.py). The message templates
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
AMBIGUOUS_QUANTITY: Final = "quick.ambiguous_quantity"
VAGUE_QUANTITY: Final = "quick.vague_quantity"  # "кілька", "a few", "10-20": how many?

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
    AMBIGUOUS_QUANTITY,
    VAGUE_QUANTITY,
)

# Problems that are questions in disguise: the line was readable except for one thing the
# person must say (how many, which date, which urgency). The bench counts them as asking.
ASKING_PROBLEMS: Final = frozenset(
    {MISSING_QUANTITY, AMBIGUOUS_QUANTITY, VAGUE_QUANTITY, CONFLICTING_URGENCY, CONFLICTING_DATE}
)

# Questions the preview asks about one item before the request can be sent.
Q_WHICH_ITEM: Final = "which_item"  # no catalog item named with confidence: offer candidates
Q_UNIT: Final = "unit"  # a bulk good with no unit typed: litres? kilograms?
Q_CONFIRM_QTY: Final = "confirm_qty"  # far above what one request plausibly needs
Q_DUPLICATE: Final = "duplicate"  # the organisation already has this item open (asked last)
Q_TYPO: Final = "typo"  # a misspelt name was read as a catalog item: shown, not asked


_WORDISH_RE: Final = re.compile(r"[^\W\d_]+(?:['ʼ’`][^\W\d_]+)*")
_SEPARATOR_RE: Final = re.compile(r"[;\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# List markers people paste: "• 5 генераторів", "- 3 насоси", "1) 5 генераторів". A dash needs
# a space after it ("-5" is a negative quantity), a number needs "." or ")" and a space.
_BULLET_RE: Final = re.compile(r"^(?:[•·▪◦‣*]\s*|[-–—]\s+|[0-9]{1,2}[.)]\s+)")
# "1) намети 3 шт 2) ковдри 60 шт": a numbered list typed on one line.
_INLINE_NUMBERING_RE: Final = re.compile(r"(?:(?<=\s)|^)[0-9]{1,2}\)\s")
# Between two items that each have their own quantity: "2 генератори, 5 насосів".
# A comma between digits is a decimal comma ("0,4 мл"), never a separator.
_ITEM_JOIN_RE: Final = re.compile(
    r"(?<![0-9]),|,(?![0-9])|\s(?:та|і|й|и|und|and|sowie|plus|\+|&)\s", re.IGNORECASE
)
# "к-ть 2", "Menge: 4", "qty 10": a label before the quantity, not part of the thing.
_QUANTITY_LABEL_RE: Final = re.compile(
    r"(?<![\w])(?:к-ть|к-сть|кількість|кол-во|количество|menge|anzahl|stückzahl|qty|quantity"
    r"|each|jeweils|кожна|кожен|кожний|кожного)"
    r"(?![\w])\s*[:=-]?",
    re.IGNORECASE,
)
# Words that ask but name nothing: "Нам терміново потрібні ...", "Wir brauchen ...".
_FILLER_RE: Final = re.compile(
    r"(?<![\w])(?:нам|нас|у нас|нужно|нужны|нужен|потрібно|потрібні|потрібен|потрібна|треба|"
    r"необхідно|необхідні|необхідний|просимо|прошу|будь ласка|пожалуйста|запит|заявка|"
    r"wir|brauchen|benötigen|benoetigen|benötigt|benoetigt|bitte|dringend benötigt|"
    r"we|need|needed|needs|please|request|required|требуется|"
    r"потребуємо|потребує|потреба|"
    # greetings, thanks and asking words around the list: "Добрий день! Просимо допомогти ..."
    r"добрий день|доброго дня|добрий вечір|доброго ранку|добрий ранок|вітаю|привіт|"
    r"здравствуйте|добрый день|дякуємо|дякую|щиро дякуємо|спасибо|допомогти|забезпечити|"
    r"guten tag|hallo|liebe kollegen|danke|vielen dank|"
    r"hello|hi team|hi|dear colleagues|thanks|thank you|could you send|can you send|"
    r"please send|send us|could you|"
    # "(EcoFlow Delta 2 or similar)": any equal model will do, not an alternative to ask about
    r"або аналог|або аналоги|або подібне|или аналог|oder ähnlich|oder vergleichbar|"
    r"or similar|or equivalent|"
    r"хоча б|хоч би|хотя бы|at least|mindestens|mind\.|"
    r"shortage|дефіцит|нестача|mangel|engpass|"
    r"просить|просять|просит|bittet um|bitten um|asks for|requests|weiterleiten)(?![\w])",
    re.IGNORECASE,
)
_TOKEN_RE: Final = re.compile(
    r"(?P<num>[-−–+]?[0-9]+(?:[.,][0-9]+)*)|(?P<word>[^\W\d_]+(?:['ʼ’`][^\W\d_]+)*)|(?P<sym>\S)"
)
_NUMERAL_ENDING_RE: Final = re.compile(r"-(?:х|ох|ух|ти|ми|ма|ьох|ьом|ть)(?!\w)", re.IGNORECASE)
_TIMES: Final = frozenset({"x", "х", "×", "*"})
_PACK_MARKERS: Final = frozenset({"по", "à", "a", "á", "je", "of", "zu", "x", "х", "×", "*"})
# Containers counted in a line with a pack size: "40 каністр по 20 л".
_CONTAINERS: Final = frozenset(
    "каністра каністри каністр каністру канистра канистры канистр мішок мішки мішків мішка "
    "бочка бочки бочок балон балони балонів kanister kanistern sack säcke saecke fass fässer "
    "canister canisters jerrycan jerrycans jerry can cans can drum drums bag bags sacks "
    "бутль бутля бутлі бутлів бутель бутлях бут".split()
)
_EURO: Final = frozenset({"euro", "євро", "евро"})
_NOT_THINGS: Final = _TIMES | _PACK_MARKERS | _CONTAINERS
# Units of a specification, never of a quantity: "30 кВт", "500 мг", "16 Fr".
_SPEC_UNITS: Final = frozenset(
    "квт kw kva ква кВа вт w в v а a ah ач mah мач мг mg мкг mcg µg г g мм mm см cm fr ch "
    "g % бар bar атм мл/год мл/г мм рт iu од мо ме mmol ммоль гц hz кв kv дюйм inch ″ куб m3 "
    "м3 м³ m³ л/хв l/min л/год кг/год gb гб tb тб mp мп kwh квт/год кВт·год "
    "octane oktan октан октанове".split()
)
# Amounts that do not say how many: the bot asks rather than picks one end of a range.
_VAGUE_RE: Final = re.compile(
    r"(?<!\w)(?:пару|пара\s+(?=\w+ів)|кілька|декілька|кількох|несколько|з\s+десяток|"
    r"ein\s+paar|einige|mehrere|a\s+couple(?:\s+of)?|a\s+few|several|some)(?!\w)"
    # "5 або 7 кВт": an alternative, even of sizes, is the person's to choose
    r"|[0-9]+\s*(?:або|чи|или|or|oder)\s*[0-9]+"
    r"|(?<![0-9])(?<![0-9][-–])[0-9]+\s*(?:-|–|—|до|bis)\s*[0-9]+(?![0-9])(?![-–][0-9])"
    # not a range of amounts: sizes, powers, ages ("5-10 кВт", "0-6 міс", "122-140 см")
    r"(?!\s*(?:см|cm|мм|mm|кв|kw|kva|ква|мг|mg|мл|ml|%|x|х|×|міс|мес|months?|monate?|"
    r"років|лет|years?|jahre?|р\b|г\b))",
    re.IGNORECASE,
)
# "10х10", "60х90 см", "4x4": a size or a drive, never a quantity.
_DIM_LEN: Final = r"(?:\s?(?:см|cm|мм|mm|м|m)(?!\w))"
_DIM_NUM: Final = r"[0-9]+(?:[.,][0-9]+)?"
_DIMENSION_RE: Final = re.compile(
    rf"(?<![\w.,]){_DIM_NUM}(?:\s?[xх×]\s?{_DIM_NUM})+{_DIM_LEN}?"
    # "2,5 см х 5 м", "8 cm x 4 m": a length on each side
    rf"|(?<![\w.,]){_DIM_NUM}{_DIM_LEN}(?:\s?[xх×]\s?{_DIM_NUM}{_DIM_LEN})+",
    re.IGNORECASE,
)


class ParsedItem(Frozen):
    item_key: str | None
    free_text: str | None
    spec: str | None
    quantity: int
    unit: str
    source: str
    pack_size: int | None = None
    pack_unit: str | None = None
    unit_typed: bool = True
    questions: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()


class ParseProblem(Frozen):
    code: str
    fragment: str
    args: dict[str, str] = Field(default_factory=dict)


class QuickParse(Frozen):
    items: tuple[ParsedItem, ...] = ()
    urgency: Urgency = Urgency.NORMAL
    needed_by: date | None = None
    note: str | None = None  # a heading before the items ("для ЦРЛ:"), kept as typed
    problems: tuple[ParseProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.items)

    @property
    def asks(self) -> bool:
        """Readable, but the preview has questions before anything can be stored."""
        return self.ok and any(item.questions for item in self.items)


def parse_need(text: str, today: date, *, catalog: Catalog | None = None) -> QuickParse:
    """Read the text after ``/need``. Never raises; see the module docstring."""
    catalog = catalog if catalog is not None else Catalog.default()
    problems: list[ParseProblem] = []
    blanked = list(text)

    text = _untable(text)
    blanked = list(text)
    urgency = _read_urgency(text, blanked, problems)
    needed_by = _read_dates("".join(blanked), today, blanked, problems)
    blanked = [" " if ch == _GAP_MARK else ch for ch in blanked]
    for pattern in (_FILLER_RE, _QUANTITY_LABEL_RE):
        for match in pattern.finditer("".join(blanked)):
            _blank(blanked, match.start(), match.end())

    shared = _shared_thing(text, blanked)
    note = None if shared else _read_heading(text, blanked)
    segments = split_items("".join(blanked))
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
    remarks: list[str] = []
    for segment in segments[:MAX_ITEMS]:
        remark = _REMARK_RE.search(segment)
        if remark and _has_quantity(segment[: remark.start()]):
            remarks.append(" ".join(remark.group("remark").split()))
            segment = segment[: remark.start()]
        if shared and not _names_thing(_PREPOSITION_RE.sub(" ", segment)):
            segment = f"{shared} {segment}"  # "генератори: 1 на 30 кВт і 2 на 5 кВт"
        item = parse_item(segment, catalog, problems)
        if item is not None and items and _names_nothing(item):
            item = _same_thing_again(items[-1], item, catalog)
        if item is not None:
            items.append(item)

    return QuickParse(
        items=tuple(items),
        urgency=urgency,
        needed_by=needed_by,
        note="; ".join(part for part in (note, *remarks) if part) or None,
        problems=tuple(problems),
    )


_HEADING_MAX_WORDS: Final = 6
_NUMERO_RE: Final = re.compile(r"№\s*[0-9]+")
# "водоочисна установка 1 шт — місто без води": words after a spaced dash, with no number,
# at the end of an item say why; they are the note, not part of the thing.
_REMARK_RE: Final = re.compile(r"\s[–—]\s+(?P<remark>[^0-9]*[^\W\d_][^0-9]*)$")


_COLUMN_WORDS: Final = frozenset(
    "№ n nr no найменування назва найм позиція к-сть кількість кол-во количество од од.вим "
    "одиниця одиниці вим ціна примітка bezeichnung artikel menge einheit anzahl pos position "
    "item items description name qty quantity unit units note".split()
)
_ROW_NUMBER_RE: Final = re.compile(
    r"^\s*(?:pos\.?\s*)?[0-9]{1,3}[.)]?(?:\s{2,}|\t|\s+(?=[^\W\d_]))", re.I
)


_POS_RE: Final = re.compile(r"^\s*(?:pos\.?\s*[0-9]{1,3}\s+|[0-9]{1,3}(?:\s{2,}|\t))", re.I)


def _untable(text: str) -> str:
    """A list pasted from a spreadsheet or a memo: "№ Найменування К-сть Од." over rows
    "1   Шприц 2 мл   3000   шт", or "Бинт 7х14;500;шт". The header row names columns,
    not things, and goes; inside rows the cell separators (";", tabs) become spaces and the row
    numbers go, so each row reads as one item line."""
    lines = text.splitlines()
    if len(lines) < 2:
        return text
    header = [w for w in re.split(r"[\s;,\t|]+", lines[0].casefold()) if w]
    header = [w.rstrip(".:") for w in header]
    cells = re.compile(r"[;\t|]")
    if not header or not all(w in _COLUMN_WORDS for w in header):
        # Without a header only unmistakable row numbers: "Pos. 1", or a number set apart
        # by a tab or several spaces ("2 насоси" is two pumps, not row 2).
        if not all(_POS_RE.match(line) for line in lines if line.strip()):
            return text
        return "\n".join(_POS_RE.sub("", cells.sub(" ", row)) for row in lines)
    rows = [cells.sub(" ", row) for row in lines[1:]]
    # Under a header, a leading number is the row's when another number (the count) follows.
    return "\n".join(
        _ROW_NUMBER_RE.sub("", row) if re.search(r"[0-9]", _ROW_NUMBER_RE.sub("", row)) else row
        for row in rows
    )


def _colon_split(blanked: list[str]) -> tuple[int, str, str] | None:
    """(colon index, the words before it, the first piece after it) when the message's first
    line has a colon after something; what a heading and a shared thing both start from."""
    current = "".join(blanked)
    colon = current.find(":")
    if colon <= 0 or _SEPARATOR_RE.search(current[:colon]):
        return None
    following = [p for p in _SEPARATOR_RE.split(current[colon + 1 :]) if p.strip()]
    rest = _strip_bullet(following[0].strip()) if following else ""
    return colon, current[:colon], rest


def _read_heading(text: str, blanked: list[str]) -> str | None:
    """ "для ЦРЛ: бинти 100 уп; ...", "generator fuel: 60 jerrycans of 20 l diesel": words
    before a colon at the start, with no number, followed by a whole item, head the request.
    They are taken out of the items and kept, as typed, as the request's note (never
    dropped). "Zelte: 4 Stück" has no thing after the colon: it is an item, not a heading."""
    split = _colon_split(blanked)
    if split is None:
        return None
    colon, head, rest = split
    # "КНП «Лікарня №4»:" may carry a number after "№"; any other number makes it an item.
    if any(ch.isdigit() for ch in _NUMERO_RE.sub("", head)):
        return None
    words = _WORDISH_RE.findall(head)
    if not words or len(words) > _HEADING_MAX_WORDS:
        return None
    if not (_has_quantity(rest) and _names_thing(rest)):
        return None
    _blank(blanked, 0, colon + 1)
    return " ".join(text[:colon].split()).strip(" -–—•*") or None


class ThingReading(Frozen):
    """What a typed name alone says (the wizard's item step): the catalog item with the
    words to keep beside it, or nothing with "did you mean" candidates, or "unknown" (not in
    the catalog and like nothing in it: kept as typed)."""

    item_key: str | None
    spec: str | None
    how: str  # read_item's kind: "exact", "typo", "none", "unknown"
    candidates: tuple[str, ...] = ()


def read_thing(text: str, catalog: Catalog) -> ThingReading:
    name, size_spec = _split_spec(" ".join(text.split()))
    reading = read_item(name, catalog)
    spec = " ".join(part for part in (reading.spec, size_spec) if part) or None
    if reading.item is None:
        return ThingReading(
            item_key=None, spec=None, how=reading.kind, candidates=reading.candidates
        )
    return ThingReading(item_key=reading.item.key, spec=spec, how=reading.kind)


def _shared_thing(text: str, blanked: list[str]) -> str | None:
    """ "генератори: 1 на 30 кВт і 2 на 5 кВт", "Zelte: 4 Stück": a thing before a colon,
    then counts without a thing of their own: each count is of that thing."""
    split = _colon_split(blanked)
    if split is None:
        return None
    colon, head, rest = split
    if any(ch.isdigit() for ch in head) or not _names_thing(head):
        return None
    if len(_WORDISH_RE.findall(head)) > _HEADING_MAX_WORDS:
        return None
    if not _has_quantity(rest) or _names_thing(_PREPOSITION_RE.sub(" ", rest)):
        return None
    _blank(blanked, 0, colon + 1)
    return " ".join(text[:colon].split())


_PREPOSITION_RE: Final = re.compile(
    r"(?<!\w)(?:на|по|з|à|je|of|for|für|mit|with|і|й|та|и|und|and)(?!\w)", re.IGNORECASE
)


def _names_nothing(item: ParsedItem) -> bool:
    """ "22G", "дитячі", "size L": what a line says after a comma when it means the item
    before it again, in another size or kind."""
    if item.item_key is not None or item.free_text is None:
        return False
    words = [w for w in _WORDISH_RE.findall(item.free_text) if w.casefold() not in _SPEC_UNITS]
    words = [w for w in words if len(w) > 1]
    if not words:
        return True
    if all(morph.is_cyrillic(w) for w in words):
        return not any(morph.is_noun(w) for w in words) and all(
            morph.is_adjective(w) for w in words
        )
    return all(is_qualifier(w) for w in words)


def _same_thing_again(previous: ParsedItem, item: ParsedItem, catalog: Catalog) -> ParsedItem:
    spec = " ".join(p for p in (item.free_text, item.spec) if p) or None
    questions = [q for q in item.questions if q not in (Q_WHICH_ITEM, Q_TYPO, Q_UNIT)]
    if Q_WHICH_ITEM in previous.questions:
        questions.insert(0, Q_WHICH_ITEM)
    unit = item.unit
    known = catalog.get(previous.item_key) if previous.item_key else None
    if not item.unit_typed and known is not None and known.unit in MEASURE_UNITS:
        unit = known.unit
        questions.append(Q_UNIT)
    return item.model_copy(
        update={
            "item_key": previous.item_key,
            "free_text": previous.free_text,
            "spec": spec,
            "unit": unit,
            "questions": tuple(questions),
            "candidates": previous.candidates,
        }
    )


def split_items(text: str) -> list[str]:
    """The item segments of a message, bullets and stray punctuation removed."""
    out: list[str] = []
    for part in _SEPARATOR_RE.split(_INLINE_NUMBERING_RE.sub(";", text)):
        part = _strip_bullet(part.strip()).rstrip(" \t,.:;-–—!").lstrip(" \t,.:;!?")
        if not part:
            continue
        out.extend(_split_joined(part))
    return [segment for segment in out if any(ch.isalnum() for ch in segment)]


def _split_joined(part: str) -> list[str]:
    """ "2 генератори, 5 насосів" is two items; "генератор 30 кВт, дизельний" is one."""
    pieces: list[str] = []
    last = 0
    for match in _ITEM_JOIN_RE.finditer(part):
        pieces.append(part[last : match.start()])
        last = match.end()
    pieces.append(part[last:])
    if len(pieces) == 1:
        return [part.strip()]
    # A piece is an item of its own only when it has both a count and a thing: in
    # "Heizlüfter 2 kW, 40 Stück" the first has only a size and the second only a count.
    merged: list[str] = []
    remarks_first: list[str] = []
    previous_whole = False
    for piece in pieces:
        piece = piece.strip(" \t,.:;-–—")
        if not piece:
            continue
        counted = _has_quantity(piece)
        is_item = counted and _names_thing(piece)
        # "венозні катетери 20G 500 шт, 22G 300 шт": a count with its own size after a whole
        # item is the same thing again (read by parse_need), not more of the first.
        elliptical = previous_whole and counted and not is_item and _has_size(piece)
        if not merged and not counted and len(pieces) > 1 and _says_something(piece):
            # "У нас знову немає світла, потрібен генератор": the clause before the items
            remarks_first.append(piece)
            continue
        if merged and not counted and _says_something(piece):
            # "дизпаливо 2000л, генератори стоять": a clause about the need, not a thing;
            # handed on as a remark after a dash, which parse_need keeps as the note.
            merged[-1] = f"{merged[-1]} — {piece}"
        elif merged and not is_item and not elliptical:
            merged[-1] = f"{merged[-1]}, {piece}"
        else:
            merged.append(piece)
            previous_whole = is_item or elliptical
    if not merged:
        return [part.strip()]
    if remarks_first:
        merged[0] = f"{merged[0]} — {', '.join(remarks_first)}"
    return merged


def _has_quantity(piece: str) -> bool:
    """A number here could be how many: not a size ("2 kW", "10х10") nor a pack size."""
    tokens = _tokens(piece)
    numbers = _mark_dimensions(piece, tokens, _numbers(piece, tokens))
    return any(not n.spec and n.pack_marker is None for n in numbers)


_SIZE_LETTERS: Final = frozenset("xxs xs s m l xl xxl xxxl".split())


def _has_size(piece: str) -> bool:
    """A size of its own: "22G", "18 Fr", or a clothing size "M" before the count."""
    tokens = _tokens(piece)
    for at, token in enumerate(tokens):
        after_number = at > 0 and tokens[at - 1].kind == "num"  # "20 l" is litres
        if token.kind == "word" and token.text.casefold() in _SIZE_LETTERS and not after_number:
            return True
    return any(n.spec for n in _mark_dimensions(piece, tokens, _numbers(piece, tokens)))


def _says_something(piece: str) -> bool:
    """A clause with a verb ("генератори стоять", "місто без води" has none)."""
    return any(
        morph.is_verb(t.text) for t in _tokens(piece) if t.kind == "word" and len(t.text) > 2
    )


def _names_thing(piece: str) -> bool:
    """A word here could name a thing: not a unit, number word, size unit or container."""
    for token in _tokens(piece):
        if token.kind != "word" or number_word(token.text) is not None:
            continue
        folded = token.text.casefold()
        if parse_unit(token.text) is None and folded not in _SPEC_UNITS | _NOT_THINGS:
            return True
    return False


def _mark_dimensions(segment: str, tokens: list[_Token], numbers: list[_Number]) -> list[_Number]:
    """Numbers inside "10х10", "60х90 см", "4x4" are a size."""
    for dimension in _DIMENSION_RE.finditer(segment):
        numbers = [
            replace(n, spec=True)
            if dimension.start() <= tokens[n.index].start < dimension.end()
            else n
            for n in numbers
        ]
    return numbers


def _read_dates(
    text: str, today: date, blanked: list[str], problems: list[ParseProblem]
) -> date | None:
    found: date | None = None
    for hit in find_dates(text, today):
        _blank(blanked, hit.start, hit.end)
        if hit.day is None:
            problems.append(
                ParseProblem(code=INVALID_DATE, fragment=hit.text, args=_example_args(today))
            )
        elif hit.past or hit.day < today:
            problems.append(
                ParseProblem(code=PAST_DATE, fragment=hit.text, args={"today": _fmt(today)})
            )
        elif hit.day > (latest := _years_later(today, MAX_YEARS_AHEAD)):
            problems.append(
                ParseProblem(code=DATE_TOO_FAR, fragment=hit.text, args={"latest": _fmt(latest)})
            )
        elif found is None:
            found = hit.day
        elif hit.day != found:
            problems.append(ParseProblem(code=CONFLICTING_DATE, fragment=hit.text))
    return found


def _read_urgency(text: str, blanked: list[str], problems: list[ParseProblem]) -> Urgency:
    levels: list[Urgency] = []
    conflict: str | None = None
    for hit in find_urgency(text):
        _blank(blanked, hit.start, hit.end, _GAP_MARK)
        if hit.level is None:
            problems.append(ParseProblem(code=UNKNOWN_FLAG, fragment=hit.text))
            continue
        levels.append(hit.level)
        if conflict is None and combine(levels) is None:
            conflict = hit.text
    combined = combine(levels)
    if combined is None:
        problems.append(ParseProblem(code=CONFLICTING_URGENCY, fragment=conflict or ""))
        return Urgency.NORMAL
    return combined


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(segment: str) -> list[_Token]:
    out = []
    for match in _TOKEN_RE.finditer(segment):
        kind = match.lastgroup or "sym"
        out.append(_Token(kind=kind, text=match.group(), start=match.start(), end=match.end()))
    return out


@dataclass(frozen=True)
class _Number:
    """One number in an item segment, with what stands around it (internal to the reader)."""

    index: int  # token index
    value_text: str
    sign: str
    decimal: bool
    unit: str | None = None  # unit key typed right after it
    unit_index: int | None = None
    container: bool = False
    spec: bool = False  # a size ("30 кВт", "А-95", "16Fr")
    pack_marker: int | None = None  # token index of "по"/"à"/"of" before it
    times: int | None = None  # token index of "x" beside it
    from_word: bool = False


def parse_item(segment: str, catalog: Catalog, problems: list[ParseProblem]) -> ParsedItem | None:
    """One item segment; problems are appended, None returned, when it cannot be read."""
    vague = _vague(segment)
    if vague:
        problems.append(ParseProblem(code=VAGUE_QUANTITY, fragment=vague.group()))
        return None
    segment = _JOIN_GROUPS_RE.sub(_join_groups, segment)
    tokens = _tokens(segment)
    numbers = _mark_dimensions(segment, tokens, _numbers(segment, tokens))
    numbers = _unit_before(tokens, numbers)
    consumed: set[int] = set()

    grouped = _LEADING_GROUPED_RE.match(segment)
    if grouped:
        # "1 000 генераторів" must not become one generator and an item called "000 ...".
        problems.append(ParseProblem(code=BAD_QUANTITY, fragment=grouped.group()))
        return None
    quantity_at = _choose_quantity(numbers)
    if quantity_at is None:
        if any(not n.spec for n in numbers):
            problems.append(ParseProblem(code=AMBIGUOUS_QUANTITY, fragment=segment))
        else:
            problems.append(ParseProblem(code=MISSING_QUANTITY, fragment=segment))
        return None
    number = numbers[quantity_at]
    quantity = _check_quantity(number, tokens, segment, problems)
    if quantity is None:
        return None
    consumed.add(number.index)
    for extra in (number.unit_index, number.times):
        if extra is not None:
            consumed.add(extra)
    if number.unit_index is not None and number.unit_index > number.index + 1:
        between = range(number.index + 1, number.unit_index)
        if all(tokens[i].text.casefold() in _EURO | {"-"} for i in between):
            consumed.update(between)  # "2 Euro-Paletten"
    consumed.update(_numeral_ending(tokens, number.index, segment))

    pack_size: int | None = None
    pack_unit: str | None = None
    before = _pack_before(numbers, quantity_at)
    if before is not None:
        pack_size, pack_unit = int(before.value_text), before.unit
        consumed.update(_number_tokens(tokens, before))
    for other in numbers[quantity_at + 1 :]:
        if pack_size is not None:
            break
        if other.spec:
            continue
        if other.pack_marker is not None and not other.decimal and not other.sign:
            pack_size = int(other.value_text) if other.value_text.isdigit() else None
            pack_size = pack_size or None  # "x 0" is no pack size
            if pack_size:
                pack_unit = other.unit
                consumed.update({other.index, other.pack_marker})
                if other.unit_index is not None:
                    consumed.add(other.unit_index)
                elif (named := _count_unit_word(tokens, consumed)) is not None:
                    # "lidocaine 5 ml ampoules, 40 packs of 10": ten ampoules in each pack.
                    pack_unit = parse_unit(tokens[named].text)
                    consumed.add(named)
                pack_unit = pack_unit or DEFAULT_UNIT
            break
    unit = number.unit
    if number.container:
        if pack_size is None:
            # "10 каністр дизпалива" with no size: the container word stays in the phrase.
            consumed.discard(number.unit_index or -1)
            unit = None
        else:
            unit = DEFAULT_UNIT
    named = _count_unit_word(tokens, consumed) if unit is None and pack_size is None else None
    if named is not None and _last_word_or_before(tokens, consumed, named, number.times):
        # "100 bed linen sets", "heparin vials x 60": the count's unit typed after the thing.
        unit = parse_unit(tokens[named].text)
        consumed.add(named)

    if unit is None and pack_size is not None:
        unit = DEFAULT_UNIT  # "10 Kabeltrommeln à 25 m": ten of them, each 25 m
    if number.container and number.unit_index is not None:
        # "jerry cans": a container named in two words
        after = number.unit_index + 1
        if after < len(tokens) and tokens[after].text.casefold() in _CONTAINERS:
            consumed.add(after) if pack_size is not None else None
    reading = _read_phrase(segment, tokens, consumed, catalog, problems)
    if reading is None:
        return None
    name, item, spec, candidates, how = reading
    measured = _measured_size(numbers, consumed, item, unit, pack_size, number.container)
    if measured is not None:
        # "подовжувачі 50 м 10 шт", "Händedesinfektion 500 ml, 200 Flaschen": the item is
        # counted in litres or metres, so each thing's size is kept as count × size and the
        # totals add up.
        pack_size, pack_unit = int(measured.value_text), measured.unit
        consumed.update(_number_tokens(tokens, measured))
        if number.container and number.unit_index is not None:
            consumed.add(number.unit_index)
            after = number.unit_index + 1
            if after < len(tokens) and tokens[after].text.casefold() in _CONTAINERS:
                consumed.add(after)
        unit = unit if unit is not None and not number.container else DEFAULT_UNIT
        reading = _read_phrase(segment, tokens, consumed, catalog, problems)
        if reading is None:
            return None
        name, item, spec, candidates, how = reading
    questions: list[str] = []
    if item is None and how != "unknown":
        questions.append(Q_WHICH_ITEM)
    elif how == "typo":
        questions.append(Q_TYPO)  # not a question: the preview shows what was typed
    unit_typed = unit is not None
    if unit is None:
        if item is not None and (item.unit in MEASURE_UNITS or item.key in COUNT_OR_LENGTH):
            unit = item.unit
            questions.append(Q_UNIT)
        else:
            unit = DEFAULT_UNIT  # "300 рукавичок" is 300 gloves, whatever a box holds
    if _implausible(item, quantity, unit):
        questions.append(Q_CONFIRM_QTY)
    return ParsedItem(
        item_key=item.key if item is not None else None,
        free_text=None if item is not None else " ".join(name.split()),
        spec=spec,
        quantity=quantity,
        unit=unit,
        source=" ".join(segment.split()),
        pack_size=pack_size,
        pack_unit=pack_unit,
        unit_typed=unit_typed,
        questions=tuple(questions),
        candidates=candidates,
    )


_Reading = tuple[str, CatalogItem | None, str | None, tuple[str, ...], str]


def _read_phrase(
    segment: str,
    tokens: list[_Token],
    consumed: set[int],
    catalog: Catalog,
    problems: list[ParseProblem],
) -> _Reading | None:
    """(name, item, spec, candidates, how) from the words left once the numbers are read;
    ``how`` is read_item's kind."""
    phrase = _remaining(segment, tokens, consumed)
    if not any(ch.isalpha() for ch in phrase):
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
    name, size_spec = _split_spec(phrase)
    reading = read_item(name, catalog)
    spec = " ".join(part for part in (reading.spec, size_spec) if part) or None
    return name, reading.item, spec, reading.candidates, reading.kind


def _number_tokens(tokens: list[_Token], number: _Number) -> set[int]:
    """The number's tokens with its unit and what glues them: "5-Liter-Kanister" entire."""
    out = {number.index}
    if number.unit_index is None:
        return out
    out.update(range(number.index, number.unit_index + 1))
    at = number.unit_index + 1
    glued = at + 1 < len(tokens) and tokens[at].end == tokens[at + 1].start
    if glued and tokens[at].text == "-" and tokens[at + 1].text.casefold() in _CONTAINERS:
        out.update({at, at + 1})
    return out


def _count_unit_word(tokens: list[_Token], consumed: set[int]) -> int | None:
    """The one word left in the phrase that is a count unit ("ampoules", "sets"), if exactly
    one is and it is not the only word."""
    words = [i for i, t in enumerate(tokens) if t.kind == "word" and i not in consumed]
    found = [
        i
        for i in words
        if (u := parse_unit(tokens[i].text)) is not None
        and u not in MEASURE_UNITS
        and number_word(tokens[i].text) is None
    ]
    if len(found) != 1 or len(words) < 2:
        return None
    return found[0]


def _last_word_or_before(
    tokens: list[_Token], consumed: set[int], at: int, times: int | None
) -> bool:
    if times is not None and times == at + 1:
        return True
    return not any(
        t.kind == "word" and i not in consumed for i, t in enumerate(tokens[at + 1 :], at + 1)
    )


_FAMILIES: Final = ({"l", "ml"}, {"kg", "t"}, {"m"})


def _measured_size(
    numbers: list[_Number],
    consumed: set[int],
    item: CatalogItem | None,
    unit: str | None,
    pack_size: int | None,
    container: bool,
) -> _Number | None:
    """A whole measure ("50 м", "500 ml") left beside a count of an item measured that way,
    or beside a count of containers ("5 l, 10 Kanister")."""
    if pack_size is not None or (unit is not None and unit in MEASURE_UNITS):
        return None
    if container:
        family = set(MEASURE_UNITS)
    elif item is not None and item.key in COUNT_OR_LENGTH:
        family = {"m"}
    elif item is not None and item.unit in MEASURE_UNITS:
        family = next((f for f in _FAMILIES if item.unit in f), set())
    else:
        return None
    sizes = [
        n
        for n in numbers
        if n.index not in consumed
        and n.unit in family
        and not n.decimal
        and not n.sign
        and n.value_text.isdigit()
        and int(n.value_text) > 0
    ]
    return sizes[0] if len(sizes) == 1 else None


def _numbers(segment: str, tokens: list[_Token]) -> list[_Number]:
    out: list[_Number] = []
    for index, token in enumerate(tokens):
        word_value = number_word(token.text) if token.kind == "word" else None
        if token.kind != "num" and word_value is None:
            continue
        if token.kind == "num":
            raw = token.text
            sign = raw[0] if raw[0] in "-−–+" else ""
            digits = raw[len(sign) :]
            glued_before = token.start > 0 and segment[token.start - 1].isalpha()
            if sign and token.start > 0 and segment[token.start - 1].isalnum():
                sign, glued_before = "", True  # "А-95", "G-22": a code, not a negative number
        else:
            sign, digits, glued_before = "", str(word_value), False
        number = _Number(
            index=index,
            value_text=digits,
            sign=sign,
            decimal=bool(re.search(r"[.,]", digits)),
            from_word=token.kind == "word",
        )
        prev = tokens[index - 1] if index > 0 else None
        if glued_before and prev is not None and prev.text.casefold() not in _TIMES:
            number = replace(number, spec=True)
        if prev is not None and prev.text.casefold() in _TIMES:
            number = replace(number, times=index - 1)
        after = index + 1
        if after < len(tokens) and tokens[after].kind == "sym" and tokens[after].text == "-":
            after += 1  # "2-х": the ending is dropped below
        nxt = tokens[after] if after < len(tokens) else None
        if nxt is not None and nxt.text.casefold() in _TIMES and number.times is None:
            number = replace(number, times=after)
            after += 1
            nxt = tokens[after] if after < len(tokens) else None
        if nxt is not None:
            folded = nxt.text.casefold().rstrip(".")
            if nxt.kind == "sym" and nxt.text == "%":
                number = replace(number, spec=True)
            elif nxt.kind == "word":
                unit = parse_unit(nxt.text)
                glued = after + 2 < len(tokens) and tokens[after + 1].text == "-"
                if unit is None and folded in _EURO and glued:
                    # "2 Euro-Paletten", "3 євро-палети": the unit after the prefix
                    after += 2
                    nxt = tokens[after]
                    unit = parse_unit(nxt.text)
                if unit is not None:
                    number = replace(number, unit=unit, unit_index=after)
                elif folded in _CONTAINERS:
                    number = replace(number, container=True, unit_index=after)
                elif folded in _SPEC_UNITS or nxt.text in _SPEC_UNITS:
                    number = replace(number, spec=True)
        dot_thousands = "." in digits and "," not in digits
        if (
            number.decimal
            and (number.unit not in MEASURE_UNITS or dot_thousands)
            and _THOUSANDS_RE.match(digits)
        ):
            # "1,000 gloves", "1.000 Handschuhe", "2.000 Liter": a count is whole, so the comma
            # or dot groups thousands. With litres "1,500" could be one and a half (a decimal
            # comma in uk and de): refused below. Nobody writes 2.000 for two litres.
            number = replace(number, value_text=re.sub(r"[.,]", "", digits), decimal=False)
        measured_before = bool(out) and out[-1].unit in MEASURE_UNITS
        if prev is not None and prev.text.casefold() in _TIMES and measured_before:
            pass  # "5 л х 10": the 10 is the count, the 5 l the size of each
        elif (
            prev is not None
            and prev.text.casefold() in _PACK_MARKERS
            and any(not o.spec for o in out)
            and not (
                prev.text.casefold() in _TIMES and number.unit is None and _is_last(tokens, index)
            )
        ):
            # "40 каністр по 20 л": a size after a count. But "генератор 10 кВт х3" and
            # "catheters 14Fr x 100" end in their count: a bare "x N" at the end is how many.
            number = replace(number, pack_marker=index - 1)
        out.append(number)
    return out


_SPACED_DASH_RE: Final = re.compile(r"[0-9]\s+[-–—]\s+[0-9]")
_SIZE_LABEL_RE: Final = re.compile(
    r"(?:розмір|розміри|розмірів|ріст|зріст|размер|размеры|size|sizes|größe|größen|gr\.)\s*$",
    re.IGNORECASE,
)
_SIZE_BEFORE_RE: Final = re.compile(r"(?:[xх×№./,W-]|[^\W\d_]\.?)$", re.IGNORECASE)
_MODEL_BEFORE_RE: Final = re.compile(r"(?:[A-Za-z][A-Za-z0-9]*|ch|fr|g)\s*$", re.IGNORECASE)


def _vague(segment: str) -> re.Match[str] | None:
    """The first amount that does not say how many ("кілька", "10-20"), if any. "NAN 1 — 60
    уп", "Ch 16 – 50 Stück": a spaced dash after a model or size name separates the name from
    the count; it is not a range."""
    for match in _VAGUE_RE.finditer(segment):
        spaced = _SPACED_DASH_RE.search(match.group())
        if spaced and _MODEL_BEFORE_RE.search(segment, 0, match.start()):
            continue
        if _SIZE_LABEL_RE.search(segment, 0, match.start()):
            continue  # "розміри 122-140", "sizes 36-42": a span of sizes
        if spaced and _SIZE_BEFORE_RE.search(segment, 0, match.start()):
            # "бинт 7х14 - 500 шт", "р.7,5 - 500 пар", "№3 — 80 уп", "10W-40 – 20": the first
            # number is part of a size or a name, the dash stands before the count.
            continue
        return match
    return None


# "10 000 шт", "1 500 Stk": digits grouped by spaces with a count unit right after.
_JOIN_GROUPS_RE: Final = re.compile(
    r"(?:(?<=\s)|^)(?P<num>[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+)(?![0-9.,])"
    r"(?=\s*(?P<unit>[^\W\d_]+\.?))"
)


def _join_groups(match: re.Match[str]) -> str:
    """One number when a unit of count follows ("10 000 шт" is ten thousand pieces); left
    as typed otherwise ("12 300 шприців" may be 12 packs of 300) and refused later."""
    unit = parse_unit(match.group("unit"))
    if unit is None or unit in MEASURE_UNITS:
        return match.group()
    return re.sub(r"[ \u00a0\u202f]", "", match.group("num"))


def _is_last(tokens: list[_Token], index: int) -> bool:
    """Nothing but punctuation after this token."""
    return all(t.kind == "sym" for t in tokens[index + 1 :])


def _pack_before(numbers: list[_Number], at: int) -> _Number | None:
    """ "5 л х 10", "подовжувачі 50 м 10 шт": a measured size before a counted quantity."""
    number = numbers[at]
    # Only "5 л х 10" / "5 l x 10 Kanister": a size then a count of containers. A measure
    # before a counted unit ("шприци 5 мл 300 шт", "1000 ml x 200 bottles") is the size of
    # each thing, kept in the specification.
    counted = number.times is not None and number.times < number.index and number.unit is None
    if at == 0 or not counted:
        return None
    previous = numbers[at - 1]
    if (
        previous.unit_index is not None
        and previous.unit_index + 1 == number.times
        and previous.unit in MEASURE_UNITS
        and not previous.spec
        and not previous.decimal
        and previous.value_text.isdigit()
        and int(previous.value_text) > 0
    ):
        return previous
    return None


def _unit_before(tokens: list[_Token], numbers: list[_Number]) -> list[_Number]:
    """ "кеторолак амп. 300", "vials 300": a unit word just before a bare final number."""
    out = []
    for number in numbers:
        at = number.index - 1
        while at >= 0 and tokens[at].kind == "sym" and tokens[at].text in ".:-–":
            at -= 1
        if (
            number.unit is None
            and not number.spec
            and number.times is None
            and number.index == len(tokens) - 1
            and at >= 0
            and tokens[at].kind == "word"
            and (unit := parse_unit(tokens[at].text)) is not None
            and not any(n.unit_index == at for n in numbers)
        ):
            number = replace(number, unit=unit, unit_index=at)
        out.append(number)
    return out


def _choose_quantity(numbers: list[_Number]) -> int | None:
    """Which number is the quantity: one with a count unit or an "x", else the only one."""
    candidates = [i for i, n in enumerate(numbers) if not n.spec and n.pack_marker is None]
    if not candidates:
        return None
    whole = [i for i in candidates if not numbers[i].decimal]
    if whole and len(whole) < len(candidates):
        # "еноксапарин 0,4 мл 100 шприців": a fraction is a dose or a size, never a count.
        candidates = whole
    strong = [
        i
        for i in candidates
        if numbers[i].times is not None
        or numbers[i].container
        or (numbers[i].unit is not None and numbers[i].unit not in MEASURE_UNITS)
    ]
    if strong:
        return strong[0]
    if len(candidates) == 1:
        return candidates[0]
    bare = [i for i in candidates if numbers[i].unit is None]
    measured = [i for i in candidates if numbers[i].unit is not None]
    if len(bare) == 1 and all(m > bare[0] for m in measured):
        return bare[0]  # "300 шприців 5 мл": the later measure is the syringe's size
    if not bare and measured:
        return measured[0]
    return None


def _check_quantity(
    number: _Number, tokens: list[_Token], segment: str, problems: list[ParseProblem]
) -> int | None:
    text = tokens[number.index].text
    if number.decimal:
        problems.append(ParseProblem(code=BAD_QUANTITY, fragment=text))
        return None
    if number.sign and number.sign != "+":
        problems.append(ParseProblem(code=NEGATIVE_QUANTITY, fragment=text))
        return None
    digits = number.value_text.lstrip("+")
    preceding = _GROUP_BEFORE_RE.search(segment, 0, tokens[number.index].start)
    if preceding and len(digits) == 3 and not number.from_word:
        # "шприци 10 мл — 1 500 шт": the "1" belongs to the count; refused with the whole
        # number quoted rather than read as 500.
        problems.append(ParseProblem(code=BAD_QUANTITY, fragment=preceding.group() + text))
        return None
    following = segment[tokens[number.index].end :]
    grouped = _GROUPED_RE.match(following)
    if grouped and len(digits) <= 3:
        # "1 000 генераторів" must not become one generator and an item called "000 ...".
        problems.append(ParseProblem(code=BAD_QUANTITY, fragment=text + grouped.group()))
        return None
    significant = digits.lstrip("0")
    if not significant:
        problems.append(ParseProblem(code=ZERO_QUANTITY, fragment=text))
        return None
    # Length first: int() of a very long digit string is slow and may be refused outright.
    if len(significant) > len(str(MAX_QUANTITY)) or int(significant) > MAX_QUANTITY:
        problems.append(
            ParseProblem(code=QUANTITY_TOO_LARGE, fragment=text, args={"max": str(MAX_QUANTITY)})
        )
        return None
    return int(significant)


_THOUSANDS_RE: Final = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]{3})+$")
_GROUPED_RE: Final = re.compile(r"(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])")
_GROUP_BEFORE_RE: Final = re.compile(
    r"(?:(?<=\s)|^)[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})*[ \u00a0\u202f]$"
)
_LEADING_GROUPED_RE: Final = re.compile(r"^[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])")


def _numeral_ending(tokens: list[_Token], index: int, segment: str) -> set[int]:
    end = tokens[index].end
    match = _NUMERAL_ENDING_RE.match(segment, end)
    if match is None:
        return set()
    return {i for i, t in enumerate(tokens) if t.start >= end and t.end <= match.end()}


def _remaining(segment: str, tokens: list[_Token], consumed: set[int]) -> str:
    kept = [t for i, t in enumerate(tokens) if i not in consumed]
    out: list[str] = []
    previous_end: int | None = None
    for token in kept:
        if previous_end is not None:
            gap = segment[previous_end : token.start]
            out.append(gap if gap and not gap.strip() else (" " if gap else ""))
        out.append(token.text)
        previous_end = token.end
    phrase = "".join(out).strip(" \t,.:;-–—")
    phrase = _LEADING_OF_RE.sub("", phrase)  # "500 litres of diesel"
    if phrase.startswith("(") and ")" not in phrase:
        phrase = phrase[1:]
    if phrase.endswith(")") and "(" not in phrase:
        phrase = phrase[:-1]
    return phrase.strip()


def _implausible(item: CatalogItem | None, quantity: int, unit: str) -> bool:
    if unit in MEASURE_UNITS and (item is None or item.unit != unit):
        return quantity > 1_000_000 // 2
    limit = item.plausible_max if item is not None else 20_000
    return quantity > limit


_LEADING_OF_RE: Final = re.compile(r"^(?:of|an)\s+", re.IGNORECASE)
# The specification starts at the first word with a digit, or at a size's label before it
# ("Ch 16", "Fr 14", "№ 4").
_SPEC_START_RE: Final = re.compile(
    r"\s\(?(?:(?:ch|fr|gr\.?|№|nr\.?|no\.?|на|по|je|à)\s?(?=[0-9]))?\(?[^\s]*[0-9]",
    re.IGNORECASE,
)


# "size M", "Gr. L", "розмір XL", "р. 42": a size with its label, wherever it stands.
_SIZE_RE: Final = re.compile(
    r"(?<!\w)(?:size|sizes|gr\.?|größe|grösse|groesse|розмір|розміру|размер|р\.)\s*"
    r"(?:xxs|xs|s|m|l|xl|xxl|xxxl|[0-9]+(?:[.,][0-9]+)?)(?!\w)",
    re.IGNORECASE,
)


def _split_spec(phrase: str) -> tuple[str, str | None]:
    """("генератор", "30 кВт") from "генератор 30 кВт"; the name never starts with the spec."""
    sized = _SIZE_RE.search(phrase)
    if sized is not None:
        rest = (phrase[: sized.start()] + " " + phrase[sized.end() :]).strip(" ,.:;-–—")
        if any(ch.isalpha() for ch in rest):
            name, spec = _split_spec(rest)
            return name, " ".join(p for p in (sized.group(), spec) if p)
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


def _blank(chars: list[str], start: int, end: int, fill: str = " ") -> None:
    """Replace a consumed flag or date with spaces, keeping line breaks as item separators."""
    for index in range(start, end):
        if not _SEPARATOR_RE.match(chars[index]):
            chars[index] = fill


# An urgency word taken out before dates are read leaves this mark, not spaces: "ВЕРЕСЕНЬ
# !critical 1" must not become "вересня 1" across the removed flag. Turned into spaces once
# the dates are read.
_GAP_MARK: Final = "\ue000"  # a private-use character: neither a space nor a letter


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
