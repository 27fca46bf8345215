"""Joining with an invite, help, language and identity: what every person can do."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from handlers.core.command_menus import queue_menu
from handlers.core.context import Turn
from handlers.core.events import Choice, Reply, rows
from handlers.core.registry import ANY_MEMBER, PUBLIC, ChoiceRoute, Command, Registry, Where
from handlers.people.membership import add_default_subscriptions
from handlers.text.format import esc
from handlers.text.i18n import LANGUAGES, Language
from storage import invite_failures, invites, members, organisations, subscriptions
from storage.invites import InviteCheck
from storage.models import Role

LANGUAGE_NAMES: dict[Language, str] = {
    "uk": "🇺🇦 Українська",
    "de": "🇩🇪 Deutsch",
    "en": "🇬🇧 English",
}

# Refused invite codes are counted over this window (Policy.invite_attempts_per_hour).
INVITE_WINDOW = timedelta(hours=1)


def notification_chat(turn: Turn) -> str:
    """Where to reach this person privately: this chat, or (joined from a group) their own.

    On Telegram a private chat's id is the user's id.
    """
    incoming = turn.incoming
    return incoming.chat.chat_id if incoming.private else incoming.sender.user_id


async def stranger(turn: Turn) -> list[Reply]:
    """Everything a non-member tries gets this, and nothing else."""
    if turn.member is not None and not turn.member.active:
        return [Reply(text=turn.tr("account.revoked"))]
    return [Reply(text=turn.tr("account.stranger"))]


async def cmd_start(turn: Turn, args: str) -> list[Reply]:
    code = args.strip()
    if turn.roles and not code:
        return await cmd_help(turn, "")
    if not code:
        return await stranger(turn)
    until = await invite_cooldown_until(turn)
    if until is not None:
        # Even a correct code waits: otherwise the cool-down would not stop the guessing.
        # Nothing is written, so trying on during the cool-down does not lengthen it.
        return [Reply(text=cooldown_text(turn, until))]
    status, invite = await invites.check_invite(turn.conn, turn.ctx.invite_key, code, turn.now)
    if status is not InviteCheck.OK or invite is None:
        # Every refusal counts, not only unknown codes: a guesser who hits a used or
        # expired code has learnt something too.
        await invite_failures.add_invite_failure(
            turn.conn, turn.incoming.sender, turn.now, prune_before=turn.now - INVITE_WINDOW
        )
        await turn.audit("invite.refused", None, params={"reason": status.value})
        text = turn.tr(f"account.invite_{status.value}")
        until = await invite_cooldown_until(turn)
        if until is not None:
            text += "\n\n" + cooldown_text(turn, until)
        return [Reply(text=text)]
    org = await organisations.get_organisation(turn.conn, invite.org_id)
    assert org is not None
    member = turn.member
    # What they could use until now: the joining adds what the invite's role comes with.
    before = member.roles if member is not None and member.active else frozenset()
    if member is None:
        member = await members.add_member(
            turn.conn,
            identity=turn.incoming.sender,
            chat_id=notification_chat(turn),
            org_id=org.id,
            roles=frozenset({invite.role}),
            language=turn.lang,
            display_name=turn.incoming.sender_name,
            now=turn.now,
        )
    else:
        if member.active and member.org_id not in (None, org.id):
            return [Reply(text=turn.tr("account.other_org"))]
        roles = (member.roles if member.active else frozenset()) | {invite.role}
        await members.set_membership(turn.conn, member.id, org_id=org.id, roles=roles)
    if not await invites.set_invite_used(turn.conn, invite.id, member.id, turn.now):
        raise RuntimeError("invite used concurrently")  # rolls the whole join back
    # The new member is the turn's member from here on, and the actor of its audit row.
    turn.member = await members.get_member(turn.conn, member.id)
    assert turn.member is not None
    await turn.audit(
        "member.join", f"org:{org.id}", params={"role": invite.role.value, "invite": invite.id}
    )
    await queue_menu(turn, turn.member)
    if await add_default_subscriptions(
        turn.conn, turn.member, before=before, timezone=turn.ctx.policy.timezone.key, now=turn.now
    ):
        turn.changed_subscriptions = True
    role_name = turn.tr(f"role.{invite.role.value}")
    text = turn.tr("account.welcome", org=esc(org.name), role=esc(role_name))
    choices: tuple[tuple[Choice, ...], ...] = ()
    if invite.role is Role.REQUESTER:
        text += "\n\n" + turn.tr("account.welcome_requester")
        choices = ((Choice(label=turn.tr("btn.new_request"), payload="w:start"),),)
    return [Reply(text=text + "\n\n" + help_text(turn), choices=choices)]


async def invite_cooldown_until(turn: Turn) -> datetime | None:
    """When this identity may try a code again, or None when it may now."""
    limit = turn.ctx.policy.invite_attempts_per_hour
    failures = await invite_failures.list_invite_failures(
        turn.conn, turn.incoming.sender, turn.now - INVITE_WINDOW
    )
    if len(failures) < limit:
        return None
    # The count drops below the limit when the oldest failure that must go leaves the window.
    return failures[len(failures) - limit] + INVITE_WINDOW


def cooldown_text(turn: Turn, until: datetime) -> str:
    # Round up to the whole minute: "try after 10:41" must never be answered "still locked".
    shown = until.replace(second=0, microsecond=0)
    if shown < until:
        shown += timedelta(minutes=1)
    minutes = max(1, math.ceil((shown - turn.now).total_seconds() / 60))
    local = shown.astimezone(turn.ctx.policy.timezone)
    return turn.tr("security.invite_cooldown", time=f"{local:%H:%M}", minutes=minutes)


def help_text(turn: Turn) -> str:
    lines = [f"<b>{esc(turn.tr('help.title'))}</b>"]
    for command in turn.registry.visible_commands(turn.roles):
        usage = (
            f" {esc(turn.tr(command.help_key + '.usage'))}"
            if turn.ctx.t.has(command.help_key + ".usage")
            else ""
        )
        lines.append(f"/{command.name}{usage} — {esc(turn.tr(command.help_key))}")
    return "\n".join(lines)


async def cmd_help(turn: Turn, args: str) -> list[Reply]:
    return [Reply(text=help_text(turn))]


async def cmd_lang(turn: Turn, args: str) -> list[Reply]:
    wanted = args.strip().lower()
    if wanted in LANGUAGES:
        return await set_lang(turn, wanted)
    buttons = [Choice(label=LANGUAGE_NAMES[lang], payload=f"lang:{lang}") for lang in LANGUAGES]
    text = turn.tr("account.lang_choose")
    if wanted:
        text = turn.tr("account.lang_unknown", language=esc(wanted[:20])) + "\n" + text
    return [Reply(text=text, choices=rows(*buttons, per_row=3))]


async def set_lang(turn: Turn, value: str) -> list[Reply]:
    if value not in LANGUAGES or turn.member is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    lang: Language = value
    await members.set_language(turn.conn, turn.member.id, lang)
    # Alerts and digests are written in the subscription's language, so every subscription
    # to one of the person's own chats follows (own_chats says why there are several).
    await subscriptions.set_language_for_chats(
        turn.conn, turn.member.id, turn.member.identity.transport, own_chats(turn), lang
    )
    await queue_menu(turn, turn.member, lang=lang)
    turn.lang = lang
    return [Reply(text=turn.tr("account.lang_set"), replace=turn.incoming.choice is not None)]


def own_chats(turn: Turn) -> set[str]:
    """The chat ids that reach this person privately.

    The member row's chat (as read when the turn began), this chat when it is private (the
    engine may have just moved the member here), and the user id: joining from a group room
    subscribes the user id, which on Matrix the transport resolves to a direct room later,
    while the member row moves on to that room's id.
    """
    assert turn.member is not None
    chats = {turn.member.chat_id, turn.member.identity.user_id}
    if turn.incoming.private and turn.incoming.chat.transport == turn.member.identity.transport:
        chats.add(turn.incoming.chat.chat_id)
    return chats


async def cmd_whoami(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None
    org_name = "—"
    if turn.member.org_id is not None:
        org = await organisations.get_organisation(turn.conn, turn.member.org_id)
        org_name = org.name if org else "—"
    roles = ", ".join(turn.tr(f"role.{r.value}") for r in sorted(turn.member.roles))
    return [
        Reply(
            text=turn.tr(
                "account.whoami",
                identity=esc(turn.member.identity),
                org=esc(org_name),
                roles=esc(roles),
                language=LANGUAGE_NAMES.get(turn.lang, turn.lang),
            )
        )
    ]


async def free_text(turn: Turn, text: str) -> list[Reply]:
    """A message outside any conversation: answer helpfully, never drop it silently."""
    choices: tuple[tuple[Choice, ...], ...] = ()
    if Role.REQUESTER in turn.roles or Role.ADMIN in turn.roles:
        choices = ((Choice(label=turn.tr("btn.new_request"), payload="w:start"),),)
        answer = turn.tr("account.free_text_requester")
    else:
        answer = turn.tr("account.free_text_other")
    return [Reply(text=answer, choices=choices)]


async def on_lang_choice(turn: Turn, value: str) -> list[Reply]:
    return await set_lang(turn, value)


def register(registry: Registry) -> None:
    # Answered in groups too (registry.Where). /start: a code typed in a group has been read
    # there already, and redeeming it at once is what stops someone else using it; the welcome
    # names only the sender's own organisation and role. /help lists commands, /lang and its
    # buttons change only the sender's language: none shows anyone else or any request.
    registry.add_command(
        Command("start", PUBLIC, cmd_start, "help.start", in_menu=False, where=Where.ANY_CHAT)
    )
    registry.add_command(Command("help", ANY_MEMBER, cmd_help, "help.help", where=Where.ANY_CHAT))
    registry.add_command(Command("lang", ANY_MEMBER, cmd_lang, "help.lang", where=Where.ANY_CHAT))
    # Private: it shows the person's messenger id, which the people in a group need not learn.
    registry.add_command(Command("whoami", ANY_MEMBER, cmd_whoami, "help.whoami"))
    registry.add_choice(ChoiceRoute("lang", ANY_MEMBER, on_lang_choice, where=Where.ANY_CHAT))
