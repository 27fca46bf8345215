"""Admin commands for invites (/invite, /invites, /uninvite) and what every admin module shares.

Organisations live in admin_orgs.py, people in admin_people.py, the audit log in admin_audit.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from handlers.context import BotLinks, Turn
from handlers.events import Choice, Reply
from handlers.numbers import small_int
from handlers.registry import ADMIN, ChoiceRoute, Command, Registry
from handlers.render import esc, fmt_date
from handlers.textsplit import split_message
from storage import audit, invites, organisations
from storage.invites import CODE_LENGTH, HINT_LENGTH, PendingInvite
from storage.models import Organisation, Role

MAX_INVITE_DAYS = 90


@dataclass(frozen=True)
class IssuedInvite:
    code: str
    org: Organisation
    role: Role
    expires_at: datetime
    telegram_link: str | None
    matrix_hint: str | None


async def issue_invite(
    conn: aiosqlite.Connection,
    *,
    org_id: int,
    role: Role,
    days: int,
    actor_id: int | None,
    actor_label: str,
    links: BotLinks,
    now: datetime,
) -> IssuedInvite | None:
    """Create an invite and its audit row. None when the organisation does not exist."""
    org = await organisations.get_organisation(conn, org_id)
    if org is None:
        return None
    expires_at = now + timedelta(days=days)
    code, invite = await invites.add_invite(
        conn, org_id=org.id, role=role, expires_at=expires_at, created_by=actor_id, now=now
    )
    await audit.add_audit(
        conn,
        actor_id=actor_id,
        actor_label=actor_label,
        action="invite.create",
        target=f"org:{org.id}",
        summary=f"invite {invite.id} ({code[:HINT_LENGTH]}…) role {role.value} for {days} days",
        now=now,
    )
    matrix_hint = f"!start {code} → {links.matrix_user_id}" if links.matrix_user_id else None
    return IssuedInvite(
        code=code,
        org=org,
        role=role,
        expires_at=expires_at,
        telegram_link=links.telegram_start_link(code),
        matrix_hint=matrix_hint,
    )


async def cmd_invite(turn: Turn, args: str) -> list[Reply]:
    parts = args.split()
    usage = [Reply(text=turn.tr("admin.invite_usage"))]
    if len(parts) not in (2, 3) or small_int(parts[0]) is None:
        return usage
    try:
        role = Role(parts[1].lower())
    except ValueError:
        return [Reply(text=turn.tr("admin.unknown_role", role=esc(parts[1])))]
    days = turn.ctx.policy.invite_days
    if len(parts) == 3:
        wanted = small_int(parts[2])
        if wanted is None or not 1 <= wanted <= MAX_INVITE_DAYS:
            return [Reply(text=turn.tr("admin.invite_days", limit=MAX_INVITE_DAYS))]
        days = wanted
    assert turn.member is not None
    issued = await issue_invite(
        turn.conn,
        org_id=small_int(parts[0]) or 0,
        role=role,
        days=days,
        actor_id=turn.member.id,
        actor_label=str(turn.member.identity),
        links=turn.ctx.links,
        now=turn.now,
    )
    if issued is None:
        return [Reply(text=turn.tr("admin.org_not_found", org=esc(parts[0])))]
    lines = [
        turn.tr(
            "admin.invite_created",
            org=esc(issued.org.name),
            role=esc(turn.tr(f"role.{role.value}")),
            date=fmt_date(issued.expires_at.astimezone(turn.ctx.policy.timezone).date()),
        ),
        f"<code>{esc(issued.code)}</code>",
    ]
    if issued.telegram_link:
        lines.append(esc(issued.telegram_link))
    if issued.matrix_hint:
        lines.append(esc(issued.matrix_hint))
    lines.append(turn.tr("admin.invite_how", code=esc(issued.code)))
    return [Reply(text="\n".join(lines))]


# --- shared by the admin modules ------------------------------------------------------------


async def record(turn: Turn, action: str, target: str | None, summary: str) -> None:
    """The audit row every admin change writes, in the change's own transaction."""
    assert turn.member is not None
    await audit.add_audit(
        turn.conn,
        actor_id=turn.member.id,
        actor_label=str(turn.member.identity),
        action=action,
        target=target,
        summary=summary,
        now=turn.now,
    )


def long_reply(text: str, choices: tuple[tuple[Choice, ...], ...] = ()) -> list[Reply]:
    """A text that may exceed a message: cut between lines, buttons on the last part."""
    parts = split_message(text)
    return [Reply(text=part) for part in parts[:-1]] + [Reply(text=parts[-1], choices=choices)]


def local_date(turn: Turn, moment: datetime) -> str:
    return fmt_date(moment.astimezone(turn.ctx.policy.timezone).date())


def local_time(turn: Turn, moment: datetime) -> str:
    return moment.astimezone(turn.ctx.policy.timezone).strftime("%d.%m.%Y %H:%M")


# --- /invites and /uninvite ------------------------------------------------------------------


def invite_role(turn: Turn, pending: PendingInvite) -> str:
    return f"#{pending.invite.org_id} · {turn.tr(f'role.{pending.invite.role.value}')}"


def invite_line(turn: Turn, pending: PendingInvite, names: dict[int, str]) -> str:
    return turn.tr(
        "admin.invite_line",
        hint=esc(pending.hint),
        org=esc(names.get(pending.invite.org_id, "?")),
        org_id=pending.invite.org_id,
        role=esc(turn.tr(f"role.{pending.invite.role.value}")),
        date=local_date(turn, pending.invite.expires_at),
    )


async def org_names(turn: Turn) -> dict[int, str]:
    return {o.id: o.name for o in await organisations.list_organisations(turn.conn)}


async def cmd_invites(turn: Turn, args: str) -> list[Reply]:
    pending = await invites.list_pending_invites(turn.conn, turn.now)
    if not pending:
        return [Reply(text=turn.tr("admin.invites_none"))]
    names = await org_names(turn)
    lines = [f"<b>{esc(turn.tr('admin.invites_title', count=len(pending)))}</b>"]
    lines += [invite_line(turn, p, names) for p in pending]
    lines += ["", turn.tr("admin.invites_hint")]
    return long_reply("\n".join(lines))


async def cmd_uninvite(turn: Turn, args: str) -> list[Reply]:
    prefix = invites.normalise_code(args)
    if not prefix:
        return [Reply(text=turn.tr("admin.uninvite_usage", hint=HINT_LENGTH))]
    if len(prefix) == CODE_LENGTH:
        exact = await invites.get_pending_invite_by_code(turn.conn, prefix, turn.now)
        found = [exact] if exact else []
    elif len(prefix) <= HINT_LENGTH:
        found = await invites.list_pending_invites(turn.conn, turn.now, hint_prefix=prefix)
    else:
        # Only the first letters are stored: a longer prefix cannot be checked, and guessing
        # from its start could revoke an invite the admin did not mean.
        return [Reply(text=turn.tr("admin.uninvite_length", hint=HINT_LENGTH, full=CODE_LENGTH))]
    if not found:
        return [Reply(text=turn.tr("admin.uninvite_none", prefix=esc(prefix)))]
    names = await org_names(turn)
    if len(found) > 1:
        lines = [turn.tr("admin.uninvite_ambiguous", count=len(found), prefix=esc(prefix))]
        lines += [invite_line(turn, p, names) for p in found]
        # One button per match (a handful at most: the hint has 3 letters of 31).
        buttons = tuple(
            (Choice(label=f"✖️ {p.hint}… · {invite_role(turn, p)}", payload=f"ui:{p.invite.id}"),)
            for p in found[:8]
        )
        return long_reply("\n".join(lines), buttons)
    return await revoke_pending(turn, found[0], names, replace=False)


async def revoke_pending(
    turn: Turn, pending: PendingInvite, names: dict[int, str], *, replace: bool
) -> list[Reply]:
    invite = pending.invite
    if not await invites.revoke_invite(turn.conn, invite.id, turn.now):
        return [Reply(text=turn.tr("admin.uninvite_gone"), replace=replace)]
    await record(
        turn,
        "invite.revoke",
        audit.org_target(invite.org_id),
        f"invite {invite.id} ({pending.hint}…) role {invite.role.value}: pending -> revoked",
    )
    text = turn.tr(
        "admin.uninvite_done",
        hint=esc(pending.hint),
        org=esc(names.get(invite.org_id, "?")),
        role=esc(turn.tr(f"role.{invite.role.value}")),
    )
    return [Reply(text=text, replace=replace)]


async def on_uninvite_choice(turn: Turn, payload: str) -> list[Reply]:
    invite_id = small_int(payload)
    pending = (
        await invites.get_pending_invite(turn.conn, invite_id, turn.now)
        if invite_id is not None
        else None
    )
    if pending is None:
        return [Reply(text=turn.tr("admin.uninvite_gone"), replace=True)]
    return await revoke_pending(turn, pending, await org_names(turn), replace=True)


def register(registry: Registry) -> None:
    registry.add_command(Command("invite", ADMIN, cmd_invite, "help.invite"))
    registry.add_command(Command("invites", ADMIN, cmd_invites, "help.invites"))
    registry.add_command(Command("uninvite", ADMIN, cmd_uninvite, "help.uninvite"))
    registry.add_choice(ChoiceRoute("ui", ADMIN, on_uninvite_choice))
