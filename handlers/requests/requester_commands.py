"""A requester's view of its organisation's requests: /my, /show, /withdraw."""

from __future__ import annotations

import re

from handlers.core import location_policy
from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.notify import notify_members
from handlers.core.registry import ANY_MEMBER, DONOR, REQUESTER, ChoiceRoute, Command, Registry
from handlers.offers.view import withdraw_offer
from handlers.requests.duplicates import duplicate_marks
from handlers.requests.request_view import action_buttons, progress_lines
from handlers.shipments.request_info import shipment_lines
from handlers.text.format import describe_lines, esc, request_block, request_line
from handlers.text.places import latin_beside
from storage import members, organisations, requests
from storage.models import OPEN_STATUSES, EventKind, NeedRequest, Role, Status, StatusEvent
from storage.offer_models import parse_offer_ref

_REF = re.compile(r"^\s*[RrРр]?\s*-?\s*(\d{1,9})\s*$")
MY_LIMIT = 30


def parse_ref(text: str) -> int | None:
    """'R-1042', 'r1042', '1042' (and a Cyrillic Р typed by habit) -> 1042."""
    match = _REF.match(text)
    return int(match.group(1)) if match else None


async def visible_request(turn: Turn, ref_text: str) -> NeedRequest | None:
    """The request if this person may see it. Absent and forbidden look the same."""
    request_id = parse_ref(ref_text)
    if request_id is None:
        return None
    request = await requests.get_request(turn.conn, request_id)
    if request is None:
        return None
    if turn.roles & {Role.COORDINATOR, Role.ADMIN}:
        return request
    if turn.member is not None and request.org_id == turn.member.org_id:
        return request
    return None


def history_line(turn: Turn, event: StatusEvent) -> str:
    """'24.11 10:00 Partial delivery: Bandages ×100 (delivered 100 of 200) — note'.

    Only a status event names a status; progress, notes and re-confirmations say what they
    are, so a partial delivery never reads as a second "In transit".
    """
    when = f"{event.at.astimezone(turn.ctx.policy.timezone):%d.%m %H:%M}"
    if event.kind is EventKind.STATUS:
        what = turn.tr("status." + event.status.value)
    else:
        what = turn.tr(f"lc.event.{event.kind.value}")
    line = f"{when} {esc(what)}"
    if event.lines:
        line += ": " + esc(describe_lines(turn.ctx.t, turn.ctx.catalog, turn.lang, event.lines))
    return line + (f" — {esc(event.note)}" if event.note else "")


def not_found(turn: Turn, ref_text: str) -> list[Reply]:
    return [Reply(text=turn.tr("requests.not_found", ref=esc(ref_text.strip()[:20] or "?")))]


async def cmd_my(turn: Turn, args: str) -> list[Reply]:
    if turn.member is None or turn.member.org_id is None:
        return [Reply(text=turn.tr("intake.no_org"))]
    open_requests = await requests.list_requests(
        turn.conn, org_id=turn.member.org_id, statuses=sorted(OPEN_STATUSES), limit=MY_LIMIT
    )
    if not open_requests:
        button = Choice(label=turn.tr("btn.new_request"), payload="w:start")
        return [Reply(text=turn.tr("requests.none_open"), choices=((button,),))]
    total = await requests.count_requests(
        turn.conn, org_id=turn.member.org_id, statuses=sorted(OPEN_STATUSES)
    )
    lines = [f"<b>{esc(turn.tr('requests.my_title', count=total))}</b>"]
    lines += [request_line(turn.ctx.t, turn.ctx.catalog, turn.lang, r) for r in open_requests]
    if total > len(open_requests):
        lines.append(turn.tr("requests.more", count=total - len(open_requests)))
    lines.append("")
    lines.append(turn.tr("requests.my_hint"))
    return [Reply(text="\n".join(lines))]


async def cmd_show(turn: Turn, args: str) -> list[Reply]:
    if not args.strip():
        return [Reply(text=turn.tr("requests.show_usage"))]
    request = await visible_request(turn, args)
    if request is None:
        return not_found(turn, args)
    org = await organisations.get_organisation(turn.conn, request.org_id)
    own = turn.member is not None and request.org_id == turn.member.org_id
    # What of the place this reader may see: handlers/core/location_policy.py.
    level = location_policy.detail(turn.roles, location_policy.View.SHOW, own=own)
    place = (
        location_policy.place_text(turn.ctx.t, turn.lang, level, org, request.delivery_place)
        if org
        else None
    )
    shown = request.model_copy(update={"delivery_place": place})
    name = latin_beside(org.name, turn.lang) if org and level else None
    text = request_block(turn.ctx.t, turn.ctx.catalog, turn.lang, shown, name)
    if turn.roles & {Role.COORDINATOR, Role.ADMIN}:
        mark = (await duplicate_marks(turn, [request.id])).get(request.id, "")
        text += "\n" + mark.removeprefix(" · ") if mark else ""
    events = await requests.list_status_events(turn.conn, request.id)
    history = [history_line(turn, e) for e in events]
    text += "\n\n<b>" + esc(turn.tr("requests.history")) + "</b>\n" + "\n".join(history)
    if on_trucks := await shipment_lines(turn, request):
        text += "\n\n<b>" + esc(turn.tr("ship.show_title")) + "</b>\n" + "\n".join(on_trucks)
    choices: tuple[tuple[Choice, ...], ...] = ()
    if turn.roles & {Role.COORDINATOR, Role.ADMIN}:
        text += "\n\n<b>" + esc(turn.tr("coord.progress_title")) + "</b>\n"
        text += "\n".join(progress_lines(turn, request))
        choices = action_buttons(turn, request)
    elif own and request.status in OPEN_STATUSES and Role.REQUESTER in turn.roles:
        choices = ((Choice(label=turn.tr("btn.withdraw"), payload=f"wd:ask:{request.id}"),),)
    return [Reply(text=text, choices=choices)]


async def cmd_withdraw(turn: Turn, args: str) -> list[Reply]:
    if not args.strip():
        return [Reply(text=turn.tr("requests.withdraw_usage"))]
    first = args.split()[0]
    if parse_offer_ref(first) is not None:
        # /withdraw O-7: the rest of a donor's offer (handlers/offers/view.py).
        return await withdraw_offer(turn, first)
    return await ask_withdraw(turn, args, replace=False)


async def ask_withdraw(turn: Turn, ref_text: str, *, replace: bool) -> list[Reply]:
    request = await visible_request(turn, ref_text)
    own = request is not None and turn.member is not None and request.org_id == turn.member.org_id
    if request is None or not own:
        return not_found(turn, ref_text)
    if request.status not in OPEN_STATUSES:
        status = turn.tr("status." + request.status.value)
        return [
            Reply(text=turn.tr("requests.withdraw_closed", ref=esc(request.ref), status=status))
        ]
    buttons = (
        Choice(label=turn.tr("btn.withdraw_confirm"), payload=f"wd:yes:{request.id}"),
        Choice(label=turn.tr("btn.keep"), payload=f"wd:no:{request.id}", nav=True),
    )
    return [
        Reply(
            text=turn.tr("requests.withdraw_question", ref=esc(request.ref)),
            choices=(buttons,),
            replace=replace,
        )
    ]


async def on_withdraw_choice(turn: Turn, payload: str) -> list[Reply]:
    action, _, ref_text = payload.partition(":")
    if action == "ask":
        return await ask_withdraw(turn, ref_text, replace=False)
    if action == "no":
        return [Reply(text=turn.tr("requests.withdraw_kept"), replace=True)]
    if action != "yes":
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    request = await visible_request(turn, ref_text)
    own = request is not None and turn.member is not None and request.org_id == turn.member.org_id
    if request is None or not own or turn.member is None:
        return not_found(turn, ref_text)
    if request.status not in OPEN_STATUSES:
        status = turn.tr("status." + request.status.value)
        return [
            Reply(
                text=turn.tr("requests.withdraw_closed", ref=esc(request.ref), status=status),
                replace=True,
            )
        ]
    await requests.set_status(
        turn.conn, request.id, Status.WITHDRAWN, actor_id=turn.member.id, note=None, now=turn.now
    )
    await turn.audit(
        "request.withdraw",
        request.ref,
        params={"status_from": request.status.value, "status_to": Status.WITHDRAWN.value},
    )
    # Coordinators who already acted on it must know it is no longer needed.
    if request.status is not Status.NEW:
        coordinators = await members.list_members(turn.conn, role=Role.COORDINATOR)
        await notify_members(
            turn,
            coordinators,
            lambda lang: turn.ctx.t(lang, "notify.withdrawn", ref=esc(request.ref)),
        )
    return [
        Reply(
            text=turn.tr("requests.withdrawn", ref=esc(request.ref)),
            replace=True,
            durable=True,
        )
    ]


def register(registry: Registry) -> None:
    # All private (registry.Where's default): /show has the place, notes and history, /my the
    # organisation's open needs (what a hospital lacks is not for a room of strangers), and
    # /withdraw's buttons act on one organisation's request.
    registry.add_command(Command("my", REQUESTER, cmd_my, "help.my"))
    registry.add_command(Command("show", ANY_MEMBER, cmd_show, "help.show"))
    registry.add_command(Command("withdraw", REQUESTER | DONOR, cmd_withdraw, "help.withdraw"))
    registry.add_choice(ChoiceRoute("wd", REQUESTER, on_withdraw_choice))
