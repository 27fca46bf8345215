"""Ukrainian word forms through pymorphy3 and its Ukrainian dictionaries.

Two questions the reader asks of a Ukrainian word: is it a real word of the language (a real
word that differs from a catalog word by one letter is a different thing, "кафель" is not
"кабель"; only an unknown word may be a typo), and is it a noun or an adjective (in "фільтри
кисневого концентратора" the first noun, "фільтри", is what is asked for). pymorphy3 answers
both from the OpenCorpora-format dictionary of the Ukrainian language in about 30 µs a word;
a list of endings written by hand could not tell "шини" (tyres) from an inflected catalog word.
"""

from __future__ import annotations

import functools
from typing import Final

import pymorphy3

_NAME_TAGS: Final = frozenset({"Surn", "Name", "Patr", "Geox", "Orgn"})


@functools.cache
def _analyzer() -> pymorphy3.MorphAnalyzer:
    # Built once per process (about 70 ms); read-only afterwards.
    return pymorphy3.MorphAnalyzer(lang="uk")


def is_cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def is_known(word: str) -> bool:
    """A word the dictionary knows as it is written (not a guess from its ending)."""
    return bool(is_cyrillic(word) and _analyzer().word_is_known(word.casefold()))


def is_noun(word: str) -> bool:
    """True when the word's likely reading is a common noun (not an adjective or a name)."""
    if not is_cyrillic(word):
        return False
    parses = _analyzer().parse(word.casefold())
    if any("ADJF" in p.tag or "PRTF" in p.tag for p in parses[:3]):
        return False
    best = parses[0]
    return "NOUN" in best.tag and not (_NAME_TAGS & best.tag.grammemes)


def is_adjective(word: str) -> bool:
    """True when the word's likely reading is an adjective or participle ("стерильні")."""
    if not is_cyrillic(word):
        return False
    best = _analyzer().parse(word.casefold())[0]
    return "ADJF" in best.tag or "PRTF" in best.tag


def lemma(word: str) -> str:
    if not is_cyrillic(word):
        return word.casefold()
    return str(_analyzer().parse(word.casefold())[0].normal_form)


def is_verb(word: str) -> bool:
    """True when the word's likely reading is a verb ("стоять", "закінчується")."""
    if not is_cyrillic(word):
        return False
    best = _analyzer().parse(word.casefold())[0]
    return "VERB" in best.tag
