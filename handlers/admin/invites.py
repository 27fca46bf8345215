"""Admin commands for invites (/invite, /invites, /uninvite) and what every admin module shares.

Organisations live in admin_orgs.py, people in admin_people.py, the audit log in admin_audit.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.core.context import BotLinks, Turn
from handlers.core.events import Choice, Reply
from handlers.core.registry import ADMIN, Command, Registry
from handlers.text.format import esc, fmt_date
from handlers.text.numbers import small_int
from handlers.text.split import split_message
from storage import audit, invites, organisations
from storage.db import Conn
from storage.invites import InviteKey
from storage.models import Invite, Organisation, Role

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
    conn: Conn,
    *,
    key: InviteKey,
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
        conn,
        key=key,
        org_id=org.id,
        role=role,
        expires_at=expires_at,
        created_by=actor_id,
        now=now,
    )
    await audit.add_audit(
        conn,
        actor_id=actor_id,
        actor_label=actor_label,
        action="invite.create",
        target=f"org:{org.id}",
        # The audit log names the invite by its number: no part of a code is written anywhere.
        params={"invite": invite.id, "role": role.value, "days": days},
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
        key=turn.ctx.invite_key,
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


def long_reply(text: str, choices: tuple[tuple[Choice, ...], ...] = ()) -> list[Reply]:
    """A text that may exceed a message: cut between lines, buttons on the last part."""
    parts = split_message(text)
    return [Reply(text=part) for part in parts[:-1]] + [Reply(text=parts[-1], choices=choices)]


def local_date(turn: Turn, moment: datetime) -> str:
    return fmt_date(moment.astimezone(turn.ctx.policy.timezone).date())


def local_time(turn: Turn, moment: datetime) -> str:
    return moment.astimezone(turn.ctx.policy.timezone).strftime("%d.%m.%Y %H:%M")


# --- /invites and /uninvite ------------------------------------------------------------------
# Admins name an invite by its number: the code itself is kept nowhere (storage/invites.py), so
# there is nothing of it to list or to match a prefix against.


def invite_line(turn: Turn, invite: Invite, names: dict[int, str]) -> str:
    return turn.tr(
        "invites.line",
        id=invite.id,
        org=esc(names.get(invite.org_id, "?")),
        org_id=invite.org_id,
        role=esc(turn.tr(f"role.{invite.role.value}")),
        date=local_date(turn, invite.expires_at),
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
    lines += ["", turn.tr("invites.hint")]
    return long_reply("\n".join(lines))


async def cmd_uninvite(turn: Turn, args: str) -> list[Reply]:
    invite_id = small_int(args.strip().removeprefix("#"))
    if invite_id is None:
        return [Reply(text=turn.tr("invites.uninvite_usage"))]
    invite = await invites.get_pending_invite(turn.conn, invite_id, turn.now)
    if invite is None or not await invites.revoke_invite(turn.conn, invite.id, turn.now):
        return [Reply(text=turn.tr("invites.uninvite_none", id=invite_id))]
    await turn.audit(
        "invite.revoke",
        audit.org_target(invite.org_id),
        params={"invite": invite.id, "role": invite.role.value},
    )
    names = await org_names(turn)
    text = turn.tr(
        "invites.uninvite_done",
        id=invite.id,
        org=esc(names.get(invite.org_id, "?")),
        role=esc(turn.tr(f"role.{invite.role.value}")),
    )
    return [Reply(text=text)]


def register(registry: Registry) -> None:
    registry.add_command(Command("invite", ADMIN, cmd_invite, "help.invite"))
    registry.add_command(Command("invites", ADMIN, cmd_invites, "help.invites"))
    registry.add_command(Command("uninvite", ADMIN, cmd_uninvite, "help.uninvite"))
