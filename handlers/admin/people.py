"""Admins manage people from chat: /members, /role, /revoke (with a Confirm button), /restore.

A member is named as handlers/admin/member_ref.py reads it: "12", "#12", "telegram:123".
Revoking ends access at once: the member row is deactivated (roles kept, so /restore gives
them back), their unfinished conversations are dropped, their subscriptions stop, and they
are told in their language. All of it, with the audit row, is one transaction.
"""

from __future__ import annotations

from handlers.admin.invites import local_date, local_time, long_reply, org_names
from handlers.admin.member_ref import resolve_member
from handlers.core.command_menus import queue_menu
from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.notify import notify_members
from handlers.core.registry import ADMIN, COORDINATOR, ChoiceRoute, Command, Registry
from handlers.people.membership import add_default_subscriptions
from handlers.text.format import esc
from handlers.text.numbers import small_int
from storage import audit, invites, members, organisations, privacy, subscriptions
from storage.models import Member, Role

PAGE_SIZE = 10


def member_name(member: Member) -> str:
    """'#12 Olena' — how admin messages name a member (escaped)."""
    return f"#{member.id} {esc(member.display_name or member.identity)}"


def role_names(turn: Turn, roles: frozenset[Role]) -> str:
    if not roles:
        return turn.tr("admin.no_roles")
    return ", ".join(turn.tr(f"role.{r.value}") for r in sorted(roles))


def is_bootstrap(turn: Turn, member: Member) -> bool:
    return member.identity in turn.ctx.policy.bootstrap_admins


async def find(turn: Turn, ref: str) -> Member | Reply:
    member = await resolve_member(turn.conn, ref) if ref else None
    if member is None:
        return Reply(text=turn.tr("admin.member_not_found", ref=esc(ref[:60])))
    if is_forgotten(member):
        # Their identity is erased; giving a tombstone roles back would make a ghost member.
        return Reply(text=turn.tr("admin.member_forgotten", id=member.id))
    return member


def is_forgotten(member: Member) -> bool:
    return member.forgotten_at is not None


# --- /members --------------------------------------------------------------------------------


def member_block(turn: Turn, member: Member, names: dict[int, str]) -> str:
    """Two short lines per member: who, then where and how they stand."""
    if is_forgotten(member):
        return f"<b>#{member.id}</b> {esc(turn.tr('privacy.former_member'))}"
    name = esc(member.display_name or "—")
    first = f"<b>#{member.id}</b> {name} · <code>{esc(member.identity)}</code>"
    org = names.get(member.org_id, "?") if member.org_id is not None else turn.tr("admin.no_org")
    state = turn.tr("admin.state_active" if member.active else "admin.state_revoked")
    seen = (
        turn.tr("admin.seen", when=local_time(turn, member.last_seen_at))
        if member.last_seen_at
        else turn.tr("admin.never_seen")
    )
    parts = [esc(org), esc(role_names(turn, member.roles)), state, seen]
    if member.unreachable_at is not None:
        parts.append(turn.tr("admin.unreachable", date=local_date(turn, member.unreachable_at)))
    return first + "\n   " + " · ".join(parts)


async def members_page(turn: Turn, org_id: int | None, page: int, *, replace: bool) -> list[Reply]:
    total = await members.count_members(turn.conn, org_id=org_id)
    if total == 0:
        return [Reply(text=turn.tr("admin.members_none"), replace=replace)]
    pages = -(-total // PAGE_SIZE)
    page = min(max(0, page), pages - 1)
    found = await members.list_members_page(
        turn.conn, org_id=org_id, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    names = await org_names(turn)
    if org_id is None:
        title = turn.tr("admin.members_title", count=total, page=page + 1, pages=pages)
    else:
        title = turn.tr(
            "admin.members_title_org",
            org=esc(names.get(org_id, "?")),
            count=total,
            page=page + 1,
            pages=pages,
        )
    lines = [f"<b>{title}</b>"] + [member_block(turn, m, names) for m in found]
    lines += ["", turn.tr("admin.members_hint")]
    buttons: list[Choice] = []
    scope = org_id if org_id is not None else "-"
    if page > 0:
        buttons.append(Choice(label="◀️", payload=f"mp:{page - 1}:{scope}"))
    if page < pages - 1:
        buttons.append(Choice(label="▶️", payload=f"mp:{page + 1}:{scope}"))
    replies = long_reply("\n".join(lines), (tuple(buttons),) if buttons else ())
    if replace and len(replies) == 1:
        replies = [replies[0].model_copy(update={"replace": True})]
    return replies


async def cmd_members(turn: Turn, args: str) -> list[Reply]:
    if not args:
        return await members_page(turn, None, 0, replace=False)
    org_id = small_int(args.removeprefix("#"))
    if org_id is None:
        return [Reply(text=turn.tr("admin.members_usage"))]
    if await organisations.get_organisation(turn.conn, org_id) is None:
        return [Reply(text=turn.tr("admin.org_not_found", org=esc(args[:20])))]
    return await members_page(turn, org_id, 0, replace=False)


async def on_members_page(turn: Turn, payload: str) -> list[Reply]:
    page_text, _, scope = payload.partition(":")
    page = small_int(page_text)
    org_id = small_int(scope)
    if page is None or (scope != "-" and org_id is None):
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    return await members_page(turn, org_id, page, replace=True)


# --- /role -----------------------------------------------------------------------------------


async def cmd_role(turn: Turn, args: str) -> list[Reply]:
    parts = args.split()
    if len(parts) != 3 or parts[2].lower() not in ("add", "remove"):
        return [Reply(text=turn.tr("admin.role_usage"))]
    found = await find(turn, parts[0])
    if isinstance(found, Reply):
        return [found]
    member = found
    try:
        role = Role(parts[1].lower())
    except ValueError:
        return [Reply(text=turn.tr("admin.unknown_role", role=esc(parts[1][:40])))]
    role_name = esc(turn.tr(f"role.{role.value}"))
    adding = parts[2].lower() == "add"
    if adding and role in member.roles:
        return [Reply(text=turn.tr("admin.role_has", id=member.id, role=role_name))]
    if not adding and role not in member.roles:
        return [Reply(text=turn.tr("admin.role_lacks", id=member.id, role=role_name))]
    if adding and role is Role.REQUESTER and member.org_id is None:
        return [Reply(text=turn.tr("admin.role_needs_org", id=member.id))]
    if not adding:
        if role is Role.ADMIN and is_bootstrap(turn, member):
            return [Reply(text=turn.tr("admin.bootstrap", id=member.id))]
        if role is Role.ADMIN and turn.member is not None and member.id == turn.member.id:
            return [Reply(text=turn.tr("admin.role_self_admin"))]
        if member.roles == {role}:
            # A member without a role could still write to the bot and be told nothing useful;
            # ending access is what /revoke is for, with its notice and its undo.
            return [Reply(text=turn.tr("admin.role_last", id=member.id, role=role_name))]
    roles = member.roles | {role} if adding else member.roles - {role}
    await members.set_membership(
        turn.conn, member.id, org_id=member.org_id, roles=roles, active=member.active
    )
    extra = await follow_role_change(turn, member, roles)
    await queue_menu(turn, member.model_copy(update={"roles": roles}))
    await turn.audit(
        "member.role",
        audit.member_target(member.id),
        params={"roles_from": role_codes(member.roles), "roles_to": role_codes(roles), **extra},
    )
    notice = "admin.notice_role_added" if adding else "admin.notice_role_removed"
    told = await notify_members(
        turn,
        [member],
        lambda lang: turn.ctx.t(lang, notice, role=esc(turn.ctx.t(lang, f"role.{role.value}"))),
    )
    key = "admin.role_added" if adding else "admin.role_removed"
    text = turn.tr(
        key, member=member_name(member), role=role_name, roles=esc(role_names(turn, roles))
    )
    if told:
        text += "\n" + turn.tr("admin.member_told")
    return [Reply(text=text)]


async def follow_role_change(
    turn: Turn, member: Member, roles: frozenset[Role]
) -> dict[str, list[int]]:
    """What a role change implies for subscriptions, as audit parameters.

    A new coordinator gets the default subscriptions (handlers/people/membership.py), as on joining
    by invite; someone who can no longer use coordinator commands stops receiving digests and
    alerts.
    """
    added = await add_default_subscriptions(
        turn.conn,
        member.model_copy(update={"roles": roles}),
        before=member.roles,
        timezone=turn.ctx.policy.timezone.key,
        now=turn.now,
    )
    if added:
        turn.changed_subscriptions = True
        return {"subscriptions_added": [s.id for s in added]}
    if member.roles & COORDINATOR and not roles & COORDINATOR:
        stopped = await stop_subscriptions(turn, member)
        return {"subscriptions_stopped": stopped} if stopped else {}
    return {}


async def stop_subscriptions(turn: Turn, member: Member) -> list[int]:
    """Switch off every active subscription of the member; their ids."""
    subs = await subscriptions.list_subscriptions(turn.conn, member_id=member.id)
    for sub in subs:
        await subscriptions.set_subscription_inactive(turn.conn, sub.id)
    if subs:
        turn.changed_subscriptions = True
    return [s.id for s in subs]


def role_codes(roles: frozenset[Role]) -> list[str]:
    """Roles as audit parameters: codes, in a stable order."""
    return sorted(role.value for role in roles)


# --- /revoke and /restore ----------------------------------------------------------------------


def revoke_refusal(turn: Turn, member: Member) -> str | None:
    if turn.member is not None and member.id == turn.member.id:
        return turn.tr("admin.revoke_self")
    if is_bootstrap(turn, member):
        return turn.tr("admin.bootstrap", id=member.id)
    if not member.active:
        return turn.tr("admin.revoke_already", id=member.id)
    return None


async def cmd_revoke(turn: Turn, args: str) -> list[Reply]:
    if not args:
        return [Reply(text=turn.tr("admin.revoke_usage"))]
    found = await find(turn, args)
    if isinstance(found, Reply):
        return [found]
    member = found
    if refusal := revoke_refusal(turn, member):
        return [Reply(text=refusal)]
    org = "—"
    if member.org_id is not None:
        org = (await org_names(turn)).get(member.org_id, "?")
    text = turn.tr(
        "admin.revoke_confirm",
        member=member_name(member),
        org=esc(org),
        roles=esc(role_names(turn, member.roles)),
    )
    buttons = (
        Choice(label=turn.tr("admin.btn_revoke"), payload=f"rv:y:{member.id}"),
        Choice(label=turn.tr("btn.cancel"), payload=f"rv:n:{member.id}", nav=True),
    )
    return [Reply(text=text, choices=(buttons,))]


async def on_revoke_choice(turn: Turn, payload: str) -> list[Reply]:
    answer, _, ref = payload.partition(":")
    member_id = small_int(ref)
    member = await members.get_member(turn.conn, member_id) if member_id is not None else None
    if member is None or answer not in ("y", "n"):
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    if answer == "n":
        return [Reply(text=turn.tr("admin.revoke_kept", id=member.id), replace=True)]
    # Checked again: the member may have been revoked by another admin since the question.
    if refusal := revoke_refusal(turn, member):
        return [Reply(text=refusal, replace=True)]
    # What was queued for them before (alerts, digest parts) must not arrive after access ends.
    dropped = await privacy.drop_unsent_messages(turn.conn, member.id)
    # Told next, while the member is still active (notify_members skips inactive people).
    told = await notify_members(turn, [member], lambda lang: turn.ctx.t(lang, "account.revoked"))
    await members.set_membership(
        turn.conn, member.id, org_id=member.org_id, roles=member.roles, active=False
    )
    # Every chat of theirs, so a half-filled /new draft cannot be submitted later.
    await privacy.drop_conversations(turn.conn, member.identity)
    stopped = await stop_subscriptions(turn, member)
    # Queued after the unsent messages were dropped: their menu must not offer commands any more.
    await queue_menu(turn, member, roles=frozenset())
    # Codes a revoked admin handed out must not keep letting people in after them.
    invites_revoked = await invites.revoke_invites_created_by(turn.conn, member.id, turn.now)
    await turn.audit(
        "member.revoke",
        audit.member_target(member.id),
        params={
            "roles": role_codes(member.roles),
            "subscriptions_stopped": stopped,
            "messages_dropped": dropped,
            "invites_revoked": invites_revoked,
        },
    )
    text = turn.tr("admin.revoke_done", member=member_name(member), id=member.id)
    if told:
        text += "\n" + turn.tr("admin.member_told")
    return [Reply(text=text, replace=True)]


async def cmd_restore(turn: Turn, args: str) -> list[Reply]:
    if not args:
        return [Reply(text=turn.tr("admin.restore_usage"))]
    found = await find(turn, args)
    if isinstance(found, Reply):
        return [found]
    member = found
    if member.active:
        return [Reply(text=turn.tr("admin.restore_already", id=member.id))]
    await members.set_membership(
        turn.conn, member.id, org_id=member.org_id, roles=member.roles, active=True
    )
    await turn.audit(
        "member.restore",
        audit.member_target(member.id),
        params={"roles": role_codes(member.roles)},
    )
    restored = member.model_copy(update={"active": True})
    await queue_menu(turn, restored)
    told = await notify_members(
        turn, [restored], lambda lang: turn.ctx.t(lang, "admin.notice_restored")
    )
    lines = [
        turn.tr(
            "admin.restore_done",
            member=member_name(member),
            roles=esc(role_names(turn, member.roles)),
        )
    ]
    if told:
        lines.append(turn.tr("admin.member_told"))
    if member.roles & COORDINATOR:
        lines.append(turn.tr("admin.restore_subscriptions"))
    return [Reply(text="\n".join(lines))]


def register(registry: Registry) -> None:
    registry.add_command(Command("members", ADMIN, cmd_members, "help.members"))
    registry.add_command(Command("role", ADMIN, cmd_role, "help.role"))
    registry.add_command(Command("revoke", ADMIN, cmd_revoke, "help.revoke"))
    registry.add_command(Command("restore", ADMIN, cmd_restore, "help.restore"))
    registry.add_choice(ChoiceRoute("mp", ADMIN, on_members_page))
    registry.add_choice(ChoiceRoute("rv", ADMIN, on_revoke_choice))
