"""Ukrainian names in Latin letters by the official national system (KMU resolution 55 of 2010).

The rules are positional (є, ї, й, ю, я at the start of a word differ from inside it; зг is zgh;
the apostrophe and the soft sign are dropped), which the ``translitua`` library implements
(``UkrainianKMU``). Checked against the data: it reproduces OCHA's English name for all 1,547
units of the oblast that have one (tests/storage/test_places.py).
"""

from __future__ import annotations

from translitua import UkrainianKMU, translit

# Every apostrophe a keyboard or a copied text may hold; the codifier writes U+2019.
APOSTROPHES = "’'ʼ`‘′ʹ"
_TO_CODIFIER = str.maketrans({a: "’" for a in APOSTROPHES})


def unify_apostrophes(text: str) -> str:
    """The codifier's apostrophe (U+2019) for every look-alike, so names compare equal."""
    return text.translate(_TO_CODIFIER)


def latin(text: str) -> str:
    """``text`` (Ukrainian Cyrillic) in the national Latin transliteration; Latin stays as is."""
    return str(translit(unify_apostrophes(text), UkrainianKMU))


def has_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)
