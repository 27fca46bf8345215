"""Admin commands available from chat: organisations and invites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from handlers.context import BotLinks, Turn
from handlers.events import Reply
from handlers.numbers import small_int
from handlers.registry import ADMIN, Command, Registry
from handlers.render import esc, fmt_date
from storage import audit, invites, organisations
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
        summary=f"invite {invite.id} role {role.value} for {days} days",
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
    return [Reply(text="\n".join(lines))]


def register(registry: Registry) -> None:
    registry.add_command(Command("invite", ADMIN, cmd_invite, "help.invite"))
    registry.add_command(Command("orgs", ADMIN, cmd_orgs, "help.orgs"))
