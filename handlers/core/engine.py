"""The conversation engine: one Incoming in, Replies out, one transaction in between.

Order of work for every event: drop it if its update id was seen; find the sender; enforce the
roles that the command, button or conversation declares, then where it may answer (a group
gets nothing that shows people, places, notes or files: registry.Where); run the handler;
then, in the same transaction, record the update id, the durable replies (as outbox rows) and
the menu shown to text-only platforms. Only after COMMIT do the replies go back to the transport.
Reports a handler left in ``Turn.after_commit`` run after that COMMIT as tasks of their own,
outside any transaction; their answers reach the asker through the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from functools import partial

from handlers.admin import audit_log as admin_audit
from handlers.admin import backup, broadcast, stats
from handlers.admin import invites as admin
from handlers.admin import organisations as admin_orgs
from handlers.admin import people as admin_people
from handlers.coordination import meeting, place_filter, reports, subscriptions
from handlers.core import limits
from handlers.core import room_policy as rooms
from handlers.core.command_menus import queue_menu
from handlers.core.context import AfterCommit, HandlerContext, Turn
from handlers.core.events import ChatRef, Choice, Incoming, Reply
from handlers.core.registry import Registry, Where, is_command
from handlers.core.text_menu import match_menu, menu_from_replies
from handlers.lifecycle import commands as coordinator
from handlers.offers import commands as offer_commands
from handlers.offers import form as offer_form
from handlers.people import account, privacy
from handlers.requests import intake, upload
from handlers.requests import reconfirm as housekeeping
from handlers.requests import requester_commands as requester
from handlers.shipments import commands as shipment_commands
from handlers.text.format import esc
from handlers.text.i18n import normalise_language
from storage import members
from storage.db import Conn, DatabaseLocked
from storage.models import Identity, Member, Recipient, Role
from storage.outbox_files import spool_reply
from storage.turn_start import TurnKey, TurnStart, open_turn, open_turn_async

log = logging.getLogger(__name__)

SEEN_RESOLUTION = timedelta(minutes=5)


def build_registry() -> Registry:
    registry = Registry(commands={}, choices={}, flows={})
    for module in (
        account,
        intake,
        requester,
        coordinator,
        shipment_commands,
        offer_form,
        offer_commands,
        subscriptions,
        reports,
        place_filter,
        meeting,
        housekeeping,
        upload,
        admin,
        admin_orgs,
        admin_people,
        admin_audit,
        broadcast,
        stats,
        backup,
        privacy,
    ):
        module.register(registry)
    return registry


class Engine:
    def __init__(self, ctx: HandlerContext, registry: Registry | None = None) -> None:
        self.ctx = ctx
        self.registry = registry if registry is not None else build_registry()
        # Called after a commit that queued notifications, so they go out at once.
        self.on_outbox: Callable[[], None] | None = None
        self.on_subscriptions_changed: Callable[[], None] | None = None
        # Reports (Turn.after_commit) still drawing; the engine's own, never shared.
        self._reports: set[asyncio.Task[None]] = set()
        self.reports_started = 0

    async def accepts_invite(self, inviter: Identity, direct: bool) -> bool:
        """Whether a transport joins the room ``inviter`` invited the bot to
        (handlers.core.room_policy)."""
        return await rooms.accepts_invite(self.ctx.db, inviter, direct)

    async def may_stay(self, people: Collection[Identity], said: str | None) -> bool:
        """Whether a transport stays in a one-to-one chat with ``people`` after ``said``."""
        return await rooms.may_stay(self.ctx.db, people, said, self.registry.commands)

    def invite_decline_reason(self) -> str:
        """Why the bot declines a group invitation (said in the decline itself), in every
        language: whoever invited it is not a member, so their language is unknown."""
        return " / ".join(self.ctx.t.all_forms("rooms.invite_declined"))

    async def _recheck_rooms(self) -> None:
        """After a turn's commit: a failure here must not turn its answer into an error (the
        change is on disk); the next membership change or digest time checks again."""
        try:
            await rooms.recheck_rooms(self.ctx)
        except DatabaseLocked:
            log.warning("subscribed rooms not re-checked (database locked)")
            return
        except Exception:
            log.exception("subscribed rooms not re-checked")
            return
        if self.on_outbox is not None:
            self.on_outbox()

    async def room_changed(self, chat: ChatRef) -> None:
        """A transport saw people join, be invited to or leave ``chat``: digests and alerts
        that go there are held or released by who is in it now (room_policy.recheck_room).
        Before each digest the scheduler asks again, so a check lost here is made up then."""
        try:
            await rooms.recheck_room(self.ctx, chat)
        except DatabaseLocked:
            log.warning("room %s not re-checked (database locked)", chat.chat_id)
            return
        except Exception:
            log.exception("room %s not re-checked", chat.chat_id)
            return
        if self.on_outbox is not None:
            self.on_outbox()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        lang = normalise_language(incoming.language_code, self.ctx.policy.default_language)
        try:
            return await self._handle(incoming)
        except DatabaseLocked:
            log.warning("database locked while handling %s", incoming.update_id)
            return [Reply(text=self.ctx.t(lang, "error.busy"))]
        except Exception:
            # Nothing was committed: the transaction rolled back, so the person may retry.
            log.exception("handler failed for update %s", incoming.update_id)
            return [Reply(text=self.ctx.t(lang, "error.internal"))]

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        ctx = self.ctx
        now = ctx.clock()
        transport = incoming.chat.transport
        key = TurnKey(
            transport=transport,
            update_id=incoming.update_id,
            sender=incoming.sender,
            chat_id=incoming.chat.chat_id,
            now=now,
            want_menu=not incoming.buttons,
        )
        # Before the transaction: the transport may have to look (never while holding the lock).
        room = await ctx.rooms.of(incoming.chat)
        # A file is read before the transaction too: seconds of CPU in a worker thread, never
        # inside the write lock every other chat waits for.
        prepared: object | None = None
        if incoming.upload is not None and self.registry.upload is not None:
            prepared = await self.registry.upload.prepare(ctx, incoming)
        async with ctx.db.grouped_transaction(
            partial(open_turn, key=key), first_async=partial(open_turn_async, key=key)
        ) as (conn, start):
            if not start.claimed:
                return []  # a replay: its effects are already committed
            member, bootstrapped = await self._member(conn, incoming, now, start.member)
            lang = normalise_language(
                member.language if member else incoming.language_code,
                ctx.policy.default_language,
            )
            turn = Turn(
                ctx=ctx,
                conn=conn,
                incoming=incoming,
                now=now,
                member=member,
                lang=lang,
                registry=self.registry,
                # Read with BEGIN: the handler gets it from turn.flow, never reads it again.
                conversation=start.conversation,
                room=room,
            )
            if bootstrapped and member is not None:
                # A configured admin created or restored just now: their menu lists theirs.
                await queue_menu(turn, member)
            replies = await self._run(turn, start, prepared)
        if turn.wrote_outbox and self.on_outbox is not None:
            self.on_outbox()
        if turn.changed_subscriptions and self.on_subscriptions_changed is not None:
            self.on_subscriptions_changed()
        if any(action.startswith("member.") for action in turn.audited):
            # Who is a member with which role changed: rooms that get digests and alerts
            # may have to be held or released with the same people in them.
            await self._recheck_rooms()
        for job in turn.after_commit:
            self._start_report(turn, job)
        return replies

    async def _run(self, turn: Turn, start: TurnStart, prepared: object | None) -> list[Reply]:
        """The turn after its sender is known: limits, the handler, then what the turn keeps."""
        incoming = turn.incoming
        # Typed text that picks a shown option is a button press, on the buttons' budget.
        menu_choice = self._menu_choice(incoming, start)
        screening = limits.screen(
            turn.ctx, incoming, turn.lang, turn.now, selects_option=menu_choice is not None
        )
        if screening.refusal is not None:
            return screening.refusal  # over a limit: only the update claim is written
        replies = await self._route(turn, menu_choice, prepared)
        if screening.notice is not None:
            replies = [screening.notice, *replies]
        replies = await self._persist_durable(turn, replies)
        if not incoming.buttons:
            await turn.flow.set_menu(menu_from_replies(replies))
        return replies

    def _start_report(self, turn: Turn, job: AfterCommit) -> None:
        """Run a report beside the chats, not inside this update's handling.

        Transports finish an update before they fetch the next batch (Telegram confirms a
        batch only once every update of it is handled), so a report awaited here would hold
        up every chat for as long as it draws. Its answer goes out through the outbox instead.
        """
        task = asyncio.create_task(
            self._report(turn, job), name=f"report {turn.incoming.update_id}"
        )
        self._reports.add(task)
        self.reports_started += 1
        task.add_done_callback(self._reports.discard)

    async def _report(self, turn: Turn, job: AfterCommit) -> None:
        """The report, then its answer as outbox rows for the asker's chat, in one short write.

        A report that fails answers with the usual error. One that is cut short by a crash or
        a shutdown is lost: the update is committed, so the asker sends the command again.
        """
        try:
            replies = await job()
        except DatabaseLocked:
            log.warning("database locked in a report for %s", turn.incoming.update_id)
            replies = [Reply(text=turn.tr("error.busy"))]
        except Exception:
            log.exception("report failed for update %s", turn.incoming.update_id)
            replies = [Reply(text=turn.tr("error.internal"))]
        chat = turn.incoming.chat
        # A 403 from a group must not mark the member unreachable: only a private chat is theirs.
        member_id = turn.member.id if turn.member is not None and turn.incoming.private else None
        recipient = Recipient(transport=chat.transport, chat_id=chat.chat_id, member_id=member_id)
        try:
            # A big file (an export: 10-30 MB) goes to disk before the transaction, not into
            # it: its INSERT and fsync held the write lock every chat waits for 200-300 ms.
            spooled = [await spool_reply(self.ctx.db.path, reply) for reply in replies]
            async with self.ctx.job("report") as work:
                for reply, document_file in spooled:
                    await work.notify(recipient, reply, "reply", document_file=document_file)
        except Exception:
            log.exception("could not queue the report for update %s", turn.incoming.update_id)
            return
        if self.on_outbox is not None:
            self.on_outbox()

    async def wait_reports(self) -> None:
        """Until every report started so far has queued its answer (tests, shutdown)."""
        while self._reports:
            await asyncio.gather(*self._reports, return_exceptions=True)

    async def close(self, grace: float = 5.0) -> None:
        """At shutdown: reports get ``grace`` seconds to finish; the rest are dropped."""
        if not self._reports:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.wait_reports()), grace)
        for task in list(self._reports):
            task.cancel()
        await asyncio.gather(*self._reports, return_exceptions=True)

    async def _member(
        self,
        conn: Conn,
        incoming: Incoming,
        now: datetime,
        member: Member | None,
    ) -> tuple[Member | None, bool]:
        """The sender as a member (read with BEGIN), bootstrap admins created or restored;
        the flag says whether this turn created or restored one (their menu changes)."""
        bootstrapped = False
        if member is None and incoming.sender in self.ctx.policy.bootstrap_admins:
            bootstrapped = True
            member = await members.add_member(
                conn,
                identity=incoming.sender,
                chat_id=incoming.chat.chat_id if incoming.private else incoming.sender.user_id,
                org_id=None,
                roles=frozenset({Role.ADMIN}),
                language=normalise_language(
                    incoming.language_code, self.ctx.policy.default_language
                ),
                display_name=incoming.sender_name,
                now=now,
            )
        elif (
            member is not None
            and incoming.sender in self.ctx.policy.bootstrap_admins
            and (Role.ADMIN not in member.roles or not member.active)
        ):
            # A configured admin can never lock themselves out.
            await members.set_membership(
                conn,
                member.id,
                org_id=member.org_id,
                roles=member.roles | {Role.ADMIN},
                active=True,
            )
            member = await members.get_member(conn, member.id)
            bootstrapped = True
        if member is not None and member.active and self._stale_seen(member, incoming, now):
            await members.set_seen(
                conn,
                member.id,
                # Notifications go to the private chat; a group must never receive them.
                chat_id=incoming.chat.chat_id if incoming.private else member.chat_id,
                display_name=incoming.sender_name,
                now=now,
            )
        return member, bootstrapped

    @staticmethod
    def _stale_seen(member: Member, incoming: Incoming, now: datetime) -> bool:
        """Whether last-seen needs a write: not on every message of a busy conversation."""
        return (
            member.last_seen_at is None
            or now - member.last_seen_at > SEEN_RESOLUTION
            or (incoming.private and member.chat_id != incoming.chat.chat_id)
            or (incoming.sender_name is not None and member.display_name != incoming.sender_name)
        )

    @staticmethod
    def _menu_choice(incoming: Incoming, start: TurnStart) -> str | None:
        """The payload typed text selects from the last menu (platforms without buttons)."""
        if incoming.choice is not None or incoming.text is None or incoming.buttons:
            return None
        return match_menu(start.menu, incoming.text)

    async def _route(
        self, turn: Turn, menu_choice: str | None, prepared: object | None = None
    ) -> list[Reply]:
        incoming = turn.incoming
        if incoming.upload is not None and incoming.choice is None:
            return await self._route_upload(turn, prepared)
        text = incoming.text
        if text is not None and len(text) > turn.ctx.policy.max_text_length:
            return [
                Reply(
                    text=turn.tr(
                        "error.too_long", length=len(text), limit=turn.ctx.policy.max_text_length
                    )
                )
            ]
        choice = incoming.choice or menu_choice
        if choice is not None:
            return await self._route_choice(turn, choice)
        if text is None or not text.strip():
            return [Reply(text=turn.tr("error.empty_message"))]
        stripped = text.strip()
        if is_command(stripped, self.registry.commands):
            return await self._route_command(turn, stripped[1:])
        return await self._route_text(turn, stripped)

    async def _route_command(self, turn: Turn, body: str) -> list[Reply]:
        head, _, args = body.partition(" ")
        if "\n" in head:
            head, _, rest = head.partition("\n")
            args = rest + (" " + args if args else "")
        # Telegram groups send /cmd@botname.
        name = head.split("@", 1)[0].lower()
        command = self.registry.commands.get(name)
        if command is None:
            if not turn.roles:
                return await account.stranger(turn)
            # The name is whatever was typed: escape it, or "/<b" breaks the whole message.
            return [Reply(text=turn.tr("error.unknown_command", command=esc(f"/{name}")))]
        if command.roles and not (command.roles & turn.roles):
            if not turn.roles:
                return await account.stranger(turn)
            return [Reply(text=turn.tr("error.not_allowed"))]
        refusal = await self._outside_private_chat(turn, command.roles, command.where)
        if refusal is not None:
            return refusal
        return await command.handler(turn, args.strip())

    async def _route_upload(self, turn: Turn, prepared: object | None) -> list[Reply]:
        """A file: the upload route's roles and where it may answer, then its handler. Without
        a route (or for someone it is not for) the file is declined as before: not kept."""
        route = self.registry.upload
        if not turn.roles:
            return await account.stranger(turn)
        if route is None or not (route.roles & turn.roles):
            return [Reply(text=turn.tr("security.attachment_not_kept"))]
        refusal = await self._outside_private_chat(turn, route.roles, route.where)
        if refusal is not None:
            return refusal
        return await route.handler(turn, prepared)

    async def _route_choice(self, turn: Turn, payload: str) -> list[Reply]:
        prefix, _, rest = payload.partition(":")
        route = self.registry.choices.get(prefix)
        if route is None:
            return [Reply(text=turn.tr("error.stale_button"), toast=True)]
        if route.roles and not (route.roles & turn.roles):
            if not turn.roles:
                return await account.stranger(turn)
            return [Reply(text=turn.tr("error.not_allowed"), toast=True)]
        # A button under an old answer in a group (sent before this rule) must not page on.
        refusal = await self._outside_private_chat(turn, route.roles, route.where, toast=True)
        if refusal is not None:
            return refusal
        return await route.handler(turn, rest)

    @staticmethod
    async def _outside_private_chat(
        turn: Turn, roles: frozenset[Role], where: Where, *, toast: bool = False
    ) -> list[Reply] | None:
        """The one place that keeps private answers out of rooms with others in them.

        Who is in the chat decides (room_policy.view_refusal): a one-to-one chat shows every
        view; a room shows coordinator and admin views only while everyone in it holds the
        role; anything else is refused with a short reason. Runs after the role check, so
        someone who may not use the command at all still gets the generic denial (which names
        nothing) rather than a hint that it exists for them. The refusal names no argument
        the person typed: the room already saw it, and repeating it would add nothing but a
        second copy.
        """
        if where is Where.ANY_CHAT:
            return None
        key = await rooms.view_refusal(
            turn.conn,
            room=turn.room,
            sender=turn.incoming.sender,
            private=turn.incoming.private,
            roles=roles,
            sender_roles=turn.roles,
        )
        if key is None:
            return None
        text = turn.tr(key)
        link = private_chat_link(turn)
        if link is not None and not toast:
            text += "\n" + turn.tr("policy.private_only_link", link=esc(link))
        return [Reply(text=text, toast=toast)]

    async def _route_text(self, turn: Turn, text: str) -> list[Reply]:
        if not turn.roles:
            return await account.stranger(turn)
        name = await turn.flow.name()
        if name is not None:
            flow = self.registry.flows.get(name)
            if flow is not None and (not flow.roles or flow.roles & turn.roles):
                refusal = await self._outside_private_chat(turn, flow.roles, flow.where)
                return refusal if refusal is not None else await flow.on_text(turn, text)
            # What is left of a finished conversation (the Submit marker): a new message ends it.
            await turn.flow.clear()
        return await account.free_text(turn, text)

    async def _persist_durable(self, turn: Turn, replies: list[Reply]) -> list[Reply]:
        """Durable replies become outbox rows in this transaction; the transport marks them."""
        result: list[Reply] = []
        grace = timedelta(seconds=turn.ctx.policy.reply_grace_seconds)
        for reply in replies:
            if reply.durable and reply.outbox_id is None:
                if reply.replace and reply.chat is None and turn.incoming.message_ref:
                    # Delivered later, it is still the edit of the message pressed, so a repeat
                    # after a crash edits it again instead of sending a second confirmation.
                    reply = reply.model_copy(update={"edit_ref": turn.incoming.message_ref})
                chat = reply.chat or turn.incoming.chat
                recipient = Recipient(
                    transport=chat.transport,
                    chat_id=chat.chat_id,
                    member_id=turn.member.id if turn.member else None,
                )
                # Held back for the grace period: the transport sends it and marks it sent.
                outbox_id = await turn.notify(
                    recipient, reply, "reply", not_before=turn.now + grace
                )
                reply = reply.model_copy(update={"outbox_id": outbox_id})
            result.append(reply)
        return result


def private_chat_link(turn: Turn) -> str | None:
    """How to open a private chat with the bot on this platform, when the bot knows it."""
    links = turn.ctx.links
    transport = turn.incoming.chat.transport
    if transport == "telegram" and links.telegram_username:
        return f"https://t.me/{links.telegram_username}"
    if transport == "matrix" and links.matrix_user_id:
        return links.matrix_user_id
    return None


__all__ = ["Choice", "Engine", "build_registry"]
