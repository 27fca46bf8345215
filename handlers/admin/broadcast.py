"""/broadcast ROLE|ORG_ID TEXT: an admin's message to many, shown as a preview first.

The pending broadcast is the admin's conversation row (flow "broadcast"), with a random token
that the Send button carries. Send queues one outbox row per recipient and the audit row in
the turn's one transaction and deletes the pending row, so a second tap on Send (or a replay)
finds nothing and sends nothing. Anything else the admin starts meanwhile replaces the row,
which cancels the broadcast.
"""

from __future__ import annotations

import secrets

from pydantic import ValidationError

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.notify import notify_members
from handlers.core.registry import ADMIN, ChoiceRoute, Command, Registry
from handlers.text.format import esc
from handlers.text.i18n import Language
from handlers.text.numbers import small_int
from handlers.text.split import utf16_units
from storage import members, organisations, privacy
from storage.models import Frozen, Member, Role

FLOW = "broadcast"
# Escaped text plus the header must fit one Telegram message (4096 UTF-16 units).
MAX_TEXT = 3500
AUDIT_TEXT = 500


class PendingBroadcast(Frozen):
    token: str
    role: Role | None = None
    org_id: int | None = None
    text: str


async def recipients(turn: Turn, pending: PendingBroadcast) -> list[Member]:
    """Active members with the role or of the organisation; never the sender, never forgotten."""
    found = await members.list_members(
        turn.conn, org_id=pending.org_id, role=pending.role, active_only=True
    )
    forgotten = await privacy.forgotten_active_ids(turn.conn)
    own = turn.member.id if turn.member else None
    return [m for m in found if m.id != own and m.id not in forgotten]


async def _target_label(turn: Turn, pending: PendingBroadcast) -> str:
    if pending.role is not None:
        return turn.tr("broadcast.target_role", role=esc(turn.tr(f"role.{pending.role.value}")))
    org = await organisations.get_organisation(turn.conn, pending.org_id or 0)
    return turn.tr("broadcast.target_org", org=esc(org.name if org else pending.org_id))


async def cmd_broadcast(turn: Turn, args: str) -> list[Reply]:
    # Any whitespace ends the target, so the text may start on the next line.
    parts = args.split(maxsplit=1)
    if len(parts) != 2 or not parts[1].strip():
        return [Reply(text=turn.tr("broadcast.usage"))]
    target, text = parts[0], parts[1].strip()
    token = secrets.token_urlsafe(6)
    org_id = small_int(target.removeprefix("#"))
    if org_id is not None:
        if await organisations.get_organisation(turn.conn, org_id) is None:
            return [Reply(text=turn.tr("admin.org_not_found", org=esc(target)))]
        pending = PendingBroadcast(token=token, org_id=org_id, text=text)
    else:
        try:
            pending = PendingBroadcast(token=token, role=Role(target.lower()), text=text)
        except (ValueError, ValidationError):
            return [Reply(text=turn.tr("broadcast.unknown_target", target=esc(target[:40])))]
    # Telegram's measure: an emoji takes two of the 4,096 units.
    if utf16_units(esc(text)) > MAX_TEXT:
        length = utf16_units(text)
        return [Reply(text=turn.tr("broadcast.too_long", length=length, limit=MAX_TEXT))]
    label = await _target_label(turn, pending)
    count = len(await recipients(turn, pending))
    if count == 0:
        return [Reply(text=turn.tr("broadcast.nobody", target=label))]
    await turn.flow.save(FLOW, "confirm", pending)
    return [
        Reply(
            text=turn.tr("broadcast.preview", count=count, target=label, text=esc(text)),
            choices=(
                (
                    Choice(label=turn.tr("btn.broadcast_send"), payload=f"bc:send:{token}"),
                    Choice(label=turn.tr("btn.cancel"), payload=f"bc:cancel:{token}", nav=True),
                ),
            ),
        )
    ]


async def _take_pending(turn: Turn, token: str) -> PendingBroadcast | None:
    """The pending broadcast this button belongs to, removed from the conversation table."""
    state = await turn.flow.get(FLOW, PendingBroadcast)
    if state is None or not secrets.compare_digest(state.data.token, token):
        return None
    await turn.flow.clear()
    return state.data


async def on_broadcast(turn: Turn, payload: str) -> list[Reply]:
    action, _, token = payload.partition(":")
    pending = await _take_pending(turn, token)
    if pending is None:
        return [Reply(text=turn.tr("broadcast.gone"), toast=True)]
    if action != "send":
        return [Reply(text=turn.tr("broadcast.cancelled"), replace=True)]
    body = esc(pending.text)

    def render(lang: Language) -> str:
        return turn.ctx.t(lang, "broadcast.header") + "\n\n" + body

    # Counted again: people may have joined or left since the preview.
    count = await notify_members(turn, await recipients(turn, pending), render, kind="broadcast")
    await turn.audit(
        "broadcast.send",
        f"org:{pending.org_id}" if pending.org_id is not None else f"role:{pending.role}",
        params={"recipients": count, "text": pending.text[:AUDIT_TEXT]},
    )
    return [Reply(text=turn.tr("broadcast.sent", count=count), replace=True)]


def register(registry: Registry) -> None:
    registry.add_command(Command("broadcast", ADMIN, cmd_broadcast, "help.broadcast"))
    registry.add_choice(ChoiceRoute("bc", ADMIN, on_broadcast))
