"""Admins register and edit organisations from chat: /org_add, /orgs, /org ID [FIELD VALUE].

/org_add without arguments is a short guided conversation (kind by button, then one typed
answer per field); with ``;``-separated arguments it adds the organisation in one line. A field
is edited by a button on the /org card (the next message is the new value) or in one line.
"""

from __future__ import annotations

from pydantic import BaseModel

from handlers.admin.invites import long_reply, org_names
from handlers.admin.org_rules import (
    MAX_LENGTH,
    FieldRefused,
    Problem,
    clean_field,
    create_organisation,
)
from handlers.admin.org_rules import field_value as current
from handlers.core.context import Turn
from handlers.core.events import Choice, Reply, rows
from handlers.core.registry import ADMIN, ChoiceRoute, Command, Flow, Registry
from handlers.text.format import esc
from handlers.text.numbers import small_int
from storage import audit, organisations
from storage.models import Organisation, OrgKind
from storage.organisations import EDITABLE_FIELDS

ADD_FLOW = "org_add"
EDIT_FLOW = "org_edit"
ADD_STEPS: tuple[str, ...] = ("kind", "name", "raion", "settlement", "code", "address")
OPTIONAL_FIELDS = frozenset({"code", "address"})
# Typed instead of a value: clears an optional field (or skips it in /org_add).
CLEAR = "-"


class OrgDraft(BaseModel):
    """What /org_add has collected so far."""

    kind: OrgKind | None = None
    name: str | None = None
    raion: str | None = None
    settlement: str | None = None
    code: str | None = None
    address: str | None = None


class EditState(BaseModel):
    org_id: int


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
    """A field by its English name, 'edrpou', or its label in any language ('адреса')."""
    wanted = text.strip().lower()
    if wanted == "edrpou":
        return "code"
    for field in EDITABLE_FIELDS:
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
    for org in orgs:
        kind = turn.tr(f"org_kind.{org.kind.value}")
        lines.append(
            f"{org.id}. {esc(org.name)} — {esc(kind)}, {esc(org.settlement)}, {esc(org.raion)}"
        )
    lines += ["", turn.tr("admin.orgs_hint")]
    return long_reply("\n".join(lines))


def org_card(turn: Turn, org: Organisation) -> str:
    lines = [f"<b>#{org.id} {esc(org.name)}</b>"]
    for field in EDITABLE_FIELDS:
        value = current(org, field)
        if field == "kind" and value is not None:
            value = turn.tr(f"org_kind.{value}")
        lines.append(f"{esc(field_label(turn, field))}: {shown(turn, value)}")
    return "\n".join(lines)


def card_reply(turn: Turn, org: Organisation, *, prefix: str = "", replace: bool = False) -> Reply:
    buttons = [
        Choice(label=f"✏️ {field_label(turn, f)}", payload=f"org:e:{org.id}:{f}")
        for f in EDITABLE_FIELDS
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
    if len(parts) == 2:
        return await ask_field(turn, org, field, replace=False)
    replies, _ = await apply_edit(turn, org, field, parts[2], replace=False)
    return replies


async def ask_field(turn: Turn, org: Organisation, field: str, *, replace: bool) -> list[Reply]:
    cancel = Choice(label=turn.tr("btn.cancel"), payload="org:x", nav=True)
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
        (action == "e" and value in EDITABLE_FIELDS)
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


async def cmd_org_add(turn: Turn, args: str) -> list[Reply]:
    if not args:
        draft = OrgDraft()
        await turn.flow.save(ADD_FLOW, "kind", draft)
        return [add_prompt(turn, "kind", error=None)]
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
    for field, raw in zip(ADD_STEPS[1:], parts[1:], strict=False):
        if field in OPTIONAL_FIELDS and raw in ("", CLEAR):
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


def add_prompt(turn: Turn, step: str, *, error: str | None) -> Reply:
    number = ADD_STEPS.index(step) + 1
    text = turn.tr("admin.org_add_step", step=number, steps=len(ADD_STEPS))
    text += "\n" + turn.tr(f"admin.org_add_ask_{step}")
    if error:
        text = f"⚠️ {error}\n\n{text}"
    cancel = Choice(label=turn.tr("btn.cancel"), payload="oa:x", nav=True)
    if step == "kind":
        return Reply(text=text, choices=rows(*kind_buttons(turn, "oa:k:"), cancel, per_row=2))
    # Back names the step it leaves, so a Back from an older question cannot skip two.
    back = Choice(label=turn.tr("btn.back"), payload=f"oa:b:{step}", nav=True)
    if step in OPTIONAL_FIELDS:
        skip = Choice(label=turn.tr("btn.skip"), payload=f"oa:s:{step}", nav=True)
        return Reply(text=text, choices=((skip,), (back, cancel)))
    return Reply(text=text, choices=((back, cancel),))


async def add_step(turn: Turn, step: str, draft: OrgDraft, value: str | None) -> list[Reply]:
    """Store the answer for ``step`` and ask the next question, or create at the end."""
    setattr(draft, step, OrgKind(value) if step == "kind" and value else value)
    following = ADD_STEPS.index(step) + 1
    if following == len(ADD_STEPS):
        await clear(turn)
        return await create(turn, draft)
    await turn.flow.save(ADD_FLOW, ADD_STEPS[following], draft)
    return [add_prompt(turn, ADD_STEPS[following], error=None)]


async def on_add_text(turn: Turn, text: str) -> list[Reply]:
    loaded = await load_add(turn)
    if loaded is None:
        await clear(turn)
        return [Reply(text=turn.tr("admin.org_add_usage"))]
    step, draft = loaded
    if step == "kind":
        kind = parse_kind(turn, text)
        if kind is None:
            unknown = turn.tr("admin.unknown_kind", kind=esc(text[:40]))
            return [add_prompt(turn, step, error=unknown)]
        return await add_step(turn, step, draft, kind.value)
    if step in OPTIONAL_FIELDS and text.strip() == CLEAR:
        return await add_step(turn, step, draft, None)
    value, error = clean_value(turn, step, text)
    if error is not None:
        return [add_prompt(turn, step, error=error)]
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
        previous = ADD_STEPS[ADD_STEPS.index(step) - 1]
        await turn.flow.save(ADD_FLOW, previous, draft)
        return [add_prompt(turn, previous, error=None).model_copy(update={"replace": True})]
    # A button from an earlier question: ask the current one again.
    return [add_prompt(turn, step, error=turn.tr("error.stale_button"))]


async def create(turn: Turn, draft: OrgDraft) -> list[Reply]:
    assert draft.kind and draft.name and draft.raion and draft.settlement
    assert turn.member is not None
    org = await create_organisation(
        turn.conn,
        kind=draft.kind,
        name=draft.name,
        raion=draft.raion,
        settlement=draft.settlement,
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


# --- conversation state ------------------------------------------------------------------------


async def load_add(turn: Turn) -> tuple[str, OrgDraft] | None:
    state = await turn.flow.get(ADD_FLOW, OrgDraft, steps=ADD_STEPS)
    return None if state is None else (state.step, state.data)


async def load_edit(turn: Turn) -> tuple[str, EditState] | None:
    state = await turn.flow.get(EDIT_FLOW, EditState, steps=EDITABLE_FIELDS)
    return None if state is None else (state.step, state.data)


async def clear(turn: Turn) -> None:
    # Only our own conversations: a Cancel button of an old card must not drop a /new draft.
    await turn.flow.clear(ADD_FLOW, EDIT_FLOW)


def register(registry: Registry) -> None:
    registry.add_command(Command("org_add", ADMIN, cmd_org_add, "help.org_add"))
    registry.add_command(Command("orgs", ADMIN, cmd_orgs, "help.orgs"))
    registry.add_command(Command("org", ADMIN, cmd_org, "help.org"))
    registry.add_choice(ChoiceRoute("org", ADMIN, on_org_choice))
    registry.add_choice(ChoiceRoute("oa", ADMIN, on_add_choice))
    registry.add_flow(Flow(ADD_FLOW, ADMIN, on_add_text))
    registry.add_flow(Flow(EDIT_FLOW, ADMIN, on_edit_text))
