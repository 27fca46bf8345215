"""A raion or hromada as a filter of /open, /subscribe, /digest, /export, /chart and /meeting.

A filter word (or a name with its type word, "Самарівська громада", or with a raion after a
comma, "Покровська,Синельниківський") is searched among the oblast's raions and hromadas
(storage/places). One sure unit becomes the filter's place code. Several units, or one found
only by a typo or by the beginning of its name, are never taken: the command is answered with
the candidates, each with the same command line where the name is replaced by the unit's
P-code, as a button (``pf:<command line>``, when it fits a button's 64 bytes) and as text to
copy. Pressing it runs that command as if typed, with the command's own role and chat rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.registry import COORDINATOR, ChoiceRoute, Registry, Where
from handlers.text.format import esc
from handlers.text.i18n import Language, Translator
from handlers.text.places import unit_label, unit_with_context
from storage.models import MAX_PAYLOAD_BYTES
from storage.places import Level, MatchKind, SearchResult, Unit, codifier, search
from storage.places.search import surface_key

LEVELS = frozenset({Level.RAION, Level.HROMADA})
# The commands whose filters may name a place; a 'pf:' button runs only these.
FILTER_COMMANDS = frozenset({"open", "subscribe", "digest", "export", "chart", "meeting"})
PREFIX = "pf"
# Type words that belong to the name before them ("Самарівська громада").
_TRAILING = {
    surface_key(w)
    for w in (
        "громада громади тг отг район району р-н hromada raion rayon district rajon gemeinde"
    ).split()
}


def group_words(args: str) -> list[str]:
    """The filter words, a place's type word and a comma's qualifier kept with its name."""
    words: list[str] = []
    for token in args.split():
        if words and (surface_key(token) in _TRAILING or words[-1].endswith(",")):
            words[-1] = f"{words[-1]} {token}"
        else:
            words.append(token)
    return words


@dataclass(frozen=True)
class PlaceWord:
    """What a filter word names: a sure unit, or candidates to ask about, or nothing."""

    unit: Unit | None = None
    found: SearchResult | None = None

    @property
    def ask(self) -> bool:
        return self.unit is None and self.found is not None and bool(self.found.candidates)


def read_place(word: str) -> PlaceWord:
    found = search(word, levels=LEVELS)
    if found.sure is not None:
        return PlaceWord(unit=found.sure)
    return PlaceWord(found=found)


def place_code(unit: Unit) -> str:
    """The short code a command line carries: the OCHA P-code (UA1208009), a KATOTTH prefix."""
    return unit.pcode or unit.code


def place_label(t: Translator, lang: Language, code: str | None) -> str | None:
    """Plain text: a filter's place, 'Самарівський район'; None for no or an unknown code."""
    unit = codifier().get(code) if code else None
    return unit_label(t, lang, unit, html=False) if unit else None


def question(turn: Turn, command: str, head: str, words: list[str], index: int) -> Reply:
    """Which of the candidates for ``words[index]`` was meant, as commands to run."""
    word = words[index]
    place = read_place(word)
    assert place.found is not None
    found = place.found
    typo = all(m.kind in (MatchKind.TYPO, MatchKind.PREFIX) for m in found.candidates)
    key = "placefilter.did_you_mean" if typo else "placefilter.choose"
    lines = [turn.tr(key, text=esc(word[:80]))]
    buttons: list[tuple[Choice, ...]] = []
    t, lang = turn.ctx.t, turn.lang
    for unit in found.units:
        rest = [*words[:index], place_code(unit), *words[index + 1 :]]
        line = " ".join(p for p in (f"/{command}", head, *rest) if p)
        label = unit_with_context(t, lang, unit)
        lines.append(f"• {esc(label)}: <code>{esc(line)}</code>")
        payload = f"{PREFIX}:{line}"
        if len(payload.encode()) <= MAX_PAYLOAD_BYTES:
            buttons.append((Choice(label=label[:120], payload=payload),))
    if found.more:
        lines.append(turn.tr("place.more", count=found.more))
    return Reply(text="\n".join(lines), choices=tuple(buttons))


async def on_pick(turn: Turn, payload: str) -> list[Reply]:
    """A candidate's button: run its command line as if typed, under that command's rules."""
    line = payload.strip()
    name, _, args = line.removeprefix("/").partition(" ")
    command = turn.registry.commands.get(name)
    if (
        name not in FILTER_COMMANDS
        or command is None
        or not (command.roles & turn.roles)
        or (command.where is Where.PRIVATE and not turn.incoming.private)
    ):
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    return await command.handler(turn, args)


def register(registry: Registry) -> None:
    # Any chat, because /subscribe may be used in the team room; on_pick applies the chosen
    # command's own Where, so a private command's button does nothing in a group.
    registry.add_choice(ChoiceRoute(PREFIX, COORDINATOR, on_pick, where=Where.ANY_CHAT))
