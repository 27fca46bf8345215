"""Being forgotten: /forget_me for anyone, /forget MEMBER for admins, both confirmed by a tap.

storage/privacy.py does the erasing. The audit row names the member by number only: writing
their name or platform id into the append-only log would store again what was just erased.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.admin.member_ref import resolve_member
from handlers.core.context import HOUSEKEEPING, HandlerContext, Turn
from handlers.core.events import Choice, Reply
from handlers.core.registry import ADMIN, ANY_MEMBER, ChoiceRoute, Command, Registry
from handlers.text.format import esc
from handlers.text.numbers import small_int
from storage import members, organisations, privacy
from storage.models import Actor, Member


def _buttons(turn: Turn, prefix: str) -> tuple[tuple[Choice, ...], ...]:
    return (
        (
            Choice(label=turn.tr("btn.forget_confirm"), payload=f"{prefix}:yes"),
            Choice(label=turn.tr("btn.cancel"), payload=f"{prefix}:no", nav=True),
        ),
    )


async def _forget(turn: Turn, member: Member, *, actor: Actor) -> None:
    done = await privacy.forget_member(turn.conn, member, turn.now)
    if done.subscriptions:
        turn.changed_subscriptions = True
    await turn.audit(
        "member.forget",
        f"member:{member.id}",
        params={
            "by": "self" if actor.id == member.id else "admin",
            "conversations": done.conversations,
            "messages": done.outbox,
            "subscriptions": done.subscriptions,
        },
        actor=actor,
    )


def _is_configured_admin(turn: Turn, member: Member) -> bool:
    """Named in AIDBRIDGE_ADMINS: the engine recreates them, with the admin role, on their
    next message, so erasing them would not make the bot forget them."""
    return member.identity in turn.ctx.policy.bootstrap_admins


async def cmd_forget_me(turn: Turn, args: str) -> list[Reply]:
    if turn.member is not None and _is_configured_admin(turn, turn.member):
        return [Reply(text=turn.tr("forget.me_configured_admin"))]
    return [Reply(text=turn.tr("forget.me_confirm"), choices=_buttons(turn, "fgme"))]


async def on_forget_me(turn: Turn, payload: str) -> list[Reply]:
    if payload != "yes":
        return [Reply(text=turn.tr("forget.cancelled"), replace=True)]
    member = turn.member
    assert member is not None  # the route is for members; a forgotten person is a stranger
    if _is_configured_admin(turn, member):
        return [Reply(text=turn.tr("forget.me_configured_admin"), replace=True)]
    # Their own number, not their identity: the audit log must not keep what is erased.
    await _forget(turn, member, actor=Actor(id=member.id, label=f"member:{member.id}"))
    turn.member = None
    return [Reply(text=turn.tr("forget.me_done"), replace=True)]


async def cmd_forget(turn: Turn, args: str) -> list[Reply]:
    if not args.strip():
        return [Reply(text=turn.tr("forget.usage"))]
    member = await resolve_member(turn.conn, args)
    if member is None:
        return [Reply(text=turn.tr("forget.not_found", member=esc(args.strip()[:60])))]
    refusal = await _refusal(turn, member)
    if refusal is not None:
        return [Reply(text=refusal)]
    org = (
        await organisations.get_organisation(turn.conn, member.org_id)
        if member.org_id is not None
        else None
    )
    text = turn.tr(
        "forget.member_confirm",
        id=member.id,
        name=esc(member.display_name or "—"),
        identity=esc(member.identity),
        org=esc(org.name if org else "—"),
    )
    return [Reply(text=text, choices=_buttons(turn, f"fgm:{member.id}"))]


async def _refusal(turn: Turn, member: Member) -> str | None:
    if member.forgotten_at is not None:
        return turn.tr("forget.already", id=member.id)
    if turn.member is not None and member.id == turn.member.id:
        return turn.tr("forget.use_me")
    if _is_configured_admin(turn, member):
        return turn.tr("admin.bootstrap", id=member.id)
    return None


async def on_forget_member(turn: Turn, payload: str) -> list[Reply]:
    number, _, answer = payload.partition(":")
    member_id = small_int(number)
    member = await members.get_member(turn.conn, member_id) if member_id is not None else None
    if member is None:
        return [Reply(text=turn.tr("forget.gone"), toast=True)]
    if answer != "yes":
        return [Reply(text=turn.tr("forget.cancelled"), replace=True)]
    refusal = await _refusal(turn, member)
    if refusal is not None:
        return [Reply(text=refusal, toast=True)]
    assert turn.member is not None
    await _forget(turn, member, actor=turn.actor)
    return [Reply(text=turn.tr("forget.member_done", id=member.id), replace=True)]


def register(registry: Registry) -> None:
    # Private (registry.Where's default): erasing a person is their own business, asked and
    # confirmed with buttons that belong in their own chat.
    registry.add_command(Command("forget_me", ANY_MEMBER, cmd_forget_me, "help.forget_me"))
    registry.add_command(Command("forget", ADMIN, cmd_forget, "help.forget"))
    registry.add_choice(ChoiceRoute("fgme", ANY_MEMBER, on_forget_me))
    registry.add_choice(ChoiceRoute("fgm", ADMIN, on_forget_member))


async def apply_retention(ctx: HandlerContext, *, batch: int = 500) -> int:
    """Clear the free text of requests closed more than ``retention_days`` ago.

    Batches of ``batch`` requests, each in its own short transaction, so the bot's turns are
    never held up for long; a request done is marked, so running again finds nothing to do.
    Copies of messages sent before the cut-off (which may quote those notes) are deleted too.
    Returns how many requests were cleared.
    """
    now = ctx.clock()
    cutoff = now - timedelta(days=ctx.policy.retention_days)
    total = 0
    while True:
        async with ctx.job(HOUSEKEEPING) as job:
            cleared = await privacy.clear_closed_notes(
                job.conn, closed_before=cutoff, now=now, limit=batch
            )
            if cleared.requests:
                await job.audit(
                    "retention.clear_notes",
                    None,
                    params={
                        "requests": cleared.requests,
                        "before": cutoff.date().isoformat(),
                        "events": cleared.events,
                        "pledges": cleared.pledges,
                    },
                )
        total += cleared.requests
        if cleared.requests < batch:
            break
    async with ctx.job(HOUSEKEEPING) as job:
        await privacy.delete_old_outbox(job.conn, before=cutoff)
    return total
