"""/offer: one line read by the same reader as /need, or step by step, up to Submit.

"/offer 12 Notstromaggregat 20 kVA; 2 Transformator 630 kVA bis 31.01." is read by
handlers/requests/need_line.parse_need: items, quantities, units, specifications and the date
(here: available until). What the reader asks about (which item, which unit, a quantity far
above the plausible) the preview asks too, with the /need wizard's own answer rules
(intake.answer_question), before anything is stored. An unknown unit is asked, never assumed.
Then the form asks what the line did not say: the last day of availability, the pick-up place
in NRW (a town, as typed), the condition, whether the donor may be named to the hospital, a
note; the summary has Submit, a change button per answer and Cancel. "/offer" alone asks for
the goods first. The draft lives in the chat's conversation row (flow "offer"), so a restart
loses nothing; Submit is one transaction (handlers/offers/service.submit_offer).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply, rows
from handlers.core.registry import DONOR, ChoiceRoute, Command, Flow, Registry
from handlers.offers import service
from handlers.requests import intake
from handlers.requests.need_line import (
    ASKING_PROBLEMS,
    Q_UNIT,
    Q_WHICH_ITEM,
    ParsedItem,
    parse_need,
)
from handlers.requests.submit import SUBMITTED
from handlers.requests.submit import matches as request_matches
from handlers.requests.units import unit_name
from handlers.text.format import esc, fmt_date, fmt_qty, item_line
from storage.offer_models import Condition

FLOW: Final = "offer"
# The marker a submitted offer leaves, under /need's own name for it: /cancel knows it is no
# conversation, and each Submit reads back only its own model.
DONE_FLOW: Final = SUBMITTED
MAX_PLACE: Final = 100
MAX_NOTE: Final = 1000
MAX_DAYS_AHEAD: Final = 730
UNTIL_BUTTONS: Final = (14, 30, 90)
STEPS: Final = ("lines", "until", "place", "condition", "named", "note", "summary")


class OfferDraft(BaseModel):
    """An offer being filled in. ``lines`` is the /need draft: items, open questions, typos."""

    model_config = ConfigDict(extra="forbid")

    id: str
    lines: intake.Draft
    until: date | None = None
    place: str | None = None
    condition: Condition | None = None
    named: bool | None = None
    note: str | None = None
    note_asked: bool = False
    submitted_ref: str | None = None


def next_step(draft: OfferDraft) -> str:
    if not draft.lines.items:
        return "lines"
    if draft.until is None:
        return "until"
    if draft.place is None:
        return "place"
    if draft.condition is None:
        return "condition"
    if draft.named is None:
        return "named"
    if not draft.note_asked:
        return "note"
    return "summary"


def _cancel(turn: Turn) -> Choice:
    return Choice(label=turn.tr("btn.cancel"), payload="of:cancel", nav=True)


def lines_text(turn: Turn, draft: OfferDraft) -> str:
    out = [f"<b>{esc(turn.tr('offer.preview_title'))}</b>"]
    for number, item in enumerate(draft.lines.items, 1):
        line = f"{number}. {item_line(turn.ctx.t, turn.ctx.catalog, turn.lang, item)}"
        if number - 1 in draft.lines.typos and item.source:
            line += "\n   " + turn.tr("need.you_wrote", text=esc(item.source))
        out.append(line)
    if draft.until is not None:
        out.append(turn.tr("offer.until_line", date=fmt_date(draft.until)))
    if draft.place is not None:
        out.append(turn.tr("offer.place_line", place=esc(draft.place)))
    if draft.condition is not None:
        out.append(turn.tr(f"offer.condition.{draft.condition.value}"))
    if draft.named is not None:
        out.append(turn.tr("offer.named_yes" if draft.named else "offer.named_no"))
    if draft.note:
        out.append(f"📝 {esc(draft.note)}")
    return "\n".join(out)


def question_reply(turn: Turn, draft: OfferDraft) -> Reply:
    """The reader's first open question on a line, as /need's preview asks it."""
    question = draft.lines.questions[0]
    item = draft.lines.items[question.index]
    catalog = turn.ctx.catalog
    number = question.index + 1
    name = catalog.name(item.item_key, turn.lang) if item.item_key else (item.free_text or "")
    buttons: list[Choice] = []
    if question.kind == Q_WHICH_ITEM:
        asked = turn.tr("need.q_which", n=number, text=esc(item.free_text or ""))
        for key in question.candidates:
            if catalog.get(key) is not None:
                buttons.append(Choice(label=catalog.name(key, turn.lang), payload=f"of:q:k:{key}"))
        buttons.append(Choice(label=turn.tr("need.keep_as_written"), payload="of:q:keep"))
    elif question.kind == Q_UNIT:
        asked = turn.tr("need.q_unit", n=number, qty=fmt_qty(item.quantity), name=esc(name))
        for unit in intake.unit_options(item.unit, item.item_key):
            label = f"{fmt_qty(item.quantity)} {unit_name(unit, turn.lang)}"
            buttons.append(Choice(label=label, payload=f"of:q:u:{unit}"))
    else:
        asked = turn.tr(
            "need.q_confirm_qty",
            n=number,
            qty=fmt_qty(item.quantity),
            unit=esc(unit_name(item.unit, turn.lang)),
            name=esc(name),
        )
        buttons.append(Choice(label=turn.tr("need.confirm_qty"), payload="of:q:ok"))
        buttons.append(Choice(label=turn.tr("need.drop_line"), payload="of:q:drop"))
    text = lines_text(turn, draft) + "\n\n❓ " + asked
    return Reply(text=text, choices=(*rows(*buttons, per_row=1), (_cancel(turn),)))


def prompt(turn: Turn, step: str, draft: OfferDraft) -> Reply:
    cancel = (_cancel(turn),)
    if step == "lines":
        return Reply(text=turn.tr("offer.ask_lines"), choices=(cancel,))
    if draft.lines.questions:
        return question_reply(turn, draft)
    head = lines_text(turn, draft) + "\n\n"
    if step == "until":
        buttons = [
            Choice(
                label=fmt_date(turn.today + timedelta(days=days)),
                payload=f"of:u:{days}",
            )
            for days in UNTIL_BUTTONS
        ]
        return Reply(text=head + turn.tr("offer.ask_until"), choices=(tuple(buttons), cancel))
    if step == "place":
        return Reply(text=head + turn.tr("offer.ask_place"), choices=(cancel,))
    if step == "condition":
        buttons = [
            Choice(label=turn.tr(f"offer.condition_btn.{c.value}"), payload=f"of:c:{c.value}")
            for c in Condition
        ]
        return Reply(text=head + turn.tr("offer.ask_condition"), choices=(tuple(buttons), cancel))
    if step == "named":
        buttons = [
            Choice(label=turn.tr("offer.btn_named_yes"), payload="of:n:yes"),
            Choice(label=turn.tr("offer.btn_named_no"), payload="of:n:no"),
        ]
        return Reply(text=head + turn.tr("offer.ask_named"), choices=(tuple(buttons), cancel))
    if step == "note":
        skip = Choice(label=turn.tr("offer.btn_no_note"), payload="of:note:skip")
        return Reply(text=head + turn.tr("offer.ask_note"), choices=((skip,), cancel))
    changes = (
        Choice(label=turn.tr("offer.btn_change_until"), payload="of:ed:until"),
        Choice(label=turn.tr("offer.btn_change_place"), payload="of:ed:place"),
        Choice(label=turn.tr("offer.btn_change_condition"), payload="of:ed:condition"),
        Choice(label=turn.tr("offer.btn_change_named"), payload="of:ed:named"),
        Choice(label=turn.tr("offer.btn_change_note"), payload="of:ed:note"),
    )
    submit = Choice(label=turn.tr("btn.submit"), payload=f"of:submit:{draft.id}")
    return Reply(
        text=head + turn.tr("offer.summary_question"),
        choices=((submit,), *rows(*changes, per_row=2), cancel),
    )


async def save_and_show(
    turn: Turn, draft: OfferDraft, *, replace: bool, error: str | None = None
) -> list[Reply]:
    step = next_step(draft)
    await turn.flow.save(FLOW, step, draft)
    reply = prompt(turn, step, draft)
    if error:
        reply = reply.model_copy(update={"text": f"⚠️ {error}\n\n{reply.text}"})
    return [reply.model_copy(update={"replace": replace})]


def offer_lines(turn: Turn, items: Sequence[ParsedItem]) -> intake.Draft:
    """The goods of an offer as /need's draft reads them, every assumed unit asked."""
    lines = intake.draft_from_parse(tuple(items), turn.ctx.catalog)
    # A unit /need would assume and show with a switch is asked here: an offer of "12" of a
    # bulk good counted in pieces is a guess the coordinator would allocate on.
    for index in lines.unit_hints:
        if not any(q.index == index and q.kind == Q_UNIT for q in lines.questions):
            lines.questions.append(intake.ItemQuestion(index=index, kind=Q_UNIT))
    lines.unit_hints = []
    lines.questions.sort(key=lambda q: q.index)
    return lines


async def start_with_items(
    turn: Turn, items: Sequence[ParsedItem], until: date | None
) -> list[Reply]:
    """An offer list read from a spreadsheet (handlers/requests/upload.py): the form goes on
    from its goods, asking what the file did not say."""
    draft = OfferDraft(id=secrets.token_hex(4), lines=offer_lines(turn, items), until=until)
    return await save_and_show(turn, draft, replace=False)


def read_lines(turn: Turn, text: str, draft: OfferDraft) -> str | None:
    """Read the goods into ``draft``; the refusal (problems listed) when they cannot be."""
    parsed = parse_need(text, turn.today, catalog=turn.ctx.catalog)
    if parsed.problems or not parsed.items:
        asking = all(p.code in ASKING_PROBLEMS for p in parsed.problems) and parsed.problems
        out = [turn.tr("offer.asking" if asking else "offer.refused")]
        for problem in parsed.problems:
            safe = {k: esc(v) for k, v in problem.args.items()}
            out.append("• " + turn.tr(problem.code, fragment=esc(problem.fragment), **safe))
        out.append("")
        out.append(turn.tr("offer.usage"))
        return "\n".join(out)
    draft.lines = offer_lines(turn, parsed.items)
    if parsed.needed_by is not None:
        draft.until = parsed.needed_by
    if parsed.note:
        draft.note = parsed.note
    return None


async def cmd_offer(turn: Turn, args: str) -> list[Reply]:
    if turn.member is None or turn.member.org_id is None:
        return [Reply(text=turn.tr("intake.no_org"))]
    state = await turn.flow.get(FLOW, OfferDraft, steps=STEPS)
    if state is not None and not args.strip():
        # A half-filled offer is never thrown away by a second /offer.
        return await save_and_show(turn, state.data, replace=False)
    draft = OfferDraft(id=secrets.token_hex(4), lines=intake.new_draft())
    if args.strip():
        refused = read_lines(turn, args, draft)
        if refused is not None:
            return [Reply(text=refused)]
    return await save_and_show(turn, draft, replace=False)


def _until(turn: Turn, day: date) -> str | None:
    if day < turn.today:
        return turn.tr("wizard.date_past", date=fmt_date(day))
    if day > turn.today + timedelta(days=MAX_DAYS_AHEAD):
        return turn.tr("wizard.date_far", date=fmt_date(day))
    return None


async def on_text(turn: Turn, text: str) -> list[Reply]:
    state = await turn.flow.get(FLOW, OfferDraft, steps=STEPS)
    if state is None:
        return [Reply(text=turn.tr("intake.no_draft"))]
    draft, step = state.data, state.step
    text = text.strip()
    error: str | None = None
    if step == "lines":
        refused = read_lines(turn, text, draft)
        if refused is not None:
            return [Reply(text=refused, choices=((_cancel(turn),),))]
    elif draft.lines.questions or step in ("condition", "named", "summary"):
        error = turn.tr("wizard.use_buttons")
    elif step == "until":
        day = intake.parse_date(text)
        if day is None:
            error = turn.tr("wizard.date_invalid", text=esc(text[:40]))
        else:
            error = _until(turn, day)
            if error is None:
                draft.until = day
    elif step == "place":
        if not text or len(text) > MAX_PLACE:
            error = turn.tr("wizard.too_long", limit=MAX_PLACE, length=len(text))
        else:
            draft.place = text
    elif step == "note":
        if len(text) > MAX_NOTE:
            error = turn.tr("wizard.too_long", limit=MAX_NOTE, length=len(text))
        else:
            draft.note = text or None
            draft.note_asked = True
    return await save_and_show(turn, draft, replace=False, error=error)


async def on_choice(turn: Turn, payload: str) -> list[Reply]:
    action, _, value = payload.partition(":")
    if action == "submit":
        return await submit(turn, value)
    state = await turn.flow.get(FLOW, OfferDraft, steps=STEPS)
    if state is None:
        return [Reply(text=turn.tr("intake.no_draft"), toast=True)]
    draft, step = state.data, state.step
    if action == "cancel":
        await turn.flow.clear()
        return [Reply(text=turn.tr("offer.cancelled"), replace=True)]
    stale = turn.tr("error.stale_button")
    if action == "q":
        if not draft.lines.questions:
            return await save_and_show(turn, draft, replace=False, error=stale)
        outcome = await intake.answer_question(turn, draft.lines, value)
        return await save_and_show(turn, draft, replace=True, error=outcome.error)
    if draft.lines.questions:
        return await save_and_show(turn, draft, replace=False, error=stale)
    if action == "u" and step == "until" and value.isdigit() and int(value) in UNTIL_BUTTONS:
        draft.until = turn.today + timedelta(days=int(value))
    elif action == "c" and step == "condition" and value in {c.value for c in Condition}:
        draft.condition = Condition(value)
    elif action == "n" and step == "named" and value in ("yes", "no"):
        draft.named = value == "yes"
    elif action == "note" and step == "note" and value == "skip":
        draft.note_asked = True
    elif action == "ed" and step == "summary" and value in ("until", "place", "condition"):
        setattr(draft, value, None)
    elif action == "ed" and step == "summary" and value == "named":
        draft.named = None
    elif action == "ed" and step == "summary" and value == "note":
        draft.note, draft.note_asked = None, False
    else:
        return await save_and_show(turn, draft, replace=False, error=stale)
    return await save_and_show(turn, draft, replace=True)


async def submit(turn: Turn, draft_id: str) -> list[Reply]:
    state = await turn.flow.get(FLOW, OfferDraft, steps=STEPS)
    if state is None:
        done = await turn.flow.get(DONE_FLOW, OfferDraft)
        if done is not None and done.data.id == draft_id and done.data.submitted_ref:
            # A double tap: the offer exists once, and so does its confirmation.
            ref = done.data.submitted_ref
            return [Reply(text=turn.tr("offer.already_saved", ref=esc(ref)), toast=True)]
        return [Reply(text=turn.tr("intake.no_draft"), toast=True)]
    draft = state.data
    if state.step != "summary" or draft.id != draft_id:
        return await save_and_show(turn, draft, replace=False, error=turn.tr("error.stale_button"))
    if turn.member is None or turn.member.org_id is None:
        return [Reply(text=turn.tr("intake.no_org"))]
    assert draft.until is not None and draft.place is not None and draft.condition is not None
    error = _until(turn, draft.until)
    if error is not None:  # the chosen day passed while the draft waited
        draft.until = None
        return await save_and_show(turn, draft, replace=False, error=error)
    offer = await service.submit_offer(
        turn,
        lines=draft.lines.items,
        until=draft.until,
        place=draft.place,
        condition=draft.condition,
        note=draft.note,
        named=bool(draft.named),
        matches=request_matches,
    )
    draft.submitted_ref = offer.ref
    # Keep a marker instead of the draft, so a second tap on Submit is recognised.
    await turn.flow.save(DONE_FLOW, "done", draft)
    text = turn.tr("offer.saved", ref=esc(offer.ref)) + "\n\n" + lines_text(turn, draft)
    return [Reply(text=text, replace=True, durable=True)]


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            "offer",
            DONOR,
            cmd_offer,
            "help.offer",
            usage="12 Notstromaggregat 20 kVA; 2 Transformator 630 kVA bis 31.01.",
        )
    )
    registry.add_choice(ChoiceRoute("of", DONOR, on_choice))
    registry.add_flow(Flow(FLOW, DONOR, on_text))
