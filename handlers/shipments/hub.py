"""The hub's part of a truck: /hub S-12 for the hub organisation's members.

A truck via a hub (the Poltava hospital) is unloaded there and each hospital's goods are sent
on. The hub's members confirm the arrival (the notice's button, or here) and record, per
destination, that its goods left the hub; that hospital then hears it, in its language. The
view is a reply with buttons, so on Matrix and the console it is answered by number (a
notice's buttons cannot be: the numbered menu is the last reply's).
"""

from __future__ import annotations

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.notify import notify_replies
from handlers.core.registry import ANY_MEMBER, ChoiceRoute, Command, Registry
from handlers.shipments import service
from handlers.shipments.cards import load_shipment, refuse
from handlers.shipments.rules import Refusal
from handlers.shipments.view import lines_block, org_name, status_text, title
from handlers.text.format import esc, fmt_date
from handlers.text.i18n import Language
from handlers.text.numbers import small_int
from handlers.text.places import latin_beside
from storage import members, organisations, shipments
from storage.models import Role
from storage.shipment_models import LineStatus, Shipment, ShipmentLine, ShipmentStatus

# Goods can be sent on once the truck is at the hub (and still after every line was signed).
AFTER_ARRIVAL = frozenset({ShipmentStatus.AT_HUB, ShipmentStatus.CLOSED})


def may_act(turn: Turn, shipment: Shipment) -> bool:
    """The hub organisation's members, and coordinators and admins on their behalf."""
    member = turn.member
    if member is None:
        return False
    at_hub = shipment.hub_org_id is not None and member.org_id == shipment.hub_org_id
    return at_hub or bool(turn.roles & {Role.COORDINATOR, Role.ADMIN})


async def hub_view(turn: Turn, shipment: Shipment, *, replace: bool = False) -> list[Reply]:
    """What is still to do at the hub: the arrival, then each destination's goods."""
    lines = await shipments.list_lines(turn.conn, shipment.id)
    onward = await shipments.list_onward(turn.conn, shipment.id)
    orgs = {o.id: o for o in await organisations.list_organisations(turn.conn)}
    lang = turn.lang
    out = [f"{title(shipment)} · {esc(status_text(turn.ctx.t, lang, shipment.status))}"]
    rows: list[tuple[Choice, ...]] = []
    if shipment.status is ShipmentStatus.DEPARTED:
        out.append(turn.tr("hub.arrival_hint"))
        rows.append((Choice(label=turn.tr("ship.btn.arrived"), payload=f"shh:{shipment.id}"),))
    elif shipment.status in (ShipmentStatus.PLANNED, ShipmentStatus.LOADING):
        status = esc(status_text(turn.ctx.t, lang, shipment.status))
        out.append(turn.tr("hub.not_yet", status=status))
    for dest, group in _onward_groups(shipment, lines).items():
        name = org_name(orgs, dest, lang)
        out.append("")
        out.append(f"🏥 <b>{esc(name)}</b>")
        out.append(lines_block(turn.ctx.t, turn.ctx.catalog, lang, group))
        sent = onward.get(dest)
        if sent is not None:
            day = sent.astimezone(turn.ctx.policy.timezone).date()
            out.append(turn.tr("hub.sent_on", date=fmt_date(day)))
        elif shipment.status in AFTER_ARRIVAL:
            label = turn.tr("hub.btn.sent_on", org=name[:40])
            rows.append((Choice(label=label, payload=f"sho:{shipment.id}:{dest}"),))
    if len(out) == 1:
        out.append(turn.tr("hub.nothing_onward"))
    return [Reply(text="\n".join(out), choices=tuple(rows), replace=replace)]


def _onward_groups(shipment: Shipment, lines: list[ShipmentLine]) -> dict[int, list[ShipmentLine]]:
    """Lines by destination, the hub's own goods left out (it signs for those itself)."""
    grouped: dict[int, list[ShipmentLine]] = {}
    for line in lines:
        if line.dest_org_id != shipment.hub_org_id:
            grouped.setdefault(line.dest_org_id, []).append(line)
    return grouped


async def cmd_hub(turn: Turn, args: str) -> list[Reply]:
    ref = args.strip()
    if not ref:
        return [Reply(text=turn.tr("hub.usage"))]
    shipment, refused = await load_shipment(turn, ref)
    if shipment is None:
        return refused or []
    if shipment.hub_org_id is None:
        return [Reply(text=turn.tr("hub.no_hub", ref=esc(shipment.ref)))]
    if not may_act(turn, shipment):
        # Not the hub's: said as "not found", so the command reveals no other trucks.
        return [Reply(text=turn.tr("ship.not_found_mine", ref=esc(ref[:20])))]
    return await hub_view(turn, shipment)


async def on_onward(turn: Turn, payload: str) -> list[Reply]:
    """sho:<shipment id>:<destination org id>: the destination's goods left the hub."""
    shipment_part, _, dest_part = payload.partition(":")
    shipment_id, dest = small_int(shipment_part), small_int(dest_part)
    shipment = await shipments.get_shipment(turn.conn, shipment_id) if shipment_id else None
    if shipment is None or dest is None or not may_act(turn, shipment):
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    if shipment.status not in AFTER_ARRIVAL:
        return refuse(turn, shipment, Refusal("ship.refused_status"))
    lines = await shipments.list_lines(turn.conn, shipment.id)
    group = _onward_groups(shipment, lines).get(dest)
    if not group:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    assert turn.member is not None
    recorded = await shipments.record_onward(
        turn.conn, shipment.id, dest, actor_id=turn.member.id, now=turn.now
    )
    if not recorded:  # a second tap, or a colleague was first
        return [Reply(text=turn.tr("hub.already"), toast=True)]
    org = await organisations.get_organisation(turn.conn, dest)
    await turn.audit(
        "shipment.onward",
        shipment.ref,
        f"to {org.name if org else dest}",
        params={"org": org.name if org else str(dest)},
    )
    hub = await organisations.get_organisation(turn.conn, shipment.hub_org_id or 0)
    t, catalog = turn.ctx.t, turn.ctx.catalog

    unsigned = [line for line in group if line.status is LineStatus.SHIPPED]

    def sent_on(lang: Language) -> Reply:
        text = t(
            lang,
            "hub.notify.sent_on",
            ref=esc(shipment.ref),
            name=esc(shipment.name),
            hub=esc(latin_beside(hub.name, lang) if hub else ""),
            lines=lines_block(t, catalog, lang, group),
        )
        if not unsigned:
            return Reply(text=text)
        # The goods are coming now: signing for them, as the arrival's notice offered.
        text += "\n\n" + t(lang, "ship.sign_hint", ref=esc(shipment.ref))
        return Reply(text=text, choices=service.receipt_choices(turn, lang, shipment, unsigned))

    await notify_replies(turn, await members.list_members(turn.conn, org_id=dest), sent_on)
    replies = await hub_view(turn, shipment, replace=True)
    return [r.model_copy(update={"durable": True}) for r in replies]


def register(registry: Registry) -> None:
    # Private (the default): it names the hospitals on the truck and their goods. Any member
    # may ask; the handler answers only the hub's members, coordinators and admins.
    registry.add_command(Command("hub", ANY_MEMBER, cmd_hub, "help.hub"))
    registry.add_choice(ChoiceRoute("sho", ANY_MEMBER, on_onward))
