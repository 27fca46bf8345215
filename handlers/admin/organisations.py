"""Admins register and edit organisations from chat: /org_add, /orgs, /org ID [FIELD VALUE].

/org_add without arguments is a short guided conversation (kind by button, then one typed
answer per field; the place raion -> hromada -> settlement by buttons or names, see
place_picker.py); with ``;``-separated arguments it adds the organisation in one line, its
raion and settlement by name or code, refused with the candidates when a name fits several.
A field is edited by a button on the /org card (the next message is the new value) or in one
line; the place is picked again the same way as in /org_add (flow ``org_place``).
"""

from __future__ import annotations

from pydantic import BaseModel

from handlers.admin import place_picker
from handlers.admin.invites import long_reply, org_names
from handlers.admin.org_rules import (
    ABROAD_RAION,
    MAX_LENGTH,
    FieldRefused,
    Problem,
    clean_field,
    create_organisation,
)
from handlers.admin.org_rules import field_value as current
from handlers.admin.place_picker import PLACE_STEPS, PlaceDraft
from handlers.core import location_policy
from handlers.core.context import Turn
from handlers.core.events import Choice, Reply, rows
from handlers.core.registry import ADMIN, ChoiceRoute, Command, Flow, Registry
from handlers.text.format import esc
from handlers.text.numbers import small_int
from handlers.text.places import org_name, org_place, unit_with_context
from storage import audit, organisations
from storage.models import Organisation, OrgKind, Placement
from storage.places.placing import place_texts, resolve_parts

ADD_FLOW = "org_add"
EDIT_FLOW = "org_edit"
PLACE_FLOW = "org_place"
# The questions of /org_add in order; "abroad" (the town of an organisation outside the
# oblast) stands in for hromada and settlement and is numbered as the hromada.
ADD_STEPS: tuple[str, ...] = (
    "kind",
    "name",
    "raion",
    "hromada",
    "settlement",
    "code",
    "address",
)
_ADD_STATE_STEPS = (*ADD_STEPS, "abroad")
OPTIONAL_FIELDS = frozenset({"code", "address"})
# What the /org card offers to change; "place" is picked like in /org_add.
CARD_FIELDS: tuple[str, ...] = ("name", "kind", "place", "code", "address")
TEXT_FIELDS = frozenset({"name", "code", "address"})
# Typed instead of a value: clears an optional field (or skips it in /org_add); as the raion
# of the one-line /org_add: outside the oblast.
CLEAR = "-"


class OrgDraft(BaseModel):
    """What /org_add has collected so far."""

    kind: OrgKind | None = None
    name: str | None = None
    place: PlaceDraft = PlaceDraft()
    code: str | None = None
    address: str | None = None


class EditState(BaseModel):
    org_id: int


class PlaceEdit(BaseModel):
    org_id: int
    place: PlaceDraft = PlaceDraft()


# --- reading values --------------------------------------------------------------------------


def field_label(turn: Turn, field: str) -> str:
    return turn.tr(f"admin.field.{field}")


def parse_kind(turn: Turn, text: str) -> OrgKind | None:
    """'hospital', or the kind's name in any of the three languages ('лікарня')."""
    wanted = text.strip().lower()
    for kind in OrgKind:
        if wanted == kind.value or wanted in (
            form.lower() for form in turn.ctx.t.all_forms(f"org_kind.{kind.value}")
        ):
            return kind
    return None


def parse_field(turn: Turn, text: str) -> str | None:
    """A field by its English name, 'edrpou', or its label in any language ('адреса').

    The raion, hromada and settlement are one field now, the place, picked by code."""
    wanted = text.strip().lower()
    if wanted == "edrpou":
        return "code"
    for field in ("raion", "hromada", "settlement"):
        forms = turn.ctx.t.all_forms(f"admin.field.{field}") if field != "hromada" else []
        if wanted == field or wanted in (form.lower() for form in forms):
            return "place"
    for field in CARD_FIELDS:
        if wanted == field or wanted in (
            form.lower() for form in turn.ctx.t.all_forms(f"admin.field.{field}")
        ):
            return field
    return None


def clean_value(turn: Turn, field: str, raw: str) -> tuple[str | None, str | None]:
    """(value, None) or (None, error text) for a typed value of a text field."""
    try:
        return clean_field(field, raw), None
    except FieldRefused as refused:
        label = esc(field_label(turn, field))
        if refused.problem is Problem.BAD_CODE:
            return None, turn.tr("admin.bad_code", code=esc(raw.strip()[:20]))
        if refused.problem is Problem.EMPTY:
            return None, turn.tr("admin.field_empty", field=label)
        return None, turn.tr("admin.field_too_long", field=label, limit=MAX_LENGTH[field])


def shown(turn: Turn, value: object | None) -> str:
    return esc(value) if value not in (None, "") else turn.tr("admin.no_value")


def kind_buttons(turn: Turn, prefix: str) -> list[Choice]:
    return [
        Choice(label=turn.tr(f"org_kind.{k.value}"), payload=f"{prefix}{k.value}") for k in OrgKind
    ]


# --- /orgs and the card ------------------------------------------------------------------------


async def cmd_orgs(turn: Turn, args: str) -> list[Reply]:
    orgs = await organisations.list_organisations(turn.conn)
    if not orgs:
        return [Reply(text=turn.tr("admin.no_orgs"))]
    lines = [f"<b>{esc(turn.tr('admin.orgs_title'))}</b>"]
    t, lang = turn.ctx.t, turn.lang
    for org in orgs:
        kind = turn.tr(f"org_kind.{org.kind.value}")
        lines.append(f"{org.id}. {org_name(org, lang)} — {esc(kind)}, {org_place(t, lang, org)}")
    lines += ["", turn.tr("admin.orgs_hint")]
    return long_reply("\n".join(lines))


def org_card(turn: Turn, org: Organisation) -> str:
    t, lang = turn.ctx.t, turn.lang
    lines = [f"<b>#{org.id} {org_name(org, lang)}</b>"]
    # Admin-only today; the policy still decides, so a reader below FULL would get the area.
    level = location_policy.detail(turn.roles, location_policy.View.ORGS)
    for field in CARD_FIELDS:
        if level < location_policy.Detail.FULL and field in ("place", "address"):
            if field == "place":
                area = location_policy.place_text(t, lang, level, org)
                lines.append(f"{esc(field_label(turn, field))}: {shown(turn, area)}")
            continue
        if field == "place":
            lines.append(f"{esc(field_label(turn, field))}: {org_place(t, lang, org)}")
            lowest = org.place.settlement_code or org.place.hromada_code
            if lowest:
                lines.append(f"{esc(turn.tr('place.katottg'))}: <code>{esc(lowest)}</code>")
            continue
        value = current(org, field)
        if field == "kind" and value is not None:
            value = turn.tr(f"org_kind.{value}")
        lines.append(f"{esc(field_label(turn, field))}: {shown(turn, value)}")
    return "\n".join(lines)


def card_reply(turn: Turn, org: Organisation, *, prefix: str = "", replace: bool = False) -> Reply:
    buttons = [
        Choice(label=f"✏️ {field_label(turn, f)}", payload=f"org:e:{org.id}:{f}")
        for f in CARD_FIELDS
    ]
    text = org_card(turn, org) + "\n\n" + turn.tr("admin.org_edit_hint", id=org.id)
    if prefix:
        text = prefix + "\n\n" + text
    return Reply(text=text, choices=rows(*buttons, per_row=2), replace=replace)


async def cmd_org(turn: Turn, args: str) -> list[Reply]:
    parts = args.split(maxsplit=2)
    org_id = small_int(parts[0].removeprefix("#")) if parts else None
    if org_id is None:
        return [Reply(text=turn.tr("admin.org_usage"))]
    org = await organisations.get_organisation(turn.conn, org_id)
    if org is None:
        return [Reply(text=turn.tr("admin.org_not_found", org=esc(parts[0][:20])))]
    if len(parts) == 1:
        return [card_reply(turn, org)]
    field = parse_field(turn, parts[1])
    if field is None:
        return [Reply(text=turn.tr("admin.unknown_field", field=esc(parts[1][:40])))]
    if field == "place":
        return await start_place_edit(turn, org, parts[2] if len(parts) == 3 else None)
    if len(parts) == 2:
        return await ask_field(turn, org, field, replace=False)
    replies, _ = await apply_edit(turn, org, field, parts[2], replace=False)
    return replies


async def ask_field(turn: Turn, org: Organisation, field: str, *, replace: bool) -> list[Reply]:
    cancel = Choice(label=turn.tr("btn.cancel"), payload="org:x", nav=True)
    if field == "place":
        return await start_place_edit(turn, org, None)
    if field == "kind":
        text = turn.tr("admin.org_ask_kind", org=esc(org.name))
        choices = rows(*kind_buttons(turn, f"org:k:{org.id}:"), cancel, per_row=2)
        return [Reply(text=text, choices=choices, replace=replace)]
    await turn.flow.save(EDIT_FLOW, field, EditState(org_id=org.id))
    text = turn.tr(
        "admin.org_ask_field",
        field=esc(field_label(turn, field)),
        org=esc(org.name),
        value=shown(turn, current(org, field)),
    )
    buttons = [cancel]
    if field in OPTIONAL_FIELDS:
        buttons.insert(
            0, Choice(label=turn.tr("admin.btn_clear"), payload=f"org:c:{org.id}:{field}")
        )
    return [Reply(text=text, choices=rows(*buttons, per_row=2), replace=replace)]


async def apply_edit(
    turn: Turn, org: Organisation, field: str, raw: str, *, replace: bool
) -> tuple[list[Reply], bool]:
    """Set one field from what the admin typed or pressed; (replies, whether it was valid)."""
    label = esc(field_label(turn, field))
    value: str | None
    if raw.strip() == CLEAR:
        if field not in OPTIONAL_FIELDS:
            return [Reply(text=turn.tr("admin.org_field_required", field=label))], False
        value = None
    elif field == "kind":
        kind = parse_kind(turn, raw)
        if kind is None:
            return [Reply(text=turn.tr("admin.unknown_kind", kind=esc(raw.strip()[:40])))], False
        value = kind.value
    else:
        value, error = clean_value(turn, field, raw)
        if error is not None:
            return [Reply(text=error)], False
    old = current(org, field)
    if old == value:
        text = turn.tr("admin.org_field_same", field=label, value=shown(turn, value))
        return [Reply(text=text, replace=replace)], True
    await organisations.set_organisation_field(turn.conn, org.id, field, value)
    await turn.audit(
        "org.edit", audit.org_target(org.id), params={"field": field, "old": old, "new": value}
    )
    updated = await organisations.get_organisation(turn.conn, org.id)
    assert updated is not None
    prefix = turn.tr("admin.org_field_set", field=label, org=esc(updated.name))
    return [card_reply(turn, updated, prefix=prefix, replace=replace)], True


async def on_org_choice(turn: Turn, payload: str) -> list[Reply]:
    """'x' cancels; 'e:ID:FIELD' asks for a value; 'k:ID:KIND' sets the kind;
    'c:ID:FIELD' clears an optional field."""
    parts = payload.split(":")
    if parts == ["x"]:
        await clear(turn)
        return [Reply(text=turn.tr("admin.cancelled"), replace=True)]
    action, org_ref, value = parts if len(parts) == 3 else ("", "", "")
    valid = (
        (action == "e" and value in CARD_FIELDS)
        or (action == "k" and value in {k.value for k in OrgKind})
        or (action == "c" and value in OPTIONAL_FIELDS)
    )
    org_id = small_int(org_ref)
    org = await organisations.get_organisation(turn.conn, org_id) if org_id is not None else None
    if not valid or org is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    if action == "e":
        return await ask_field(turn, org, value, replace=False)
    if action == "c":
        await clear(turn)
    field, raw = ("kind", value) if action == "k" else (value, CLEAR)
    replies, _ = await apply_edit(turn, org, field, raw, replace=True)
    return replies


async def on_edit_text(turn: Turn, text: str) -> list[Reply]:
    loaded = await load_edit(turn)
    if loaded is None:
        await clear(turn)
        return [Reply(text=turn.tr("admin.org_usage"))]
    field, state = loaded
    org = await organisations.get_organisation(turn.conn, state.org_id)
    if org is None:
        await clear(turn)
        return [Reply(text=turn.tr("admin.org_not_found", org=state.org_id))]
    replies, valid = await apply_edit(turn, org, field, text, replace=False)
    if valid:
        await clear(turn)
        return replies
    # Stay in the step: the next message is another try.
    cancel = Choice(label=turn.tr("btn.cancel"), payload="org:x", nav=True)
    return [Reply(text=replies[0].text + "\n" + turn.tr("admin.try_again"), choices=((cancel,),))]


# --- /org_add ----------------------------------------------------------------------------------


def place_refusal(turn: Turn, raion: str, settlement: str) -> tuple[Placement | None, str | None]:
    """The place of a one-line /org_add: (placement, None) or (None, why not, with the
    candidates when a name fits several units). ``-`` as the raion: outside the oblast."""
    if raion == CLEAR:
        return Placement(outside_oblast=True), None
    answer = resolve_parts(raion=raion, settlement=settlement)
    if answer.placement is not None and answer.placement.placed:
        return answer.placement, None
    part = answer.part or "settlement"
    found = answer.found
    text = raion if part == "raion" else settlement
    if found is None or not found.candidates:
        problem = turn.tr("place.problem_none")
    else:
        t, lang = turn.ctx.t, turn.lang
        listed = "; ".join(
            f"{unit_with_context(t, lang, u, html=True)} <code>{u.code}</code>" for u in found.units
        )
        problem = turn.tr("place.problem_choices", choices=listed)
    refusal = turn.tr(
        "place.refused",
        part=turn.tr(f"place.part_{part}"),
        text=esc(text.strip()[:80]),
        problem=problem,
    )
    return None, refusal


async def cmd_org_add(turn: Turn, args: str) -> list[Reply]:
    if not args:
        draft = OrgDraft()
        await turn.flow.save(ADD_FLOW, "kind", draft)
        return [add_prompt(turn, "kind", draft, error=None)]
    if ";" not in args:
        return [Reply(text=turn.tr("admin.org_add_usage"))]
    parts = [p.strip() for p in args.split(";")]
    if not 4 <= len(parts) <= 6:
        lines = [turn.tr("admin.org_add_parts", count=len(parts)), turn.tr("admin.org_add_usage")]
        return [Reply(text="\n\n".join(lines))]
    draft = OrgDraft()
    problems: list[str] = []
    kind = parse_kind(turn, parts[0])
    if kind is None:
        problems.append(turn.tr("admin.unknown_kind", kind=esc(parts[0][:40])))
    draft.kind = kind
    name, error = clean_value(turn, "name", parts[1])
    if error is not None:
        problems.append(error)
    draft.name = name
    place, refusal = place_refusal(turn, parts[2], parts[3])
    if place is not None and place.outside_oblast:
        town, error = clean_value(turn, "settlement", parts[3])
        if error is not None:
            problems.append(error)
        draft.place = PlaceDraft(outside=True, abroad=town)
    elif place is not None:
        draft.place = PlaceDraft(
            raion_code=place.raion_code,
            hromada_code=place.hromada_code,
            settlement_code=place.settlement_code,
        )
    else:
        problems += [refusal or "", turn.tr("place.abroad_hint")]
    for field, raw in zip(("code", "address"), parts[4:], strict=False):
        if raw in ("", CLEAR):
            continue
        value, error = clean_value(turn, field, raw)
        if error is not None:
            problems.append(error)
        setattr(draft, field, value)
    if problems:
        lines = [turn.tr("admin.nothing_saved")] + [f"• {p}" for p in problems]
        lines += ["", turn.tr("admin.org_add_usage")]
        return [Reply(text="\n".join(lines))]
    return await create(turn, draft)


def _number(step: str) -> int:
    return ADD_STEPS.index("hromada" if step == "abroad" else step) + 1


def add_prompt(turn: Turn, step: str, draft: OrgDraft, *, error: str | None) -> Reply:
    text = turn.tr("admin.org_add_step", step=_number(step), steps=len(ADD_STEPS))
    cancel = Choice(label=turn.tr("btn.cancel"), payload="oa:x", nav=True)
    back = Choice(label=turn.tr("btn.back"), payload=f"oa:b:{step}", nav=True)
    if step in PLACE_STEPS:
        question, buttons = place_picker.prompt(turn, step, draft.place, prefix="oa")
        text += "\n" + question
        if error:
            text = f"⚠️ {error}\n\n{text}"
        options = [b for b in buttons if not b.nav]
        nav = [b for b in buttons if b.nav]
        return Reply(text=text, choices=(*rows(*options, per_row=2), (*nav, back, cancel)))
    text += "\n" + turn.tr(f"admin.org_add_ask_{step}")
    if error:
        text = f"⚠️ {error}\n\n{text}"
    if step == "kind":
        return Reply(text=text, choices=rows(*kind_buttons(turn, "oa:k:"), cancel, per_row=2))
    # Back names the step it leaves, so a Back from an older question cannot skip two.
    if step in OPTIONAL_FIELDS:
        skip = Choice(label=turn.tr("btn.skip"), payload=f"oa:s:{step}", nav=True)
        return Reply(text=text, choices=((skip,), (back, cancel)))
    return Reply(text=text, choices=((back, cancel),))


def _previous(step: str, draft: OrgDraft) -> str:
    if step in PLACE_STEPS:
        return place_picker.previous_step(step, draft.place) or "name"
    if step == "code":
        return "abroad" if draft.place.outside else "settlement"
    return ADD_STEPS[ADD_STEPS.index(step) - 1]


async def ask(turn: Turn, step: str, draft: OrgDraft) -> list[Reply]:
    await turn.flow.save(ADD_FLOW, step, draft)
    return [add_prompt(turn, step, draft, error=None)]


async def add_step(turn: Turn, step: str, draft: OrgDraft, value: str | None) -> list[Reply]:
    """Store the answer for ``step`` (kind, name, code, address) and ask the next question,
    or create at the end."""
    setattr(draft, step, OrgKind(value) if step == "kind" and value else value)
    following = ADD_STEPS.index(step) + 1
    if following == len(ADD_STEPS):
        await clear(turn)
        return await create(turn, draft)
    return await ask(turn, ADD_STEPS[following], draft)


async def place_taken(turn: Turn, draft: OrgDraft, outcome: place_picker.Outcome) -> list[Reply]:
    assert outcome.draft is not None
    draft.place = outcome.draft
    return await ask(turn, outcome.next_step or "code", draft)


def _nav(turn: Turn, prefix: str, step: str) -> list[Choice]:
    return [
        Choice(label=turn.tr("btn.back"), payload=f"{prefix}:b:{step}", nav=True),
        Choice(label=turn.tr("btn.cancel"), payload=f"{prefix}:x", nav=True),
    ]


async def on_add_text(turn: Turn, text: str) -> list[Reply]:
    loaded = await load_add(turn)
    if loaded is None:
        await clear(turn)
        return [Reply(text=turn.tr("admin.org_add_usage"))]
    step, draft = loaded
    if step in PLACE_STEPS:
        nav = _nav(turn, "oa", step)
        outcome = place_picker.take_text(turn, step, draft.place, text, prefix="oa", nav=nav)
        if outcome.taken:
            return await place_taken(turn, draft, outcome)
        assert outcome.reply is not None
        return [outcome.reply]
    if step == "kind":
        kind = parse_kind(turn, text)
        if kind is None:
            unknown = turn.tr("admin.unknown_kind", kind=esc(text[:40]))
            return [add_prompt(turn, step, draft, error=unknown)]
        return await add_step(turn, step, draft, kind.value)
    if step in OPTIONAL_FIELDS and text.strip() == CLEAR:
        return await add_step(turn, step, draft, None)
    value, error = clean_value(turn, step, text)
    if error is not None:
        return [add_prompt(turn, step, draft, error=error)]
    return await add_step(turn, step, draft, value)


async def on_add_choice(turn: Turn, payload: str) -> list[Reply]:
    if payload == "x":
        await clear(turn)
        return [Reply(text=turn.tr("admin.org_add_cancelled"), replace=True)]
    loaded = await load_add(turn)
    if loaded is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    step, draft = loaded
    action, _, value = payload.partition(":")
    if action == "k" and step == "kind" and value in {k.value for k in OrgKind}:
        return await add_step(turn, step, draft, value)
    if action == "s" and step == value and step in OPTIONAL_FIELDS:
        return await add_step(turn, step, draft, None)
    if action == "b" and step == value and step != ADD_STEPS[0]:
        # The answers given so far stay in the draft; the earlier question is simply asked
        # again, and its new answer replaces the old one.
        previous = _previous(step, draft)
        await turn.flow.save(ADD_FLOW, previous, draft)
        reply = add_prompt(turn, previous, draft, error=None)
        return [reply.model_copy(update={"replace": True})]
    if action in ("p", "o", "w") and step in PLACE_STEPS:
        outcome = place_picker.take_payload(step, draft.place, payload)
        if outcome is not None:
            return await place_taken(turn, draft, outcome)
    # A button from an earlier question: ask the current one again.
    return [add_prompt(turn, step, draft, error=turn.tr("error.stale_button"))]


async def create(turn: Turn, draft: OrgDraft) -> list[Reply]:
    assert draft.kind and draft.name
    assert turn.member is not None
    org = await create_organisation(
        turn.conn,
        kind=draft.kind,
        name=draft.name,
        place=draft.place.placement(),
        abroad=draft.place.abroad,
        code=draft.code,
        address=draft.address,
        actor_id=turn.member.id,
        actor_label=str(turn.member.identity),
        now=turn.now,
    )
    same_name = [
        other_id
        for other_id, name in (await org_names(turn)).items()
        if other_id != org.id and name.casefold() == org.name.casefold()
    ]
    lines = [turn.tr("admin.org_added", id=org.id), "", org_card(turn, org), ""]
    if same_name:
        # Not refused (two hospitals may share a name in different towns), but worth a look.
        lines.append(turn.tr("admin.org_same_name", ids=", ".join(f"#{i}" for i in same_name)))
    lines.append(turn.tr("admin.org_next", id=org.id))
    return [Reply(text="\n".join(lines))]


# --- the place of an existing organisation -----------------------------------------------------


async def start_place_edit(turn: Turn, org: Organisation, typed: str | None) -> list[Reply]:
    state = PlaceEdit(org_id=org.id)
    if typed and typed.strip():
        return await place_edit_text(turn, "raion", state, org, typed)
    return await ask_place(turn, "raion", state, org)


async def ask_place(turn: Turn, step: str, state: PlaceEdit, org: Organisation) -> list[Reply]:
    await turn.flow.save(PLACE_FLOW, step, state)
    question, buttons = place_picker.prompt(turn, step, state.place, prefix="opl")
    text = f"<b>#{org.id} {org_name(org, turn.lang)}</b>\n{question}"
    options = [b for b in buttons if not b.nav]
    nav = [b for b in buttons if b.nav]
    back = [] if step == "raion" else [_nav(turn, "opl", step)[0]]
    cancel = Choice(label=turn.tr("btn.cancel"), payload="opl:x", nav=True)
    return [Reply(text=text, choices=(*rows(*options, per_row=2), (*nav, *back, cancel)))]


async def place_edit_taken(
    turn: Turn, state: PlaceEdit, org: Organisation, outcome: place_picker.Outcome
) -> list[Reply]:
    assert outcome.draft is not None
    state.place = outcome.draft
    if outcome.next_step is not None:
        return await ask_place(turn, outcome.next_step, state, org)
    await clear(turn)
    return await apply_place(turn, org, state.place)


async def apply_place(turn: Turn, org: Organisation, draft: PlaceDraft) -> list[Reply]:
    place = draft.placement()
    if place.outside_oblast:
        raion, settlement = ABROAD_RAION, draft.abroad or ""
    else:
        raion, settlement = place_texts(place)
    if (place, raion, settlement) == (org.place, org.raion, org.settlement):
        text = turn.tr("admin.org_field_same", field=esc(field_label(turn, "place")), value="")
        return [card_reply(turn, org, prefix=text.rstrip(": "))]
    await organisations.set_organisation_place(
        turn.conn, org.id, place, raion=raion, settlement=settlement
    )
    codes = [place.raion_code, place.hromada_code, place.settlement_code]
    new = "abroad" if place.outside_oblast else " ".join(c for c in codes if c)
    await turn.audit(
        "org.place",
        audit.org_target(org.id),
        params={
            "old": f"{org.settlement}, {org.raion}",
            "new": f"{settlement}, {raion}",
            "codes": new,
        },
    )
    updated = await organisations.get_organisation(turn.conn, org.id)
    assert updated is not None
    prefix = turn.tr(
        "place.set", org=esc(updated.name), place=org_place(turn.ctx.t, turn.lang, updated)
    )
    return [card_reply(turn, updated, prefix=prefix)]


async def load_place(turn: Turn) -> tuple[str, PlaceEdit, Organisation] | None:
    state = await turn.flow.get(PLACE_FLOW, PlaceEdit, steps=PLACE_STEPS)
    if state is None:
        return None
    org = await organisations.get_organisation(turn.conn, state.data.org_id)
    step = place_picker.consistent_step(state.step, state.data.place)
    return None if org is None else (step, state.data, org)


async def place_edit_text(
    turn: Turn, step: str, state: PlaceEdit, org: Organisation, text: str
) -> list[Reply]:
    nav = [Choice(label=turn.tr("btn.cancel"), payload="opl:x", nav=True)]
    outcome = place_picker.take_text(turn, step, state.place, text, prefix="opl", nav=nav)
    if outcome.taken:
        return await place_edit_taken(turn, state, org, outcome)
    # Not taken: the candidates are the next answer; the flow stays at this step.
    await turn.flow.save(PLACE_FLOW, step, state)
    assert outcome.reply is not None
    return [outcome.reply]


async def on_place_text(turn: Turn, text: str) -> list[Reply]:
    loaded = await load_place(turn)
    if loaded is None:
        await clear(turn)
        return [Reply(text=turn.tr("admin.org_usage"))]
    step, state, org = loaded
    return await place_edit_text(turn, step, state, org, text)


async def on_place_choice(turn: Turn, payload: str) -> list[Reply]:
    if payload == "x":
        await clear(turn)
        return [Reply(text=turn.tr("admin.cancelled"), replace=True)]
    loaded = await load_place(turn)
    if loaded is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    step, state, org = loaded
    action, _, value = payload.partition(":")
    if action == "b" and value == step:
        previous = place_picker.previous_step(step, state.place)
        if previous is not None:
            return await ask_place(turn, previous, state, org)
    outcome = place_picker.take_payload(step, state.place, payload)
    if outcome is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    return await place_edit_taken(turn, state, org, outcome)


# --- conversation state ------------------------------------------------------------------------


async def load_add(turn: Turn) -> tuple[str, OrgDraft] | None:
    state = await turn.flow.get(ADD_FLOW, OrgDraft, steps=_ADD_STATE_STEPS)
    if state is None:
        return None
    return place_picker.consistent_step(state.step, state.data.place), state.data


async def load_edit(turn: Turn) -> tuple[str, EditState] | None:
    state = await turn.flow.get(EDIT_FLOW, EditState, steps=tuple(TEXT_FIELDS))
    return None if state is None else (state.step, state.data)


async def clear(turn: Turn) -> None:
    # Only our own conversations: a Cancel button of an old card must not drop a /new draft.
    await turn.flow.clear(ADD_FLOW, EDIT_FLOW, PLACE_FLOW)


def register(registry: Registry) -> None:
    registry.add_command(Command("org_add", ADMIN, cmd_org_add, "help.org_add"))
    registry.add_command(Command("orgs", ADMIN, cmd_orgs, "help.orgs"))
    registry.add_command(Command("org", ADMIN, cmd_org, "help.org"))
    registry.add_choice(ChoiceRoute("org", ADMIN, on_org_choice))
    registry.add_choice(ChoiceRoute("oa", ADMIN, on_add_choice))
    registry.add_flow(Flow(ADD_FLOW, ADMIN, on_add_text))
    registry.add_flow(Flow(EDIT_FLOW, ADMIN, on_edit_text))
    registry.add_choice(ChoiceRoute("opl", ADMIN, on_place_choice))
    registry.add_flow(Flow(PLACE_FLOW, ADMIN, on_place_text))
