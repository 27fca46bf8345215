"""Quantities said in words, up to twenty, and the counting words "десяток", "a dozen",
"a hundred", in uk (and the common Russian forms), de and en.

"пару" / "ein paar" / "a couple" are not here on purpose: they do not say how many.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

_GROUPS: Final = (
    (1, "один одна одне одну одного одній одним ein eine einen einem einer one"),
    (2, "два дві двох двоє двома две zwei two"),
    (3, "три трьох троє трьома drei three"),
    (4, "чотири чотирьох четверо четыре vier four"),
    (5, "пять пятеро пяти fünf fuenf five"),
    (6, "шість шести шестеро шесть sechs six"),
    (7, "сім семи сьома семь sieben seven"),
    (8, "вісім восьми вісьмох восемь acht eight"),
    (9, "девять девяти neun nine"),
    (10, "десять десяти zehn ten"),
    (11, "одинадцять одиннадцать elf eleven"),
    (12, "дванадцять двенадцать zwölf zwoelf twelve"),
    (13, "тринадцять тринадцать dreizehn thirteen"),
    (14, "чотирнадцять четырнадцать vierzehn fourteen"),
    (15, "пятнадцять пятнадцать fünfzehn fuenfzehn fifteen"),
    (16, "шістнадцять шестнадцать sechzehn sixteen"),
    (17, "сімнадцять семнадцать siebzehn seventeen"),
    (18, "вісімнадцять восемнадцать achtzehn eighteen"),
    (19, "девятнадцять девятнадцать neunzehn nineteen"),
    (20, "двадцять двадцать zwanzig twenty"),
    # counting words people use for round amounts
    (10, "десяток"),
    (12, "дюжина дюжину dozen dutzend"),
    (100, "сотня сотню hundred hundert"),
)

NUMBER_WORDS: Final = MappingProxyType(
    {word: value for value, words in _GROUPS for word in words.split()}
)
# "ein"/"one" also mean "a": "ein Generator" is one generator, which is what it says.
_APOSTROPHES: Final = "'ʼ’‘`´"


def number_word(word: str) -> int | None:
    folded = "".join(ch for ch in word.casefold() if ch not in _APOSTROPHES)
    return NUMBER_WORDS.get(folded)
