"""Urgency said in words ("терміново", "dringend", "ASAP") or as a flag ("!critical").

"Urgent" in any language means HIGH: CRITICAL (life at risk within 72 h) must be said with its
own word ("критично", "kritisch", "life-threatening"). A line that says both "urgent" and
"critical" is critical; one that says "not urgent" and "urgent" is a contradiction to ask about.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Final, NamedTuple

from storage.models import Urgency

_C, _H, _N, _L = Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW

# Words and phrases, casefolded, apostrophes as typed are folded by the caller's pattern.
# Russian forms are included: many people in the oblast type on a Russian layout.
WORDS: Final = MappingProxyType(
    {
        # critical
        "критично": _C,
        "критичний": _C,
        "критична": _C,
        "критичне": _C,
        "критично важливо": _C,
        "життєво необхідно": _C,
        "життєво необхідні": _C,
        "життєво важливо": _C,
        "загроза життю": _C,
        "критически": _C,
        "критично срочно": _C,
        "kritisch": _C,
        "lebenswichtig": _C,
        "lebensbedrohlich": _C,
        "lebensnotwendig": _C,
        "critical": _C,
        "life-threatening": _C,
        "life threatening": _C,
        "life-critical": _C,
        # high
        "терміново": _H,
        "термiново": _H,
        "терміновий": _H,
        "термінова": _H,
        "термінове": _H,
        "термінові": _H,
        "негайно": _H,
        "якнайшвидше": _H,
        "як можна швидше": _H,
        "висока": _H,
        "високий": _H,
        "високе": _H,
        "срочно": _H,
        "срочный": _H,
        "срочная": _H,
        "срочные": _H,
        "dringend": _H,
        "dringlich": _H,
        "eilig": _H,
        "eilt": _H,
        "sofort": _H,
        "schnellstmöglich": _H,
        "so schnell wie möglich": _H,
        "hoch": _H,
        "urgent": _H,
        "urgently": _H,
        "asap": _H,
        "as soon as possible": _H,
        "high": _H,
        "high priority": _H,
        "на вчора": _H,  # an idiom: "needed yesterday", i.e. extremely urgent
        "на вчера": _H,
        "hohe priorität": _H,
        "високий пріоритет": _H,
        "пріоритет високий": _H,
        "пріоритет критичний": _C,
        "priorität hoch": _H,
        "priority high": _H,
        # intensified "urgent" is still HIGH: critical needs its own word
        "дуже терміново": _H,
        "вкрай терміново": _H,
        "дуже срочно": _H,
        "очень срочно": _H,
        "sehr dringend": _H,
        "äußerst dringend": _H,
        "very urgent": _H,
        "extremely urgent": _H,
        # normal
        "звичайна": _N,
        "звичайний": _N,
        "звичайне": _N,
        "нормальна": _N,
        "нормальний": _N,
        "normal": _N,
        # low
        "не терміново": _L,
        "нетерміново": _L,
        "не горить": _L,
        "не срочно": _L,
        "низька": _L,
        "низький": _L,
        "низьке": _L,
        "низький пріоритет": _L,
        "пріоритет низький": _L,
        "priorität niedrig": _L,
        "priority low": _L,
        "nicht dringend": _L,
        "niedrig": _L,
        "niedrige priorität": _L,
        "not urgent": _L,
        "low": _L,
        "low priority": _L,
    }
)

# Level words that are only urgency as a "!flag" or beside a priority word: "висока" alone
# in an item phrase could describe the thing ("висока кушетка"); "normal", "low", "high",
# "hoch" likewise ("high flow").
FLAG_ONLY: Final = frozenset(
    {
        "висока",
        "високий",
        "високе",
        "звичайна",
        "звичайний",
        "звичайне",
        "нормальна",
        "нормальний",
        "низька",
        "низький",
        "низьке",
        "normal",
        "low",
        "high",
        "hoch",
        "niedrig",
        "критичний",
        "критична",
        "критичне",
    }
)

# Between the words of a phrase: spaces, or a colon ("Пріоритет: низький").
_GAP: Final = r"(?:\s*:\s*|\s+)"
_PHRASES: Final = sorted((w for w in WORDS if w not in FLAG_ONLY), key=len, reverse=True)
_WORD_RE: Final = re.compile(
    r"(?<![\w!])(?:" + "|".join(re.escape(p).replace(r"\ ", _GAP) for p in _PHRASES) + r")(?!\w)",
    re.IGNORECASE,
)
# A flag is "!" at the start of a word; "!!!" on its own is emphasis.
_FLAG_RE: Final = re.compile(r"(?<![^\s;:,(])![^\s;,]*")


# Looked up casefolded: "ÄUßERST DRINGEND" folds to "äusserst dringend".
_FOLDED: Final = MappingProxyType({word.casefold(): level for word, level in WORDS.items()})


class UrgencyHit(NamedTuple):
    start: int
    end: int
    level: Urgency | None  # None: a !flag that names no level
    text: str


def find_urgency(text: str) -> list[UrgencyHit]:
    """Every urgency word or flag in ``text``, in order; flags that name nothing have None."""
    hits: list[UrgencyHit] = []
    for match in _FLAG_RE.finditer(text):
        token = match.group()
        word = token.lstrip("!").rstrip(".,:!)").casefold()
        if not word:
            continue  # bare "!" or "!!!"
        hits.append(UrgencyHit(match.start(), match.end(), _FOLDED.get(word), token))
    taken = [(h.start, h.end) for h in hits]
    for match in _WORD_RE.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        phrase = " ".join(match.group().casefold().replace(":", " ").split())
        level = _FOLDED.get(phrase)
        if level is not None:
            hits.append(UrgencyHit(match.start(), match.end(), level, match.group()))
    hits.sort(key=lambda h: h.start)
    return hits


def combine(levels: list[Urgency]) -> Urgency | None:
    """One level from several words, or None when they contradict (low beside urgent)."""
    if not levels:
        return _N
    found = set(levels)
    if _L in found and (found & {_H, _C}):
        return None
    if _C in found:
        return _C
    if _H in found:
        return _H
    if _L in found:
        return _L
    return _N
