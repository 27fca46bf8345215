"""Picking an organisation's place in chat: raion -> hromada -> settlement, by button or name.

Shared by /org_add (handlers/admin/organisations.py) and the place edit from the /org card.
Each step offers its units as buttons (a hromada's settlements only when there are few) and
takes a typed name, searched in the units below what is already chosen (storage/places). A
typed hromada or settlement at an earlier step fills in its parents and skips ahead. A name
that fits several units, or only by a typo, is never taken: the candidates come back as
buttons, each with its hromada and raion, and the admin picks one.

The payloads are ``<prefix>:p:<KATOTTH code>`` (a unit), ``<prefix>:o`` (outside the oblast) and
``<prefix>:w`` (the whole hromada, no settlement); the caller owns the prefix and its flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from handlers.admin.org_rules import FieldRefused, clean_field
from handlers.core.context import Turn
from handlers.core.events import Choice, Reply, rows
from handlers.text.format import esc
from handlers.text.places import unit_label, unit_with_context
from storage.models import Placement
from storage.places import Level, MatchKind, Unit, codifier, search
from storage.places.placing import placement_for

PLACE_STEPS: tuple[str, ...] = ("raion", "hromada", "settlement", "abroad")
# A hromada with more settlements than this is answered by typing, not a wall of buttons.
MAX_SETTLEMENT_BUTTONS = 24

_LEVELS: dict[str, frozenset[Level]] = {
    "raion": frozenset({Level.RAION, Level.HROMADA, Level.SETTLEMENT}),
    "hromada": frozenset({Level.HROMADA, Level.SETTLEMENT}),
    "settlement": frozenset({Level.SETTLEMENT}),
}
_NEXT = {Level.RAION: "hromada", Level.HROMADA: "settlement"}


class PlaceDraft(BaseModel):
    """The place chosen so far."""

    raion_code: str | None = None
    hromada_code: str | None = None
    settlement_code: str | None = None
    outside: bool = False
    abroad: str | None = None  # the town outside the oblast, as typed

    def placement(self) -> Placement:
        if self.outside:
            return Placement(outside_oblast=True)
        return Placement(
            raion_code=self.raion_code,
            hromada_code=self.hromada_code,
            settlement_code=self.settlement_code,
        )


@dataclass(frozen=True)
class Outcome:
    """What an answer did: ``next_step`` ("hromada", "settlement", or None when the place is
    complete) with the updated ``draft``; or only ``reply`` (candidates, not found)."""

    draft: PlaceDraft | None = None
    next_step: str | None = None
    reply: Reply | None = None

    @property
    def taken(self) -> bool:
        return self.draft is not None


def _scope(step: str, draft: PlaceDraft) -> str | None:
    return {"hromada": draft.raion_code, "settlement": draft.hromada_code}.get(step)


def _take(step: str, draft: PlaceDraft, unit: Unit) -> Outcome | None:
    """Take ``unit`` at ``step`` if it belongs there (a stale or forged button does not)."""
    places = codifier()
    scope = _scope(step, draft)
    if step not in _LEVELS or unit.level not in _LEVELS[step]:
        return None
    if scope is not None and not places.within(unit.code, scope):
        return None
    place = placement_for(unit)
    updated = draft.model_copy(
        update={
            "raion_code": place.raion_code,
            "hromada_code": place.hromada_code,
            "settlement_code": place.settlement_code,
            "outside": False,
            "abroad": None,
        }
    )
    return Outcome(draft=updated, next_step=_NEXT.get(unit.level))


def prompt(
    turn: Turn, step: str, draft: PlaceDraft, *, prefix: str, allow_abroad: bool = True
) -> tuple[str, list[Choice]]:
    """The question for ``step`` and its buttons (the caller adds Back and Cancel)."""
    places = codifier()
    t, lang = turn.ctx.t, turn.lang

    def button(unit: Unit) -> Choice:
        label = unit_label(t, lang, unit, html=False)
        return Choice(label=label, payload=f"{prefix}:p:{unit.code}")

    if step == "raion":
        buttons = [button(u) for u in sorted(places.units(Level.RAION), key=lambda u: u.name)]
        if allow_abroad:
            buttons.append(Choice(label=turn.tr("place.btn_abroad"), payload=f"{prefix}:o"))
        return turn.tr("place.ask_raion"), buttons
    if step == "hromada" and draft.raion_code:
        raion = places[draft.raion_code]
        buttons = [button(u) for u in places.children(raion.code, Level.HROMADA)]
        return turn.tr("place.ask_hromada", raion=unit_label(t, lang, raion)), buttons
    if step == "settlement" and draft.hromada_code:
        hromada = places[draft.hromada_code]
        settlements = places.children(hromada.code, Level.SETTLEMENT)
        whole = Choice(label=turn.tr("place.btn_whole"), payload=f"{prefix}:w", nav=True)
        label = unit_label(t, lang, hromada)
        if len(settlements) > MAX_SETTLEMENT_BUTTONS:
            text = turn.tr("place.ask_settlement_typed", hromada=label, count=len(settlements))
            return text, [whole]
        return turn.tr("place.ask_settlement", hromada=label), [
            *(button(u) for u in settlements),
            whole,
        ]
    return turn.tr("place.ask_abroad"), []


def candidates_reply(
    turn: Turn,
    text: str,
    units: Sequence[Unit],
    more: int,
    *,
    typo: bool,
    prefix: str,
    nav: Sequence[Choice],
) -> Reply:
    t, lang = turn.ctx.t, turn.lang
    key = "place.did_you_mean" if typo else "place.choose"
    lines = [turn.tr(key, text=esc(text.strip()[:80]))]
    if more:
        lines.append(turn.tr("place.more", count=more))
    buttons = [
        Choice(label=unit_with_context(t, lang, u)[:120], payload=f"{prefix}:p:{u.code}")
        for u in units
    ]
    return Reply(text="\n".join(lines), choices=(*rows(*buttons, per_row=1), tuple(nav)))


def take_text(
    turn: Turn, step: str, draft: PlaceDraft, text: str, *, prefix: str, nav: Sequence[Choice]
) -> Outcome:
    """A typed answer at ``step``: taken when sure, else candidates or 'not found'."""
    if step == "abroad":
        try:
            town = clean_field("settlement", text)
        except FieldRefused:
            return Outcome(reply=Reply(text=turn.tr("place.ask_abroad"), choices=(tuple(nav),)))
        updated = PlaceDraft(outside=True, abroad=town)
        return Outcome(draft=updated, next_step=None)
    found = search(text, levels=_LEVELS[step], within=_scope(step, draft))
    if found.sure is not None:
        taken = _take(step, draft, found.sure)
        if taken is not None:
            return taken
    if not found.candidates:
        not_found = turn.tr("place.not_found", text=esc(text.strip()[:80]))
        return Outcome(reply=Reply(text=not_found, choices=(tuple(nav),)))
    typo = all(m.kind in (MatchKind.TYPO, MatchKind.PREFIX) for m in found.candidates)
    reply = candidates_reply(turn, text, found.units, found.more, typo=typo, prefix=prefix, nav=nav)
    return Outcome(reply=reply)


def take_payload(step: str, draft: PlaceDraft, payload: str) -> Outcome | None:
    """A button at ``step`` ('p:CODE', 'o', 'w'); None when it does not belong to this step."""
    action, _, code = payload.partition(":")
    if action == "p":
        unit = codifier().get(code)
        return _take(step, draft, unit) if unit is not None and code == unit.code else None
    if action == "o" and step == "raion":
        return Outcome(draft=PlaceDraft(outside=True), next_step="abroad")
    if action == "w" and step == "settlement" and draft.hromada_code:
        return Outcome(draft=draft.model_copy(update={"settlement_code": None}), next_step=None)
    return None


def consistent_step(step: str, draft: PlaceDraft) -> str:
    """``step``, or the raion question when the draft lacks what the step builds on (a draft
    saved by an older version, before places had codes)."""
    if step in ("hromada", "settlement") and _scope(step, draft) is None:
        return "raion"
    return step


def previous_step(step: str, draft: PlaceDraft) -> str | None:
    """Where Back goes from a place step (None: before the place)."""
    return {"hromada": "raion", "settlement": "hromada", "abroad": "raion"}.get(step)
