"""The needs-request conversation (/new wizard) and the one-line /need, up to Submit.

The wizard is a table of steps. Each step knows how to prompt, how to take a button and how to
take typed text; the draft and the step history live in the conversations table, so a restart
or a pause of hours loses nothing. /need parses a line into the same draft and lands on the
same summary, so both paths share one Submit.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply, rows
from handlers.core.registry import (
    ANY_MEMBER,
    REQUESTER,
    ChoiceRoute,
    Command,
    Flow,
    Registry,
    Where,
)
from handlers.requests.catalog import Catalog
from handlers.requests.catalog_data import COUNT_OR_LENGTH
from handlers.requests.duplicates import DuplicateHit, append_items, find_open_duplicates
from handlers.requests.need_line import (
    ASKING_PROBLEMS,
    Q_CONFIRM_QTY,
    Q_DUPLICATE,
    Q_TYPO,
    Q_UNIT,
    Q_WHICH_ITEM,
    ParsedItem,
    parse_need,
    read_thing,
)
from handlers.requests.reader.numbers import number_word
from handlers.requests.submit import SUBMITTED, submit_draft
from handlers.requests.units import DEFAULT_UNIT, parse_unit, unit_name
from handlers.text.format import (
    details_lines,
    esc,
    fmt_date,
    fmt_qty,
    item_line,
    status_label,
    urgency_label,
)
from handlers.text.numbers import small_int
from storage import organisations
from storage.models import MAX_QUANTITY, NeedItemDraft, Urgency

FLOW = "intake"
MAX_ITEMS = 30
MAX_ITEM_TEXT = 200
MAX_PLACE = 300
MAX_NOTE = 1000
MAX_DAYS_AHEAD = 730
# A preview longer than this many lines is shown a page at a time (a list sent as a file may
# have hundreds): one message stays readable on a phone and under Telegram's 4096 characters.
PAGE_ITEMS = 20
DUE_BUTTONS = (3, 7, 14, 30)


class ItemQuestion(BaseModel):
    """A question the preview asks about one line before the request can be sent."""

    model_config = ConfigDict(extra="forbid")

    index: int
    kind: str  # handlers.requests.need_line.Q_WHICH_ITEM / Q_UNIT / Q_CONFIRM_QTY / Q_DUPLICATE
    candidates: list[str] = []  # item keys offered for Q_WHICH_ITEM
    duplicate: DuplicateHit | None = None  # the open request found, for Q_DUPLICATE


class Draft(BaseModel):
    """A request being filled in. Mutable on purpose: steps update it, then it is saved."""

    model_config = ConfigDict(extra="forbid")

    id: str
    items: list[NeedItemDraft] = []
    category: str | None = None
    pending_key: str | None = None
    pending_text: str | None = None
    # The words typed beside a catalog name in the item step ("30 кВт", "дитячі"), and the
    # "did you mean" items offered when the typed name matched none with confidence.
    pending_spec: str | None = None
    pending_candidates: list[str] = []
    urgency: Urgency | None = None
    needed_by: date | None = None
    place: str | None = None
    note: str | None = None
    history: list[str] = []
    # Set when a step was opened from the summary's Edit menu: finishing it returns there.
    editing: bool = False
    submitted_ref: str | None = None
    # Questions still open on the preview (asked one at a time), lines whose name was read
    # from a misspelling (shown with what was typed), lines counted in pieces because no unit
    # was typed (shown with a one-tap switch to the catalog's package).
    questions: list[ItemQuestion] = []
    typos: list[int] = []
    unit_hints: list[int] = []
    # The page of a long preview shown last (PAGE_ITEMS lines a page).
    page: int = 0


@dataclass(frozen=True)
class Outcome:
    """What a step did with an answer: go to ``next_step``, or stay and show ``error``."""

    next_step: str | None = None
    error: str | None = None
    replies: tuple[Reply, ...] = ()


Prompt = Callable[[Turn, Draft], Awaitable[Reply]]
OnChoice = Callable[[Turn, Draft, str], Awaitable[Outcome]]
OnText = Callable[[Turn, Draft, str], Awaitable[Outcome]]


@dataclass(frozen=True)
class Step:
    prompt: Prompt
    on_choice: OnChoice | None = None
    on_text: OnText | None = None


def new_draft() -> Draft:
    return Draft(id=secrets.token_hex(4))


# --- shared pieces -----------------------------------------------------------------------


def nav(turn: Turn, *, back: bool = True) -> tuple[Choice, ...]:
    buttons = []
    if back:
        buttons.append(Choice(label=turn.tr("btn.back"), payload="w:back", nav=True))
    buttons.append(Choice(label=turn.tr("btn.cancel"), payload="w:cancel", nav=True))
    return tuple(buttons)


def progress(turn: Turn, draft: Draft) -> str:
    """The items collected so far, shown above each prompt so the person keeps their place."""
    if not draft.items:
        return ""
    lines = [
        f"{n}. {item_line(turn.ctx.t, turn.ctx.catalog, turn.lang, it)}"
        for n, it in enumerate(draft.items, 1)
    ]
    return "\n".join(lines) + "\n\n"


def pending_name(turn: Turn, draft: Draft) -> str:
    if draft.pending_key:
        name = turn.ctx.catalog.name(draft.pending_key, turn.lang)
        return f"{name} ({draft.pending_spec})" if draft.pending_spec else name
    return draft.pending_text or "?"


def pending_unit(turn: Turn, draft: Draft) -> str:
    if draft.pending_key:
        item = turn.ctx.catalog.get(draft.pending_key)
        if item is not None:
            return item.unit
    return "pcs"


# --- steps -----------------------------------------------------------------------------


async def prompt_category(turn: Turn, draft: Draft) -> Reply:
    catalog = turn.ctx.catalog
    buttons = [
        Choice(label=catalog.category_name(c.key, turn.lang), payload=f"w:cat:{c.key}")
        for c in catalog.categories()
    ]
    text = progress(turn, draft) + turn.tr("wizard.category")
    return Reply(text=text, choices=(*rows(*buttons), nav(turn, back=bool(draft.history))))


async def choice_category(turn: Turn, draft: Draft, value: str) -> Outcome:
    if not turn.ctx.catalog.items_in(value):
        return Outcome(error=turn.tr("error.stale_button"))
    draft.category = value
    return Outcome(next_step="item")


async def text_category(turn: Turn, draft: Draft, text: str) -> Outcome:
    # Typing an item name straight away is fine: skip the category.
    return await text_item(turn, draft, text)


async def prompt_item(turn: Turn, draft: Draft) -> Reply:
    catalog = turn.ctx.catalog
    if draft.pending_candidates and draft.pending_text:
        # The typed name matched nothing with confidence: offer what it may mean.
        offered = [
            Choice(label=catalog.name(key, turn.lang), payload=f"w:item:{key}")
            for key in draft.pending_candidates
            if catalog.get(key) is not None
        ]
        offered.append(Choice(label=turn.tr("need.keep_as_written"), payload=f"w:item:{KEEP}"))
        text = progress(turn, draft) + turn.tr("wizard.item_which", text=esc(draft.pending_text))
        return Reply(text=text, choices=(*rows(*offered, per_row=1), nav(turn)))
    items = catalog.items_in(draft.category) if draft.category else []
    buttons = [
        Choice(label=catalog.name(i.key, turn.lang), payload=f"w:item:{i.key}") for i in items
    ]
    category = catalog.category_name(draft.category, turn.lang) if draft.category else ""
    text = progress(turn, draft) + turn.tr("wizard.item", category=esc(category))
    return Reply(text=text, choices=(*rows(*buttons), nav(turn)))


KEEP: Final = "=keep"  # the item step's "keep as written" button


async def choice_item(turn: Turn, draft: Draft, value: str) -> Outcome:
    if value == KEEP and draft.pending_text and draft.pending_candidates:
        draft.pending_key, draft.pending_spec, draft.pending_candidates = None, None, []
        return Outcome(next_step="quantity")
    if turn.ctx.catalog.get(value) is None:
        return Outcome(error=turn.tr("error.stale_button"))
    # A candidate picked for a typed name keeps the typed words beside the catalog name.
    typed = draft.pending_text if draft.pending_candidates else None
    draft.pending_key, draft.pending_text, draft.pending_candidates = value, None, []
    draft.pending_spec = typed
    return Outcome(next_step="quantity")


async def text_item(turn: Turn, draft: Draft, text: str) -> Outcome:
    text = " ".join(text.split())
    if len(text) > MAX_ITEM_TEXT:
        return Outcome(error=turn.tr("wizard.item_too_long", limit=MAX_ITEM_TEXT, length=len(text)))
    if sum(ch.isalpha() for ch in text) < 2:
        return Outcome(error=turn.tr("wizard.item_unreadable", text=esc(text)))
    # The same reader as /need: a name matches an item only when it names it ("фільтри до
    # кисневого концентратора" is not a concentrator); otherwise the step asks.
    reading = read_thing(text, turn.ctx.catalog)
    draft.pending_candidates = []
    if reading.item_key is not None:
        draft.pending_key, draft.pending_text = reading.item_key, None
        draft.pending_spec = reading.spec
        return Outcome(next_step="quantity")
    draft.pending_key, draft.pending_text, draft.pending_spec = None, text, None
    if reading.how == "unknown" or not reading.candidates:
        return Outcome(next_step="quantity")
    draft.pending_candidates = list(reading.candidates)
    return Outcome(next_step="item")


async def prompt_quantity(turn: Turn, draft: Draft) -> Reply:
    unit = pending_unit(turn, draft)
    text = progress(turn, draft) + turn.tr(
        "wizard.quantity",
        item=esc(pending_name(turn, draft)),
        unit=esc(unit_name(unit, turn.lang)),
    )
    if draft.pending_key is None:
        text += "\n" + turn.tr("wizard.free_text_note")
    return Reply(text=text, choices=(nav(turn),))


_QTY_TIMES = re.compile(r"^\s*[xх×*]\s*(?=[0-9])", re.IGNORECASE)
_QTY = re.compile(r"^\s*(?P<sign>[-−–+]?)\s*(?P<num>\d[\d\s\u202f.,']*)\s*(?P<unit>.*)$", re.S)


def parse_quantity(text: str) -> tuple[int | None, str | None, str | None]:
    """'200 packs' -> (200, 'packs', None); on failure (None, None, error key). A number word
    ("три", "zwei", "a dozen") and an "x" before the number ("х3") read as /need reads them."""
    text = _QTY_TIMES.sub("", text, count=1)
    first, _, rest = text.strip().partition(" ")
    if first and (word := number_word(first.rstrip(".,"))) is not None:
        text = f"{word} {rest}"
    elif first.casefold() in ("a", "an", "ein", "eine") and rest:
        # "a dozen", "ein Dutzend"
        second, _, tail = rest.partition(" ")
        if (word := number_word(second)) is not None:
            text = f"{word} {tail}"
    match = _QTY.match(text)
    if not match:
        return None, None, "wizard.qty_not_number"
    if match["sign"] in "-−–" and match["sign"]:
        return None, None, "wizard.qty_negative"
    digits = match["num"].strip()
    if re.search(r"[.,]\d{1,2}$", digits) and not re.search(r"[.,]\d{3}$", digits):
        return None, None, "wizard.qty_whole"
    digits = re.sub(r"[\s\u202f.,']", "", digits)
    if len(digits) > 9:
        return None, None, "wizard.qty_too_big"
    quantity = int(digits)
    if quantity == 0:
        return None, None, "wizard.qty_zero"
    if quantity > MAX_QUANTITY:
        return None, None, "wizard.qty_too_big"
    unit_text = match["unit"].strip()
    if not unit_text:
        return quantity, None, None
    unit = parse_unit(unit_text)
    if unit is None:
        return None, None, "wizard.qty_unit_unknown"
    return quantity, unit, None


async def text_quantity(turn: Turn, draft: Draft, text: str) -> Outcome:
    if draft.pending_key is None and draft.pending_text is None:
        # A draft left here by an older version's Back: there is no item to count, so ask
        # for one instead of adding an empty line that Submit would refuse.
        return Outcome(next_step="category")
    quantity, unit, error = parse_quantity(text)
    if error is not None or quantity is None:
        return Outcome(
            error=turn.tr(
                error or "wizard.qty_not_number",
                text=esc(text[:50]),
                limit=fmt_qty(MAX_QUANTITY),
            )
        )
    draft.items.append(
        NeedItemDraft(
            item_key=draft.pending_key,
            free_text=draft.pending_text,
            spec=draft.pending_spec,
            quantity=quantity,
            unit=unit or pending_unit(turn, draft),
        )
    )
    # The category stays: Back from the next step returns to this item, and further Back to
    # the item step, which lists this category's items.
    draft.pending_key = draft.pending_text = draft.pending_spec = None
    return Outcome(next_step="summary" if draft.editing else "more")


async def prompt_more(turn: Turn, draft: Draft) -> Reply:
    text = progress(turn, draft) + turn.tr("wizard.more")
    buttons: list[Choice] = []
    if len(draft.items) < MAX_ITEMS:
        buttons.append(Choice(label=turn.tr("btn.add_item"), payload="w:more:add"))
    buttons.append(Choice(label=turn.tr("btn.continue"), payload="w:more:done"))
    return Reply(text=text, choices=(tuple(buttons), nav(turn)))


async def choice_more(turn: Turn, draft: Draft, value: str) -> Outcome:
    if value == "add" and len(draft.items) < MAX_ITEMS:
        return Outcome(next_step="category")
    if value == "done" and draft.items:
        return Outcome(next_step="summary" if draft.editing else "urgency")
    return Outcome(error=turn.tr("error.stale_button"))


async def prompt_urgency(turn: Turn, draft: Draft) -> Reply:
    buttons = [
        Choice(label=urgency_label(turn.ctx.t, turn.lang, u), payload=f"w:urg:{u.value}")
        for u in Urgency
    ]
    text = progress(turn, draft) + turn.tr("wizard.urgency")
    return Reply(text=text, choices=(*rows(*buttons), nav(turn)))


async def choice_urgency(turn: Turn, draft: Draft, value: str) -> Outcome:
    try:
        draft.urgency = Urgency(value)
    except ValueError:
        return Outcome(error=turn.tr("error.stale_button"))
    return Outcome(next_step="summary" if draft.editing else "needed_by")


async def prompt_needed_by(turn: Turn, draft: Draft) -> Reply:
    labels = {3: "btn.due_3d", 7: "btn.due_1w", 14: "btn.due_2w", 30: "btn.due_1m"}
    buttons = [
        Choice(
            label=f"{turn.tr(labels[d])} ({fmt_date(turn.today + timedelta(days=d))})",
            payload=f"w:due:{d}",
        )
        for d in DUE_BUTTONS
    ]
    text = progress(turn, draft) + turn.tr("wizard.needed_by")
    return Reply(text=text, choices=(*rows(*buttons), nav(turn)))


async def choice_needed_by(turn: Turn, draft: Draft, value: str) -> Outcome:
    days = small_int(value)
    if days is None or days not in DUE_BUTTONS:
        return Outcome(error=turn.tr("error.stale_button"))
    draft.needed_by = turn.today + timedelta(days=days)
    return Outcome(next_step="summary" if draft.editing else "place")


_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> date | None:
    text = text.strip()
    try:
        if m := _DMY.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _YMD.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


async def text_needed_by(turn: Turn, draft: Draft, text: str) -> Outcome:
    day = parse_date(text)
    if day is None:
        return Outcome(error=turn.tr("wizard.date_invalid", text=esc(text[:40])))
    if day < turn.today:
        return Outcome(error=turn.tr("wizard.date_past", date=fmt_date(day)))
    if day > turn.today + timedelta(days=MAX_DAYS_AHEAD):
        return Outcome(error=turn.tr("wizard.date_far", date=fmt_date(day)))
    draft.needed_by = day
    return Outcome(next_step="summary" if draft.editing else "place")


async def org_place(turn: Turn) -> str | None:
    if turn.member is None or turn.member.org_id is None:
        return None
    org = await organisations.get_organisation(turn.conn, turn.member.org_id)
    if org is None:
        return None
    return org.address or f"{org.name}, {org.settlement}"


async def prompt_place(turn: Turn, draft: Draft) -> Reply:
    default = await org_place(turn)
    text = progress(turn, draft) + turn.tr("wizard.place")
    buttons: list[tuple[Choice, ...]] = []
    if default:
        label = default if len(default) <= 40 else default[:39] + "…"
        buttons.append((Choice(label=f"📍 {label}", payload="w:place:org"),))
    return Reply(text=text, choices=(*buttons, nav(turn)))


async def choice_place(turn: Turn, draft: Draft, value: str) -> Outcome:
    default = await org_place(turn)
    if value != "org" or default is None:
        return Outcome(error=turn.tr("error.stale_button"))
    draft.place = default
    return Outcome(next_step="summary" if draft.editing else "note")


async def text_place(turn: Turn, draft: Draft, text: str) -> Outcome:
    text = text.strip()
    if len(text) > MAX_PLACE:
        return Outcome(error=turn.tr("wizard.too_long", limit=MAX_PLACE, length=len(text)))
    draft.place = text
    return Outcome(next_step="summary" if draft.editing else "note")


async def prompt_note(turn: Turn, draft: Draft) -> Reply:
    text = progress(turn, draft) + turn.tr("wizard.note", limit=MAX_NOTE)
    skip = Choice(label=turn.tr("btn.skip"), payload="w:note:skip", nav=True)
    return Reply(text=text, choices=((skip,), nav(turn)))


async def choice_note(turn: Turn, draft: Draft, value: str) -> Outcome:
    if value != "skip":
        return Outcome(error=turn.tr("error.stale_button"))
    draft.note = None
    return Outcome(next_step="summary")


async def text_note(turn: Turn, draft: Draft, text: str) -> Outcome:
    text = text.strip()
    if len(text) > MAX_NOTE:
        return Outcome(error=turn.tr("wizard.too_long", limit=MAX_NOTE, length=len(text)))
    draft.note = text
    return Outcome(next_step="summary")


def pages(draft: Draft) -> int:
    return max(1, -(-len(draft.items) // PAGE_ITEMS))


def summary_text(turn: Turn, draft: Draft, *, page: int | None = None) -> str:
    lines = [f"<b>{esc(turn.tr('wizard.summary_title'))}</b>"]
    shown = list(enumerate(draft.items, 1))
    if pages(draft) > 1:
        page = min(max(0, draft.page if page is None else page), pages(draft) - 1)
        shown = shown[page * PAGE_ITEMS : (page + 1) * PAGE_ITEMS]
        lines.append(
            turn.tr("upload.page", first=shown[0][0], last=shown[-1][0], total=len(draft.items))
        )
    for number, item in shown:
        line = f"{number}. {item_line(turn.ctx.t, turn.ctx.catalog, turn.lang, item)}"
        if number - 1 in draft.typos and item.source:
            line += "\n   " + turn.tr("need.you_wrote", text=esc(item.source))
        if number - 1 in draft.unit_hints:
            line += "\n   " + turn.tr(
                "need.unit_assumed", unit=esc(unit_name(item.unit, turn.lang))
            )
        lines.append(line)
    if draft.urgency is not None:
        lines.append(urgency_label(turn.ctx.t, turn.lang, draft.urgency))
    lines.extend(details_lines(turn.ctx.t, turn.lang, draft.needed_by, draft.place, draft.note))
    return "\n".join(lines)


async def prompt_summary(turn: Turn, draft: Draft) -> Reply:
    if draft.questions:
        return question_reply(turn, draft)
    buttons = (
        Choice(label=turn.tr("btn.submit"), payload=f"w:submit:{draft.id}"),
        Choice(label=turn.tr("btn.edit"), payload="w:edit"),
        Choice(label=turn.tr("btn.cancel"), payload="w:cancel", nav=True),
    )
    text = summary_text(turn, draft) + "\n\n" + turn.tr("wizard.summary_question")
    hints = [unit_switch(turn, draft, index) for index in draft.unit_hints]
    switches = tuple(rows(*(h for h in hints if h is not None), per_row=1))
    paging = page_buttons(draft)
    return Reply(text=text, choices=(*switches, *paging, buttons[:2], buttons[2:]))


def page_buttons(draft: Draft) -> tuple[tuple[Choice, ...], ...]:
    """◀ and ▶ under a long preview; none when it fits one page."""
    count = pages(draft)
    if count < 2:
        return ()
    page = min(draft.page, count - 1)
    buttons = []
    if page > 0:
        buttons.append(Choice(label=f"◀ {page}/{count}", payload=f"w:pg:{page - 1}", nav=True))
    if page < count - 1:
        buttons.append(Choice(label=f"{page + 2}/{count} ▶", payload=f"w:pg:{page + 1}", nav=True))
    return (tuple(buttons),)


async def choice_page(turn: Turn, draft: Draft, value: str) -> Outcome:
    page = small_int(value)
    if page is None or page >= pages(draft):
        return Outcome(error=turn.tr("error.stale_button"))
    draft.page = page
    return Outcome(next_step="summary")


def unit_switch(turn: Turn, draft: Draft, index: int) -> Choice | None:
    """One tap to count a line in the catalog's package instead of pieces."""
    if index >= len(draft.items):
        return None
    item = draft.items[index]
    catalog_item = turn.ctx.catalog.get(item.item_key) if item.item_key else None
    if catalog_item is None or catalog_item.unit == item.unit:
        return None
    label = turn.tr(
        "need.unit_switch",
        qty=fmt_qty(item.quantity),
        unit=unit_name(catalog_item.unit, turn.lang),
        name=catalog_item.name(turn.lang),
    )
    return Choice(label=label[:60], payload=f"w:qu:{index}:{catalog_item.unit}")


def question_reply(turn: Turn, draft: Draft) -> Reply:
    """The first open question, with its buttons; Submit appears once none is left."""
    question = draft.questions[0]
    item = draft.items[question.index]
    catalog = turn.ctx.catalog
    number = question.index + 1
    buttons: list[Choice] = []
    if question.kind == Q_WHICH_ITEM:
        asked = turn.tr("need.q_which", n=number, text=esc(item.free_text or ""))
        for key in question.candidates:
            if catalog.get(key) is not None:
                buttons.append(Choice(label=catalog.name(key, turn.lang), payload=f"w:q:k:{key}"))
        buttons.append(Choice(label=turn.tr("need.keep_as_written"), payload="w:q:keep"))
    elif question.kind == Q_UNIT:
        name = catalog.name(item.item_key, turn.lang) if item.item_key else item.free_text
        asked = turn.tr("need.q_unit", n=number, qty=fmt_qty(item.quantity), name=esc(name or ""))
        for unit in unit_options(item.unit, item.item_key):
            label = f"{fmt_qty(item.quantity)} {unit_name(unit, turn.lang)}"
            buttons.append(Choice(label=label, payload=f"w:q:u:{unit}"))
    elif question.kind == Q_DUPLICATE and (hit := question.duplicate) is not None:
        asked = turn.tr(
            "need.q_duplicate",
            n=number,
            ref=esc(hit.ref),
            qty=fmt_qty(hit.quantity),
            unit=esc(unit_name(hit.unit, turn.lang)),
            status=esc(status_label(turn.ctx.t, turn.lang, hit.status)),
        )
        buttons.append(Choice(label=turn.tr("need.dup_anyway"), payload="w:q:anyway"))
        buttons.append(Choice(label=turn.tr("need.dup_add", ref=hit.ref), payload="w:q:add"))
    else:
        name = catalog.name(item.item_key, turn.lang) if item.item_key else item.free_text
        asked = turn.tr(
            "need.q_confirm_qty",
            n=number,
            qty=fmt_qty(item.quantity),
            unit=esc(unit_name(item.unit, turn.lang)),
            name=esc(name or ""),
        )
        buttons.append(Choice(label=turn.tr("need.confirm_qty"), payload="w:q:ok"))
        buttons.append(Choice(label=turn.tr("need.drop_line"), payload="w:q:drop"))
    cancel = Choice(label=turn.tr("btn.cancel"), payload="w:cancel", nav=True)
    # A long preview shows the page of the line asked about.
    text = summary_text(turn, draft, page=question.index // PAGE_ITEMS) + "\n\n❓ " + asked
    return Reply(text=text, choices=(*rows(*buttons, per_row=1), (cancel,)))


async def add_to_existing(turn: Turn, draft: Draft) -> list[Reply]:
    """ "Add to that request": the draft's lines join the open request instead of a new one."""
    question = draft.questions[0] if draft.questions else None
    if question is None or question.duplicate is None:
        return [
            await show(turn, "summary", draft, error=turn.tr("error.stale_button"), replace=False)
        ]
    await clear(turn)
    return await append_items(turn, question.duplicate.request_id, draft.items)


def unit_options(current: str, item_key: str | None = None) -> list[str]:
    """The catalog's unit first, then the other amounts people use for bulk goods; for a
    thing bought by the piece or by the metre (a hose), just those two."""
    if item_key in COUNT_OR_LENGTH:
        return [current, *(u for u in (DEFAULT_UNIT, "m") if u != current)]
    options = [current, *(u for u in ("l", "kg", "t", DEFAULT_UNIT) if u != current)]
    return options[:4]


async def answer_question(turn: Turn, draft: Draft, value: str) -> Outcome:
    """Apply the answer to the first open question; the same preview then asks the next."""
    if not draft.questions:
        return Outcome(error=turn.tr("error.stale_button"))
    question = draft.questions[0]
    item = draft.items[question.index]
    kind, _, arg = value.partition(":")
    if question.kind == Q_WHICH_ITEM and kind == "k" and arg in question.candidates:
        # The typed words stay on the line as its specification: nothing typed is lost.
        typed = " ".join(p for p in (item.free_text, item.spec) if p)
        draft.items[question.index] = item.model_copy(
            update={"item_key": arg, "free_text": None, "spec": typed or None}
        )
    elif question.kind == Q_WHICH_ITEM and kind == "keep":
        pass
    elif question.kind == Q_UNIT and kind == "u" and arg in unit_options(item.unit, item.item_key):
        draft.items[question.index] = item.model_copy(update={"unit": arg})
    elif (question.kind == Q_CONFIRM_QTY and kind == "ok") or (
        question.kind == Q_DUPLICATE and kind == "anyway"
    ):
        pass
    elif question.kind == Q_CONFIRM_QTY and kind == "drop":
        return drop_line(turn, draft, question.index)
    else:
        return Outcome(error=turn.tr("error.stale_button"))
    draft.questions.pop(0)
    return Outcome(next_step="summary")


def drop_line(turn: Turn, draft: Draft, index: int) -> Outcome:
    if len(draft.items) < 2:
        return Outcome(error=turn.tr("need.drop_last"))
    del draft.items[index]

    def shift(indexes: list[int]) -> list[int]:
        return [i - (i > index) for i in indexes if i != index]

    draft.typos = shift(draft.typos)
    draft.unit_hints = shift(draft.unit_hints)
    kept = []
    for question in draft.questions:
        if question.index != index:
            kept.append(
                question.model_copy(update={"index": question.index - (question.index > index)})
            )
    draft.questions = kept
    return Outcome(next_step="summary")


async def switch_unit(turn: Turn, draft: Draft, value: str) -> Outcome:
    index_text, _, unit = value.partition(":")
    index = small_int(index_text)
    if index is None or index not in draft.unit_hints or unit_switch(turn, draft, index) is None:
        return Outcome(error=turn.tr("error.stale_button"))
    draft.items[index] = draft.items[index].model_copy(update={"unit": unit})
    draft.unit_hints.remove(index)
    return Outcome(next_step="summary")


async def prompt_edit(turn: Turn, draft: Draft) -> Reply:
    buttons: list[Choice] = [
        Choice(label=turn.tr("btn.edit_add_item"), payload="w:ed:add"),
        Choice(label=turn.tr("btn.edit_urgency"), payload="w:ed:urgency"),
        Choice(label=turn.tr("btn.edit_needed_by"), payload="w:ed:needed_by"),
        Choice(label=turn.tr("btn.edit_place"), payload="w:ed:place"),
        Choice(label=turn.tr("btn.edit_note"), payload="w:ed:note"),
    ]
    removals = []
    if len(draft.items) > 1:
        catalog = turn.ctx.catalog
        # The lines of the page shown: a button per line of a 500-line list would not fit.
        first = min(draft.page, pages(draft) - 1) * PAGE_ITEMS
        for index, item in list(enumerate(draft.items))[first : first + PAGE_ITEMS]:
            name = catalog.name(item.item_key, turn.lang) if item.item_key else item.free_text
            label = f"✖ {name} ×{fmt_qty(item.quantity)}"
            removals.append(Choice(label=label[:60], payload=f"w:rm:{index}"))
    back = Choice(label=turn.tr("btn.back_to_summary"), payload="w:ed:summary", nav=True)
    text = summary_text(turn, draft) + "\n\n" + turn.tr("wizard.edit_question")
    return Reply(text=text, choices=(*rows(*buttons), *rows(*removals, per_row=1), (back,)))


async def choice_edit(turn: Turn, draft: Draft, value: str) -> Outcome:
    targets = {
        "add": "category",
        "urgency": "urgency",
        "needed_by": "needed_by",
        "place": "place",
        "note": "note",
        "summary": "summary",
    }
    if value not in targets:
        return Outcome(error=turn.tr("error.stale_button"))
    if value == "add" and len(draft.items) >= MAX_ITEMS:
        return Outcome(error=turn.tr("wizard.max_items", limit=MAX_ITEMS))
    draft.editing = value != "summary"
    return Outcome(next_step=targets[value])


async def choice_remove(turn: Turn, draft: Draft, value: str) -> Outcome:
    index = small_int(value)
    if index is None or index >= len(draft.items) or len(draft.items) < 2:
        return Outcome(error=turn.tr("error.stale_button"))
    del draft.items[index]
    return Outcome(next_step="edit")


STEPS: dict[str, Step] = {
    "category": Step(prompt_category, choice_category, text_category),
    "item": Step(prompt_item, choice_item, text_item),
    "quantity": Step(prompt_quantity, None, text_quantity),
    "more": Step(prompt_more, choice_more, None),
    "urgency": Step(prompt_urgency, choice_urgency, None),
    "needed_by": Step(prompt_needed_by, choice_needed_by, text_needed_by),
    "place": Step(prompt_place, choice_place, text_place),
    "note": Step(prompt_note, choice_note, text_note),
    "summary": Step(prompt_summary, None, None),
    "edit": Step(prompt_edit, None, None),
}

# Button payload prefix -> (step it belongs to, handler).
CHOICE_HANDLERS: dict[str, tuple[str, OnChoice]] = {
    "cat": ("category", choice_category),
    "item": ("item", choice_item),
    "more": ("more", choice_more),
    "urg": ("urgency", choice_urgency),
    "due": ("needed_by", choice_needed_by),
    "place": ("place", choice_place),
    "note": ("note", choice_note),
    "ed": ("edit", choice_edit),
    "rm": ("edit", choice_remove),
    "q": ("summary", answer_question),
    "qu": ("summary", switch_unit),
    "pg": ("summary", choice_page),
}


# --- state -------------------------------------------------------------------------------


async def load(turn: Turn) -> tuple[str, Draft] | None:
    """The sender's draft and step; None outside the wizard, or for a draft (or step) from an
    incompatible older version, which starts again rather than crash."""
    state = await turn.flow.get(FLOW, Draft, steps=STEPS)
    return None if state is None else (state.step, state.data)


async def save(turn: Turn, step: str, draft: Draft) -> None:
    await turn.flow.save(FLOW, step, draft)


async def clear(turn: Turn) -> None:
    """Ends whatever conversation the sender is in here (/cancel means all of them)."""
    await turn.flow.clear()


async def show(turn: Turn, step: str, draft: Draft, *, error: str | None, replace: bool) -> Reply:
    reply = await STEPS[step].prompt(turn, draft)
    text = reply.text
    if error:
        text = f"⚠️ {error}\n\n{text}"
    return reply.model_copy(update={"text": text, "replace": replace})


async def advance(
    turn: Turn, step: str, draft: Draft, outcome: Outcome, replace: bool
) -> list[Reply]:
    if outcome.error or outcome.next_step is None:
        await save(turn, step, draft)
        return [await show(turn, step, draft, error=outcome.error, replace=replace)]
    next_step = outcome.next_step
    if next_step == "summary":
        draft.editing = False
        draft.history = []
    elif next_step != step:
        draft.history.append(step)
    await save(turn, next_step, draft)
    return [*outcome.replies, await show(turn, next_step, draft, error=None, replace=replace)]


# --- entry points ------------------------------------------------------------------------


def _needs_org(turn: Turn) -> list[Reply] | None:
    if turn.member is None or turn.member.org_id is None:
        return [Reply(text=turn.tr("intake.no_org"))]
    return None


# A list sent as a file (handlers/requests/upload.py) files for an organisation too.
needs_org = _needs_org


async def cmd_new(turn: Turn, args: str) -> list[Reply]:
    if refusal := _needs_org(turn):
        return refusal
    loaded = await load(turn)
    if loaded is not None and (loaded[0] != "category" or loaded[1].items):
        # A half-filled request is never thrown away by a second /new or an old button.
        step, draft = loaded
        reply = await show(turn, step, draft, error=None, replace=False)
        return [reply.model_copy(update={"text": f"{turn.tr('wizard.resumed')}\n\n{reply.text}"})]
    draft = new_draft()
    await save(turn, "category", draft)
    intro = turn.tr("wizard.intro")
    reply = await show(turn, "category", draft, error=None, replace=False)
    return [reply.model_copy(update={"text": f"{intro}\n\n{reply.text}"})]


async def cmd_cancel(turn: Turn, args: str) -> list[Reply]:
    loaded = await load(turn)
    # Any conversation counts (an offer, a shipment form), not only this wizard's; the
    # marker a submitted draft leaves is no conversation.
    current = await turn.flow.name()
    await clear(turn)
    if loaded is None and current in (None, SUBMITTED):
        return [Reply(text=turn.tr("intake.nothing_to_cancel"))]
    return [Reply(text=turn.tr("intake.cancelled"))]


async def cmd_need(turn: Turn, args: str) -> list[Reply]:
    if refusal := _needs_org(turn):
        return refusal
    parsed = parse_need(args, turn.today, catalog=turn.ctx.catalog)
    if parsed.problems or not parsed.items:
        asking = all(p.code in ASKING_PROBLEMS for p in parsed.problems) and parsed.problems
        lines = [turn.tr("need.asking" if asking else "need.refused")]
        for problem in parsed.problems:
            safe = {k: esc(v) for k, v in problem.args.items()}
            lines.append("• " + turn.tr(problem.code, fragment=esc(problem.fragment), **safe))
        lines.append("")
        lines.append(turn.tr("need.usage"))
        return [Reply(text="\n".join(lines))]
    draft = draft_from_parse(parsed.items, turn.ctx.catalog)
    await ask_about_duplicates(turn, draft)
    draft.urgency = parsed.urgency
    draft.needed_by = parsed.needed_by
    draft.note = parsed.note
    draft.place = await org_place(turn)
    await save(turn, "summary", draft)
    return [await show(turn, "summary", draft, error=None, replace=False)]


async def ask_about_duplicates(turn: Turn, draft: Draft) -> None:
    """The same item already open for this organisation: say so before a second request."""
    if turn.member is None or turn.member.org_id is None:
        return
    hits = await find_open_duplicates(turn, turn.member.org_id, draft.items)
    seen: set[int] = set()
    for hit in hits:
        if hit.item_index in seen:
            continue
        seen.add(hit.item_index)
        draft.questions.append(ItemQuestion(index=hit.item_index, kind=Q_DUPLICATE, duplicate=hit))


def draft_from_parse(items: tuple[ParsedItem, ...], catalog: Catalog) -> Draft:
    """A draft whose preview asks, one by one, what the reader could not settle alone."""
    draft = new_draft()
    for index, p in enumerate(items):
        draft.items.append(
            NeedItemDraft(
                item_key=p.item_key,
                free_text=p.free_text,
                spec=p.spec,
                quantity=p.quantity,
                unit=p.unit,
                source=p.source,
                pack_size=p.pack_size,
                pack_unit=p.pack_unit,
            )
        )
        for kind in (Q_WHICH_ITEM, Q_UNIT, Q_CONFIRM_QTY):
            if kind in p.questions:
                draft.questions.append(
                    ItemQuestion(index=index, kind=kind, candidates=list(p.candidates))
                )
        if Q_TYPO in p.questions:
            draft.typos.append(index)
        known = catalog.get(p.item_key) if p.item_key else None
        if not p.unit_typed and not p.pack_size and known is not None and known.unit != p.unit:
            draft.unit_hints.append(index)
    return draft


async def on_text(turn: Turn, text: str) -> list[Reply]:
    loaded = await load(turn)
    if loaded is None:
        return [Reply(text=turn.tr("intake.no_draft"))]
    step, draft = loaded
    handler = STEPS[step].on_text
    if handler is None:
        # A step that only takes buttons: say so and show the buttons again.
        return [await show(turn, step, draft, error=turn.tr("wizard.use_buttons"), replace=False)]
    outcome = await handler(turn, draft, text)
    return await advance(turn, step, draft, outcome, replace=False)


def step_back(turn: Turn, step: str, draft: Draft) -> str:
    """Where Back from ``step`` leads, with the draft made to fit that step.

    The quantity step's answer turned the pending item into the last item of the list, so
    going back to that step takes the item back out: otherwise the step would ask about no
    item at all, and the next number would add an item with neither key nor text.
    """
    if step == "edit" or draft.editing:
        # The Edit menu, and every step opened from it, go back to the summary; a half-chosen
        # item is dropped, as Back from the summary's detour means "never mind".
        draft.editing = False
        draft.history = []
        draft.pending_key = draft.pending_text = draft.pending_spec = None
        draft.pending_candidates = []
        return "summary"
    previous = draft.history.pop() if draft.history else step
    if previous == "item" or step == "item":
        # Back from "did you mean" (or to the item step) shows the category's list again.
        draft.pending_candidates = []
    if previous in ("category", "more"):
        # Back to before an item was picked: no item is being counted any more.
        draft.pending_key = draft.pending_text = draft.pending_spec = None
        draft.pending_candidates = []
    if (
        previous == "quantity"
        and draft.pending_key is None
        and draft.pending_text is None
        and draft.items
    ):
        item = draft.items.pop()
        draft.pending_key, draft.pending_text = item.item_key, item.free_text
        draft.pending_spec = item.spec
        known = turn.ctx.catalog.get(item.item_key) if item.item_key else None
        if known is not None:
            # Back once more leads to the item step, which lists this item's category.
            draft.category = known.category
    return previous


async def on_choice(turn: Turn, payload: str) -> list[Reply]:
    action, _, value = payload.partition(":")
    if action == "start":
        return await cmd_new(turn, "")
    loaded = await load(turn)
    if action == "submit":
        return await submit(turn, loaded, value)
    if loaded is None:
        return [Reply(text=turn.tr("intake.no_draft"), toast=True)]
    step, draft = loaded
    if action == "cancel":
        await clear(turn)
        return [Reply(text=turn.tr("intake.cancelled"), replace=True)]
    if action == "back":
        previous = step_back(turn, step, draft)
        await save(turn, previous, draft)
        return [await show(turn, previous, draft, error=None, replace=True)]
    if action == "edit" and step == "summary":
        await save(turn, "edit", draft)
        return [await show(turn, "edit", draft, error=None, replace=True)]
    if action == "q" and value == "add" and step == "summary":
        return await add_to_existing(turn, draft)
    route = CHOICE_HANDLERS.get(action)
    if route is None or route[0] != step:
        # A button from an older message: show where the conversation really is.
        return [await show(turn, step, draft, error=turn.tr("error.stale_button"), replace=False)]
    outcome = await route[1](turn, draft, value)
    return await advance(turn, step, draft, outcome, replace=True)


async def submit(turn: Turn, loaded: tuple[str, Draft] | None, draft_id: str) -> list[Reply]:
    if loaded is None:
        submitted = await turn.flow.get(SUBMITTED, Draft)
        if submitted is not None:
            done = submitted.data
            if done.id == draft_id and done.submitted_ref:
                # A double tap: the request exists once, and so does its confirmation.
                return [
                    Reply(text=turn.tr("intake.already_saved", ref=done.submitted_ref), toast=True)
                ]
        return [Reply(text=turn.tr("intake.no_draft"), toast=True)]
    step, draft = loaded
    if step != "summary" or draft.id != draft_id or draft.questions:
        return [await show(turn, step, draft, error=turn.tr("error.stale_button"), replace=False)]
    if refusal := _needs_org(turn):
        return refusal
    return await submit_draft(turn, draft)


def register(registry: Registry) -> None:
    registry.add_command(Command("new", REQUESTER, cmd_new, "help.new"))
    registry.add_command(
        Command("need", REQUESTER, cmd_need, "help.need", usage="2 generator; 200 packs bandages")
    )
    # /cancel ends the sender's own conversation in this chat and shows nothing, so it works in
    # a group too; the wizard itself (/new, /need, its buttons and typed steps) stays private:
    # it asks for the delivery place and notes and shows them back in the summary.
    registry.add_command(
        Command("cancel", ANY_MEMBER, cmd_cancel, "help.cancel", where=Where.ANY_CHAT)
    )
    registry.add_choice(ChoiceRoute("w", REQUESTER, on_choice))
    registry.add_flow(Flow(FLOW, REQUESTER, on_text))
