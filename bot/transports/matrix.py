"""Matrix through matrix-nio: sync events become Incoming, Replies become m.notice messages.

The sync loop asks the homeserver for what happened since ``next_batch``, handles every event
of the answer (each through the engine, which commits it and records its event id), and only
then stores the new ``next_batch`` in SQLite. A crash in between replays that one batch after
the restart, and the engine drops the event ids it has already seen; nothing sent while the
bot was down is missed, because the stored token still points before it. When a room had more
events in the gap than one sync returns ("limited"), the gap is paged in with /messages.

Rooms: which invitations to accept and which direct chats to leave is the engine's policy
(handlers/core/room_policy.py, passed in as ``accepts_invite`` and ``may_stay``, asked afresh
every time):
a direct chat is joined whoever invites (a stranger may be bringing an invite code), a group
room only on a member's invitation, and a direct chat is left after the engine answered a
non-member anything but ``!start``. The configured team room is always joined. In group rooms
only commands are read (handlers.core.registry.is_command), as Telegram bots in groups see only
commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import traceback
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
import nio

from bot.transports.base import (
    DeliveryError,
    RetryPolicy,
    StartupError,
    TokenRefused,
    TokenWatch,
    TooLong,
    TransportMetrics,
    Unreachable,
    send_direct_reply,
    send_parts,
)
from bot.transports.matrix_html import (
    MATRIX_TEXT_BYTES,
    NOTICE,
    attachment_size,
    file_content,
    incoming_text,
    matrix_size,
    text_content,
)
from handlers.core.events import ChatRef, Document, Incoming, Reply
from handlers.core.registry import is_command
from handlers.text.i18n import Translator
from handlers.text.split import split_message
from storage import transport_state
from storage.db import Database
from storage.models import Identity

log = logging.getLogger(__name__)

NAME = "matrix"
SYNC_KEY = "matrix.next_batch"
DEVICE_KEY = "matrix.device_id"
# + a user id: the direct room the bot opened to reach someone who joined from a group room.
DM_KEY = "matrix.dm:"
MAX_BACKOFF_SECONDS = 60.0
TOKEN_ERRORS = ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN")
# Pages of 100 events fetched to fill a gap after a long downtime, per room and sync.
MAX_BACKFILL_PAGES = 50
NETWORK_ERRORS = (aiohttp.ClientError, OSError, TimeoutError)

HandleFn = Callable[[Incoming], Awaitable[list[Reply]]]
MarkFn = Callable[[int], Awaitable[None]]
# The engine's room policy (handlers/core/room_policy.py): (inviter, direct chat?) -> join?
AcceptsInviteFn = Callable[[Identity, bool], Awaitable[bool]]
# (the people of a one-to-one room, what was just said there) -> stay?
MayStayFn = Callable[[Collection[Identity], str | None], Awaitable[bool]]


def sync_filter(timeline_limit: int) -> dict[str, Any]:
    # Presence and account data are of no use to the bot; the timeline limit bounds one answer
    # (a gap beyond it is paged in, see _backfill).
    return {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"limit": timeline_limit},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
        },
    }


def invite_event(event: Any) -> dict[str, Any]:
    """An invite's stripped state event as JSON; nio moves the content out of ``source``."""
    source = dict(getattr(event, "source", {}) or {})
    content = getattr(event, "content", None)
    if isinstance(content, dict):
        source["content"] = content
    return source


def delivery_error(resp: Any) -> DeliveryError:
    """The outbox's view of a homeserver error answer."""
    transport = getattr(resp, "transport_response", None)
    status = getattr(transport, "status", None)
    code = getattr(resp, "status_code", None)
    text = str(resp)
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        retry_ms = getattr(resp, "retry_after_ms", None) or 1000
        return DeliveryError(text, retry_after=retry_ms / 1000)
    if code == "M_TOO_LARGE" or status == 413:
        # The event is over the homeserver's size limit: smaller parts will pass.
        return TooLong(text)
    if code in ("M_FORBIDDEN", "M_NOT_FOUND"):
        # Not in the room any more (left, kicked, room gone): nobody will read it there.
        return Unreachable(text)
    if code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
        # The operator must fix the token; the rows wait rather than fail.
        return DeliveryError(text, retry_after=60.0)
    if isinstance(status, int) and 400 <= status < 500:
        return DeliveryError(text, permanent=True)
    return DeliveryError(text)


@dataclass
class RoomInfo:
    joined: dict[str, str | None] = field(default_factory=dict)  # user id -> display name


class MatrixTransport:
    name = NAME

    def __init__(
        self,
        *,
        homeserver: str,
        user_id: str,
        access_token: str | None,
        password: str | None,
        device_id: str | None,
        team_room: str | None,
        db: Database,
        handle: HandleFn,
        accepts_invite: AcceptsInviteFn,
        may_stay: MayStayFn,
        mark_delivered: MarkFn,
        commands: Collection[str],
        clock: Callable[[], datetime],
        translator: Translator,
        sync_timeout_ms: int = 30_000,
        timeline_limit: int = 100,
        retry: RetryPolicy | None = None,
        on_fatal: Callable[[BaseException], None] | None = None,
    ) -> None:
        if access_token is None and password is None:
            raise ValueError("an access token or a password is required")
        self.user_id = user_id
        self._token = access_token
        self._password = password
        self._device_id = device_id
        self._team_room = team_room
        self.team_room_id: str | None = team_room if team_room and team_room[0] == "!" else None
        self._db = db
        self._handle = handle
        self._accepts_invite = accepts_invite
        self._may_stay = may_stay
        self._mark_delivered = mark_delivered
        self._commands = frozenset(commands)
        self._clock = clock
        # Sent instead of a part refused as too large even when cut small; a delivery does
        # not know its reader's language, so it says it in all three.
        self._too_long_notice = "\n".join(translator.all_forms("outbox.too_long"))
        self._sync_timeout_ms = sync_timeout_ms
        self.sync_filter = sync_filter(timeline_limit)
        self._retry = retry or RetryPolicy()
        self._on_fatal = on_fatal
        self._token_watch = TokenWatch(self._retry)
        # Skipped events, sync loop restarts and token refusals, for a metrics endpoint.
        self.metrics = TransportMetrics()
        config = nio.AsyncClientConfig(
            # Errors come back to us: 429s go to the outbox (which pauses the whole transport)
            # and network errors to our own backoff, instead of nio retrying forever.
            max_limit_exceeded=0,
            max_timeouts=0,
            request_timeout=30,
            encryption_enabled=False,
            store_sync_tokens=False,
        )
        self.client = nio.AsyncClient(homeserver, user_id, device_id=device_id or "", config=config)
        self._rooms: dict[str, RoomInfo] = {}
        self._next_batch: str | None = None
        self._task: asyncio.Task[None] | None = None
        # Called with each event id once it was handled and answered: tests wait on it.
        self.after_event: Callable[[str], None] | None = None
        # Called with each next_batch once stored.
        self.after_sync: Callable[[str], None] | None = None

    # -- start and stop ----------------------------------------------------------------------

    async def start(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._login()
                async with self._db.read() as conn:
                    self._next_batch = await transport_state.get_state(conn, SYNC_KEY)
                await self._join_team_room()
                break
            except NETWORK_ERRORS as exc:
                # The homeserver may be down for maintenance: keep trying rather than exit.
                log.warning(
                    "cannot reach the Matrix homeserver (%s); retrying in %.0f s", exc, delay
                )
                await asyncio.sleep(delay)
                delay = min(MAX_BACKOFF_SECONDS, delay * 2)
        self._task = asyncio.create_task(self._run(), name="matrix-sync")
        log.info("matrix transport started as %s", self.user_id)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.client.close()

    async def _login(self) -> None:
        if self._token is not None:
            device = self._device_id or await self._stored(DEVICE_KEY) or ""
            self.client.restore_login(self.user_id, device, self._token)
            whoami = await self.client.whoami()
            if isinstance(whoami, nio.WhoamiError):
                if whoami.status_code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_FORBIDDEN"):
                    raise StartupError(
                        "AIDBRIDGE_MATRIX_ACCESS_TOKEN: the homeserver refused this token"
                    )
                raise aiohttp.ClientError(str(whoami))
            if whoami.user_id != self.user_id:
                raise StartupError(
                    f"AIDBRIDGE_MATRIX_USER_ID: the access token belongs to {whoami.user_id},"
                    f" not {self.user_id}"
                )
            if not device and getattr(whoami, "device_id", None):
                self.client.device_id = whoami.device_id
            return
        assert self._password is not None
        # The same device on every start, so logins do not pile up devices on the account.
        known = self._device_id or await self._stored(DEVICE_KEY)
        if known:
            self.client.device_id = known
        resp = await self.client.login(password=self._password, device_name="AidBridge")
        if isinstance(resp, nio.LoginError):
            if resp.status_code in ("M_FORBIDDEN", "M_USER_DEACTIVATED", "M_INVALID_USERNAME"):
                raise StartupError(
                    f"AIDBRIDGE_MATRIX_PASSWORD: the homeserver refused the login of "
                    f"{self.user_id} ({resp.status_code})"
                )
            raise aiohttp.ClientError(str(resp))
        if resp.device_id != known:
            async with self._db.transaction() as conn:
                await transport_state.set_state(conn, DEVICE_KEY, resp.device_id, self._clock())

    async def _stored(self, key: str) -> str | None:
        async with self._db.read() as conn:
            return await transport_state.get_state(conn, key)

    async def _join_team_room(self) -> None:
        if not self._team_room:
            return
        resp = await self.client.join(self._team_room)
        if isinstance(resp, nio.JoinResponse):
            self.team_room_id = resp.room_id
            log.info("matrix team room %s joined", self._team_room)
            return
        if self._team_room.startswith("#"):
            alias = await self.client.room_resolve_alias(self._team_room)
            if isinstance(alias, nio.RoomResolveAliasResponse):
                self.team_room_id = alias.room_id
        # Not fatal: the bot joins as soon as someone invites it there.
        log.warning("cannot join the team room %s yet (invite the bot): %s", self._team_room, resp)

    # -- the sync loop -----------------------------------------------------------------------

    async def _run(self) -> None:
        """Sync until stopped. Nothing ends the loop but a token refused past the limit: any
        failure (network, an error answer, a batch that fails half-way) starts it again
        after a capped exponential backoff, from the last stored ``next_batch``."""
        delay = self._retry.first_delay
        while True:
            try:
                await self._sync_once()
            except _SyncRefused as exc:
                if not await self._token_refused(exc):
                    return
                continue
            except _SyncFailed as exc:
                self.metrics.loop_restarts += 1
                wait = exc.retry_after if exc.retry_after is not None else delay
                log.warning("matrix sync error %s; retrying in %.1f s", exc, wait)
                await asyncio.sleep(wait)
            except NETWORK_ERRORS as exc:
                self.metrics.loop_restarts += 1
                log.warning("matrix sync failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
            except Exception:
                self.metrics.loop_restarts += 1
                log.exception("matrix sync loop failed; restarting in %.1f s", delay)
                await asyncio.sleep(delay)
            else:
                delay = self._retry.first_delay
                continue
            delay = min(self._retry.max_delay, delay * 2)

    async def _sync_once(self) -> None:
        since = self._next_batch
        # The very first sync returns at once: it only learns the rooms and invites.
        resp = await self.client.sync(
            timeout=self._sync_timeout_ms if since else 1,
            since=since,
            sync_filter=self.sync_filter,
        )
        if isinstance(resp, nio.SyncError):
            if resp.status_code in TOKEN_ERRORS:
                raise _SyncRefused(str(resp.status_code))
            retry_ms = resp.retry_after_ms
            raise _SyncFailed(str(resp), retry_ms / 1000 if retry_ms else None)
        self._token_watch.accepted()
        await self._process(resp, since)
        # Only now: everything before this token has been handled and committed.
        async with self._db.transaction() as conn:
            await transport_state.set_state(conn, SYNC_KEY, resp.next_batch, self._clock())
        self._next_batch = resp.next_batch
        if self.after_sync is not None:
            self.after_sync(resp.next_batch)

    async def _token_refused(self, exc: _SyncRefused) -> bool:
        """Wait (or log in again) before the next try; False once refused too long."""
        self.metrics.token_refusals += 1
        refused_for = self._token_watch.refused()
        variable = "AIDBRIDGE_MATRIX_" + ("ACCESS_TOKEN" if self._token else "PASSWORD")
        if self._token_watch.expired(refused_for):
            log.critical(
                "the homeserver has refused the bot's access token for %.0f s; giving up "
                "(check %s)",
                refused_for,
                variable,
            )
            if self._on_fatal is not None:
                self._on_fatal(
                    TokenRefused(
                        f"{variable}: the homeserver refused the access token for "
                        f"{refused_for:.0f} s"
                    )
                )
            return False
        log.error(
            "the homeserver refuses the bot's access token (%s) for %.0f s now; retrying in "
            "%.0f s, giving up after %.0f s",
            exc,
            refused_for,
            self._retry.token_retry,
            self._retry.token_give_up,
        )
        if self._token is None and self._password is not None:
            # Logged in with the password: the session was ended (logged out elsewhere, or
            # expired); a new login is the fix.
            try:
                await self._login()
                log.info("matrix: logged in again after the access token was refused")
                return True
            except (StartupError, *NETWORK_ERRORS) as login_error:
                log.error("matrix: logging in again failed: %s", login_error)
        await asyncio.sleep(self._retry.token_retry)
        return True

    async def _process(self, resp: nio.SyncResponse, since: str | None) -> None:
        for room_id, invite in resp.rooms.invite.items():
            try:
                await self._on_invite(room_id, [invite_event(e) for e in invite.invite_state])
            except Exception:
                log.exception("matrix invite to %s not handled", room_id)
        for room_id in resp.rooms.leave:
            self._rooms.pop(room_id, None)
        jobs = []
        for room_id, info in resp.rooms.join.items():
            if any(e.source.get("type") == "m.room.member" for e in info.state):
                self._rooms.pop(room_id, None)
            events = [e.source for e in info.timeline.events]
            if since is None:
                # First start: what happened before the bot existed is not a request to it.
                continue
            if info.timeline.limited and info.timeline.prev_batch:
                events = await self._backfill(room_id, info.timeline.prev_batch, since) + events
            jobs.append(self._room_events(room_id, events))
        # Rooms concurrently (one room's network wait overlaps another's database work); the
        # events of one room strictly in order.
        await asyncio.gather(*jobs)

    async def _backfill(self, room_id: str, prev_batch: str, since: str) -> list[dict[str, Any]]:
        """The events between the last stored token and the sync's truncated timeline."""
        collected: list[dict[str, Any]] = []
        token = prev_batch
        for _ in range(MAX_BACKFILL_PAGES):
            resp = await self.client.room_messages(
                room_id, start=token, end=since, direction=nio.MessageDirection.back, limit=100
            )
            if isinstance(resp, nio.RoomMessagesError) or not resp.chunk:
                if isinstance(resp, nio.RoomMessagesError):
                    log.warning("matrix gap in %s not filled: %s", room_id, resp)
                break
            collected.extend(e.source for e in resp.chunk)
            if not resp.end or resp.end == token:
                break
            token = resp.end
        collected.reverse()
        log.info("matrix: %d missed event(s) paged in for %s", len(collected), room_id)
        return collected

    async def _room_events(self, room_id: str, events: list[dict[str, Any]]) -> None:
        for source in events:
            try:
                await self._on_event(room_id, source)
            except Exception as exc:
                # Skipped, so that one event cannot hold up the room (or, raised further, the
                # whole sync) for ever. Logged by id and type: the event may hold anyone's
                # text, so only the exception's type and where it was raised go with it.
                self.metrics.skipped_updates += 1
                log.error(
                    "matrix event %s (%s) in %s not handled (%s); skipped\n%s",
                    source.get("event_id"),
                    source.get("type"),
                    room_id,
                    type(exc).__name__,
                    "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
                )
            finally:
                if self.after_event is not None and source.get("event_id"):
                    self.after_event(str(source["event_id"]))

    # -- rooms -------------------------------------------------------------------------------

    async def _on_invite(self, room_id: str, state: list[dict[str, Any]]) -> None:
        invite = next(
            (
                e
                for e in state
                if e.get("type") == "m.room.member"
                and e.get("state_key") == self.user_id
                and (e.get("content") or {}).get("membership") == "invite"
            ),
            None,
        )
        inviter = str(invite.get("sender", "")) if invite else ""
        direct = bool(invite and (invite.get("content") or {}).get("is_direct"))
        # The configured team room is the operator's choice; any other room is the engine's.
        if room_id == self.team_room_id or (
            inviter
            and await self._accepts_invite(Identity(transport=NAME, user_id=inviter), direct)
        ):
            resp = await self.client.join(room_id)
            if not isinstance(resp, nio.JoinResponse):
                log.warning("matrix: could not join %s: %s", room_id, resp)
            self._rooms.pop(room_id, None)
            return
        log.info("matrix: invite from %s to %s declined", inviter or "?", room_id)
        await self.client.room_leave(room_id)

    async def _room(self, room_id: str) -> RoomInfo:
        info = self._rooms.get(room_id)
        if info is not None:
            return info
        resp = await self.client.joined_members(room_id)
        if isinstance(resp, nio.JoinedMembersError):
            log.warning("matrix: members of %s unknown: %s", room_id, resp)
            return RoomInfo()
        info = RoomInfo({m.user_id: m.display_name for m in resp.members})
        self._rooms[room_id] = info
        return info

    def _private(self, room_id: str, info: RoomInfo) -> bool:
        return room_id != self.team_room_id and 0 < len(info.joined) <= 2

    def _people(self, info: RoomInfo, sender: str) -> list[Identity]:
        """Who is in the room besides the bot, the sender first (the joined list may lag)."""
        others = [u for u in info.joined if u not in (self.user_id, sender)]
        return [Identity(transport=NAME, user_id=u) for u in (sender, *others)]

    async def _leave(self, room_id: str) -> None:
        self._rooms.pop(room_id, None)
        resp = await self.client.room_leave(room_id)
        if isinstance(resp, nio.RoomLeaveError):
            log.warning("matrix: could not leave %s: %s", room_id, resp)
            return
        await self.client.room_forget(room_id)

    # -- events ------------------------------------------------------------------------------

    async def _on_event(self, room_id: str, source: dict[str, Any]) -> None:
        kind = source.get("type")
        sender = str(source.get("sender", ""))
        content = source.get("content") or {}
        if kind == "m.room.member":
            self._rooms.pop(room_id, None)
            if (
                content.get("membership") in ("leave", "ban")
                and source.get("state_key") != self.user_id
                and room_id != self.team_room_id
            ):
                info = await self._room(room_id)
                if list(info.joined) == [self.user_id]:
                    # The person left the direct chat; nobody is left to read it.
                    await self._leave(room_id)
            return
        if kind != "m.room.message" or sender == self.user_id or not source.get("event_id"):
            return
        if content.get("msgtype") == NOTICE:
            return  # another bot's output; answering it could start a loop
        text = incoming_text(content)
        info = await self._room(room_id)
        name = info.joined.get(sender)
        private = self._private(room_id, info)
        if not private and not is_command(text, self._commands):
            return
        incoming = Incoming(
            chat=ChatRef(transport=NAME, chat_id=room_id),
            sender=Identity(transport=NAME, user_id=sender),
            update_id=str(source["event_id"]),
            text=text,
            sender_name=name[:100] if name else None,
            buttons=False,
            attachment_size=attachment_size(content),
            private=private,
        )
        replies = await self._handle(incoming)
        for reply in replies:
            await self._reply(room_id, reply)
        if private and not await self._may_stay(self._people(info, sender), text):
            log.info("matrix: left the direct chat %s of non-member %s", room_id, sender)
            await self._leave(room_id)

    async def _reply(self, room_id: str, reply: Reply) -> None:
        target = reply.chat.chat_id if reply.chat and reply.chat.transport == NAME else room_id
        await send_direct_reply(
            lambda: self.deliver(target, reply), reply, target, self._mark_delivered
        )

    # -- sending -----------------------------------------------------------------------------

    async def deliver(self, chat_id: str, reply: Reply) -> None:
        """Send as new message(s): a document first, then the text; the options go last.

        Raises DeliveryError: with ``retry_after`` for M_LIMIT_EXCEEDED, Unreachable when the
        bot is not in the room any more, permanent for other refusals; network errors and
        5xx are retryable.
        """
        try:
            room_id = await self._room_for(chat_id)
            if reply.document is not None:
                url = await self._upload(reply.document)
                await self._send(room_id, file_content(reply.document, url, self._commands))
                if not reply.text and not reply.choices:
                    return
            parts = (
                split_message(reply.text, MATRIX_TEXT_BYTES, matrix_size) if reply.text else [""]
            )
            choices = reply.flat_choices()

            async def send_part(part: str, last: bool) -> None:
                if not part and not (last and choices):
                    return
                await self._send(
                    room_id, text_content(part, choices if last else [], self._commands)
                )

            await send_parts(
                parts,
                send_part,
                measure=matrix_size,
                notice=self._too_long_notice,
                where=f"matrix room {room_id}",
            )
        except NETWORK_ERRORS as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

    async def _send(self, room_id: str, content: dict[str, Any]) -> None:
        resp = await self.client.room_send(
            room_id, "m.room.message", content, tx_id=uuid.uuid4().hex
        )
        if isinstance(resp, nio.RoomSendError):
            raise delivery_error(resp)

    async def _upload(self, document: Document) -> str:
        resp, _ = await self.client.upload(
            io.BytesIO(document.data),
            content_type=document.mime_type,
            filename=document.filename,
            filesize=len(document.data),
        )
        if not isinstance(resp, nio.UploadResponse):
            raise delivery_error(resp)
        return str(resp.content_uri)

    async def _room_for(self, chat_id: str) -> str:
        """A room id as it is; a user id (a member who joined in a group room) becomes the
        direct room the bot opens with them once and remembers."""
        if not chat_id.startswith("@"):
            return chat_id
        stored = await self._stored(DM_KEY + chat_id)
        if stored:
            return stored
        resp = await self.client.room_create(
            visibility=nio.RoomVisibility.private,
            preset=nio.RoomPreset.trusted_private_chat,
            is_direct=True,
            invite=[chat_id],
        )
        if not isinstance(resp, nio.RoomCreateResponse):
            raise delivery_error(resp)
        async with self._db.transaction() as conn:
            await transport_state.set_state(conn, DM_KEY + chat_id, resp.room_id, self._clock())
        return str(resp.room_id)


class _SyncRefused(Exception):
    """The homeserver refused the access token (M_UNKNOWN_TOKEN, M_MISSING_TOKEN)."""


class _SyncFailed(Exception):
    """A sync answered with an error; ``retry_after`` when the homeserver said how long."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
