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

End-to-end encryption (issue 12): with a crypto store (bot/matrix_store.py) the client is
matrix-nio's with encryption, so a sync answer comes back with the Megolm events it could
decrypt already replaced by what they hold, and a send to an encrypted room is encrypted (the
room key shared first with every device of everyone in the room). Trust on first use: the keys
a device shows first are pinned by matrix-nio (a changed Ed25519 key of a known device is
refused), and the devices of members are marked verified when the bot first writes to them.
An event that stays encrypted gets a notice in the room ("please send it again"), at most one
per room and interval, never silence. The first sync of each start asks for the rooms' full
state, so that matrix-nio knows again which rooms are encrypted and who is in them, and so
that invites still pending from before the restart come round again.

Rate limits (issue 12): every request the homeserver may refuse with M_LIMIT_EXCEEDED waits
out its retry_after_ms and is tried again, never given up: joins (one at a time, in a task of
their own, so that the sync goes on meanwhile), room creation, uploads and messages. Messages
share one Pacer per account with the outbox (bot/pacing.py): it learns the homeserver's limit
from its refusals, and the answers to what people just did (priority URGENT, as answers and
critical alerts are in the outbox) go before everything else. A direct answer that cannot go
out within ``reply_wait_seconds`` (the sync waits for it) is handed to the outbox with what is
left of it, and the chat's later answers follow it there, so they keep their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Final, TypeVar

import aiohttp
import nio
from nio.crypto.attachments import decrypt_attachment
from nio.exceptions import EncryptionError
from nio.store import SqliteStore

from bot.pacing import Pacer, SlotTimeout
from bot.transports.base import (
    DeliveryError,
    ReplyDeferral,
    RetryPolicy,
    StartupError,
    TokenRefused,
    TokenWatch,
    TooLong,
    TransportMetrics,
    Unreachable,
    mark_sent,
    send_parts,
)
from bot.transports.matrix_html import (
    MATRIX_TEXT_BYTES,
    NOTICE,
    attachment_size,
    file_content,
    file_name,
    incoming_text,
    matrix_size,
    text_content,
)
from handlers.core.events import ChatRef, Document, Incoming, Reply, Upload
from handlers.core.registry import is_command
from handlers.core.room_people import RoomFacts
from handlers.requests.spreadsheet_reader import is_spreadsheet_name
from handlers.text.i18n import Language, Translator
from handlers.text.split import split_message
from storage import transport_state
from storage.db import Database
from storage.models import Identity
from storage.outbox import Priority

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
# Room kept below the homeserver's upload limit for what travels with the file.
UPLOAD_FRAMING_BYTES: Final = 64 * 1024
# How long a send waits for the sync to bring a room matrix-nio does not know yet (one just
# created or joined): it must know whether the room is encrypted, and for whom.
ROOM_WAIT_SECONDS = 10.0
# At most one "could not read your message" per room and this many seconds: a direct chat
# gets it again soon, a group room (where the bot only reads commands) rarely.
UNDECRYPTABLE_NOTICE_SECONDS = 60.0
GROUP_UNDECRYPTABLE_NOTICE_SECONDS = 3600.0
ENCRYPTED = "m.room.encrypted"
# How long an answer to an event may wait for the pace (and rate limits) before it is handed
# to the outbox: the sync, and so every other room, waits for it meanwhile.
REPLY_WAIT_SECONDS = 5.0

# Joins go before every message: each opens a room whose person waits for an answer.
JOIN_PRIORITY = Priority.URGENT - 1

R = TypeVar("R")

HandleFn = Callable[[Incoming], Awaitable[list[Reply]]]
MarkFn = Callable[[int], Awaitable[None]]
# The engine's room policy (handlers/core/room_policy.py): (inviter, direct chat?) -> join?
AcceptsInviteFn = Callable[[Identity, bool], Awaitable[bool]]
# (the people of a one-to-one room, what was just said there) -> stay?
MayStayFn = Callable[[Collection[Identity], str | None], Awaitable[bool]]
# A member's language; None for anyone who is not an active member.
MemberLanguageFn = Callable[[Identity], Awaitable[Language | None]]
# The engine's re-check of a room whose people changed (digest and alert targets).
RoomChangedFn = Callable[[ChatRef], Awaitable[None]]
# History visibilities that let people who join later read what was said before.
OPEN_HISTORY = frozenset({"shared", "world_readable"})
# Encryption of the direct rooms the bot opens itself, as Element's defaults have it.
MEGOLM = "m.megolm.v1.aes-sha2"
ENCRYPTION_STATE: dict[str, Any] = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": MEGOLM},
}


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


# An initial sync that lists the invites and nothing else (timelines, state and the rest empty).
INVITES_ONLY: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"limit": 0},
        "state": {"types": []},
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


def rate_limit_wait(resp: Any) -> float | None:
    """Seconds the homeserver asked to wait, for an M_LIMIT_EXCEEDED answer; else None."""
    if not isinstance(resp, nio.ErrorResponse):
        return None
    status = getattr(getattr(resp, "transport_response", None), "status", None)
    if resp.status_code != "M_LIMIT_EXCEEDED" and status != 429:
        return None
    retry_ms = getattr(resp, "retry_after_ms", None) or 1000
    return float(retry_ms) / 1000


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


@dataclass
class _Progress:
    """What of one reply has gone out, so that only the rest is handed to the outbox."""

    parts: list[str] = field(default_factory=list)
    parts_sent: int = 0
    document_sent: bool = False

    @property
    def started(self) -> bool:
        return self.document_sent or self.parts_sent > 0

    def rest(self, reply: Reply) -> Reply | None:
        """What has not gone out; None when everything has (stopped before the mark)."""
        if not self.started:
            return reply
        if self.parts_sent >= len(self.parts) and (self.document_sent or not reply.document):
            return None
        return reply.model_copy(
            update={
                "text": "\n".join(self.parts[self.parts_sent :]) if self.parts else reply.text,
                "document": None if self.document_sent else reply.document,
            }
        )


class _Late(DeliveryError):
    """A rate limit asked for a wait that would end past the reply's deadline."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)


def reply_messages(reply: Reply) -> int:
    """The messages a reply becomes, for the pacer (a text longer than one event is rare)."""
    text = bool(reply.text or reply.choices)
    return (1 if reply.document is not None else 0) + (1 if text else 0) or 1


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
        store_dir: Path | None = None,
        member_language: MemberLanguageFn | None = None,
        undecryptable_notice_seconds: float = UNDECRYPTABLE_NOTICE_SECONDS,
        pacer: Pacer | None = None,
        deferral: ReplyDeferral | None = None,
        reply_wait_seconds: float = REPLY_WAIT_SECONDS,
        room_changed: RoomChangedFn | None = None,
        decline_reason: Callable[[], str] | None = None,
        max_upload_bytes: int = 10_000_000,
    ) -> None:
        # Spreadsheets sent as m.file are fetched up to this size (Policy.max_attachment_bytes).
        self._max_upload_bytes = max_upload_bytes
        # The homeserver's largest upload (m.upload.size), asked at start; None: not said.
        self._upload_size: int | None = None
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
        self._room_changed = room_changed
        self._decline_reason = decline_reason
        self._mark_delivered = mark_delivered
        self._commands = frozenset(commands)
        self._clock = clock
        self._t = translator
        # Sent instead of a part refused as too large even when cut small; a delivery does
        # not know its reader's language, so it says it in all three.
        self._too_long_notice = "\n".join(translator.all_forms("outbox.too_long"))
        self._member_language = member_language
        # None: no encryption; the bot then says so in an encrypted room instead of nothing.
        self._store_dir = store_dir
        self._notice_seconds = undecryptable_notice_seconds
        # room id -> when the last "could not read" notice went there (monotonic).
        self._noticed: dict[str, float] = {}
        # One device-keys query at a time (sends and the sync's chores may both want one).
        self._keys_lock = asyncio.Lock()
        # Rooms the bot created -> whom it invited, until its synced state shows them.
        self._invitees: dict[str, set[str]] = {}
        # The account's one pace, shared with the outbox worker (app.py passes the same one).
        self.pacer = pacer or Pacer(overall_per_second=10, per_chat_interval=0.2, learn_limits=True)
        self._deferral = deferral
        self._reply_wait = reply_wait_seconds
        # Rooms to join (None) or invitations to decline (the reason said in the decline), in
        # the order invited; one at a time (the homeserver limits membership changes per
        # account), retried until done or refused for good.
        self._joins: dict[str, str | None] = {}
        self._join_wake = asyncio.Event()
        self._join_task: asyncio.Task[None] | None = None
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
            encryption_enabled=store_dir is not None,
            # One SQLite file holds keys, sessions and device trust: one file to back up.
            store=SqliteStore,
            # Our own next_batch in SQLite is the one that counts (it moves only after a batch
            # was handled); nio's copy would run ahead of it.
            store_sync_tokens=False,
        )
        self.client = nio.AsyncClient(
            homeserver,
            user_id,
            device_id=device_id or "",
            store_path=str(store_dir) if store_dir is not None else "",
            config=config,
        )
        self._rooms: dict[str, RoomInfo] = {}
        self._next_batch: str | None = None
        # The first sync of this process asks for full state (see the module's docstring).
        self._full_state = True
        # Set once the first sync is in: matrix-nio then knows the rooms, so sends may go.
        self._ready = asyncio.Event()
        # Set and replaced after every sync: a send waiting for a room to become known.
        self._synced = asyncio.Event()
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
                await self._learn_upload_size()
                async with self._db.read() as conn:
                    self._next_batch = await transport_state.get_state(conn, SYNC_KEY)
                await self._join_team_room()
                await self._pending_invites()
                break
            except NETWORK_ERRORS as exc:
                # The homeserver may be down for maintenance: keep trying rather than exit.
                log.warning(
                    "cannot reach the Matrix homeserver (%s); retrying in %.0f s", exc, delay
                )
                await asyncio.sleep(delay)
                delay = min(MAX_BACKOFF_SECONDS, delay * 2)
        self._join_task = asyncio.create_task(self._join_loop(), name="matrix-joins")
        self._task = asyncio.create_task(self._run(), name="matrix-sync")
        log.info("matrix transport started as %s", self.user_id)

    async def stop(self) -> None:
        if self._join_task is not None:
            self._join_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._join_task
            self._join_task = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.client.close()

    @property
    def encryption(self) -> bool:
        return self._store_dir is not None

    def upload_limit(self) -> int | None:
        """The largest file the homeserver takes, less room for the upload's framing; None
        while it has not said (handlers/core/file_limits.py then keeps its default)."""
        if self._upload_size is None:
            return None
        return max(1, self._upload_size - UPLOAD_FRAMING_BYTES)

    async def _learn_upload_size(self) -> None:
        """Ask the media repository's config once: exports past it are sent in parts."""
        try:
            answer = await self.client.content_repository_config()
        except NETWORK_ERRORS as exc:
            log.warning("the homeserver's upload limit is unknown (%s)", exc)
            return
        size = getattr(answer, "upload_size", None)
        if isinstance(size, int) and size > 0:
            self._upload_size = size

    async def _login(self) -> None:
        if self._token is not None:
            await self._login_with_token(self._token)
        else:
            await self._login_with_password()
        if self.encryption:
            await self._upload_keys()

    async def _login_with_token(self, token: str) -> None:
        device = self._device_id or await self._stored(DEVICE_KEY) or ""
        # whoami before restore_login: the crypto store is opened per device, so the device
        # must be known first, and the token's own device is the one whose keys count.
        self.client.user_id = self.user_id
        self.client.access_token = token
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
        if getattr(whoami, "device_id", None):
            if device and whoami.device_id != device:
                log.warning(
                    "AIDBRIDGE_MATRIX_DEVICE_ID is %s, but the access token belongs to device"
                    " %s; using %s",
                    device,
                    whoami.device_id,
                    whoami.device_id,
                )
            device = str(whoami.device_id)
        if self.encryption and not device:
            raise StartupError(
                "AIDBRIDGE_MATRIX_DEVICE_ID is required for encryption (the homeserver does"
                " not say which device the access token belongs to)"
            )
        # Opens the crypto store of this device (when encryption is on).
        self.client.restore_login(self.user_id, device, token)

    async def _login_with_password(self) -> None:
        assert self._password is not None
        # The same device on every start, so logins do not pile up devices on the account.
        known = self._device_id or await self._stored(DEVICE_KEY)
        if known:
            self.client.device_id = known
        # A successful login opens the crypto store of the device (when encryption is on).
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

    async def _upload_keys(self) -> None:
        """Publish the device keys (first start) and top up the one-time keys."""
        if not self.client.should_upload_keys:
            return
        resp = await self.client.keys_upload()
        if isinstance(resp, nio.KeysUploadError):
            status = getattr(resp.transport_response, "status", None)
            if not isinstance(status, int) or status == 429 or status >= 500:
                raise aiohttp.ClientError(str(resp))  # start() tries again after a backoff
            # Typically the homeserver holds other keys for this device: its crypto store was
            # lost or belongs to another device. Unencrypted rooms still work.
            log.error(
                "matrix: the homeserver refused the keys of device %s (%s); encrypted rooms"
                " will not work. If the crypto store %s was lost, log the bot in as a new"
                " device (a new access token, AIDBRIDGE_MATRIX_DEVICE_ID unset).",
                self.client.device_id,
                resp,
                self._store_dir,
            )

    async def _pending_invites(self) -> None:
        """Invites still open on the homeserver go through the room policy again: one whose
        join failed before a restart (a rate limit, the process stopped) is never repeated
        by an incremental sync. Asked with a raw initial sync that returns nothing but the
        invites (no timelines, no state), past matrix-nio: its to-device messages and sync
        token must stay the sync loop's."""
        method, path = nio.Api.sync(
            self.client.access_token, since=None, timeout=None, filter=INVITES_ONLY
        )
        response = await self.client.send(method, path, timeout=60)
        if response.status != 200:
            response.release()
            log.warning("matrix: pending invites not listed (HTTP %d)", response.status)
            return
        body = await response.json()
        invites = (body.get("rooms") or {}).get("invite") or {}
        for room_id, invite in invites.items():
            state = ((invite or {}).get("invite_state") or {}).get("events") or []
            try:
                await self._on_invite(room_id, [e for e in state if isinstance(e, dict)])
            except Exception:
                log.exception("matrix invite to %s not handled", room_id)
        if invites:
            log.info("matrix: %d invite(s) pending from before the start", len(invites))

    async def _stored(self, key: str) -> str | None:
        async with self._db.read() as conn:
            return await transport_state.get_state(conn, key)

    async def _join_team_room(self) -> None:
        if not self._team_room:
            return
        resp = await self.client.join(self._team_room)
        if rate_limit_wait(resp) is not None:
            self.metrics.rate_limited += 1
            log.info("matrix: joining the team room %s is rate-limited; queued", self._team_room)
            self._want_join(self._team_room)
            return
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
        # The very first sync returns at once: it only learns the rooms and invites. The first
        # of each start asks for full state; its timeline still starts at ``since``.
        full_state = self._full_state and since is not None
        resp = await self.client.sync(
            timeout=self._sync_timeout_ms if since and not full_state else 1,
            since=since,
            sync_filter=self.sync_filter,
            full_state=full_state or None,
        )
        if isinstance(resp, nio.SyncError):
            if resp.status_code in TOKEN_ERRORS:
                raise _SyncRefused(str(resp.status_code))
            retry_ms = resp.retry_after_ms
            raise _SyncFailed(str(resp), retry_ms / 1000 if retry_ms else None)
        self._token_watch.accepted()
        self.metrics.contact()
        self._full_state = False
        if self.encryption:
            await self._crypto_chores()
        # matrix-nio knows the rooms now: sends may go (and the ones waiting for a room look).
        self._ready.set()
        self._synced.set()
        self._synced = asyncio.Event()
        await self._process(resp, since)
        # Only now: everything before this token has been handled and committed.
        async with self._db.transaction() as conn:
            await transport_state.set_state(conn, SYNC_KEY, resp.next_batch, self._clock())
        self._next_batch = resp.next_batch
        if self.after_sync is not None:
            self.after_sync(resp.next_batch)

    async def _crypto_chores(self) -> None:
        """What matrix-nio's sync_forever does between syncs, before the batch is answered:
        to-device messages out, one-time keys topped up, the device lists of people in
        encrypted rooms queried (so a new device of theirs gets the room key), one-time keys
        claimed for new devices. A failure is logged; the next sync tries again."""
        client = self.client
        try:
            if client.outgoing_to_device_messages:
                await client.send_to_device_messages()
            if client.should_upload_keys:
                await self._upload_keys()
            async with self._keys_lock:
                # Asked again under the lock: a send may just have done it.
                resp = await client.keys_query() if client.should_query_keys else None
            if isinstance(resp, nio.KeysQueryError):
                log.warning("matrix: device keys query failed: %s", resp)
            if client.should_claim_keys:
                claimed = await client.keys_claim(client.get_users_for_key_claiming())
                if isinstance(claimed, nio.KeysClaimError):
                    log.warning("matrix: one-time key claim failed: %s", claimed)
        except NETWORK_ERRORS as exc:
            log.warning("matrix: encryption housekeeping failed (%s); next sync retries", exc)

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
            self._want_join(room_id)
            return
        log.info("matrix: invite from %s to %s declined", inviter or "?", room_id)
        # Said in the decline itself (the leave event's reason, which Element shows with
        # "rejected the invitation"): the bot need not join a stranger's room to say why.
        reason = self._decline_reason() if self._decline_reason is not None else ""
        self._joins[room_id] = reason
        self._join_wake.set()

    def _want_join(self, room: str) -> None:
        self._joins[room] = None
        self._join_wake.set()

    async def _decline(self, room_id: str, reason: str) -> Any:
        """Reject an invitation with a reason (matrix-nio's room_leave sends none)."""
        method, path = nio.Api.room_leave(self.client.access_token, room_id)
        body = nio.Api.to_json({"reason": reason} if reason else {})
        response = await self.client.send(
            method, path, body, headers={"Content-Type": "application/json"}
        )
        try:
            if response.status == 200:
                return nio.RoomLeaveResponse()
            answer = await response.json()
        finally:
            response.release()
        error = nio.RoomLeaveError.from_dict(answer)
        error.transport_response = response
        return error

    @property
    def pending_joins(self) -> int:
        return len(self._joins)

    async def _join_loop(self) -> None:
        """Join the queued rooms one by one. A rate limit is waited out, a network failure
        retried with backoff; a refusal (the invite was withdrawn, the room is gone) drops the
        room. Invites still pending at a start are listed then (_pending_invites).

        A join is an event too: Synapse counts it against the account's message limit as
        well as its join limit, so each try takes its turn in the account's pace, before any
        message (someone is waiting for an answer there). Its refusal does not teach the pace, since
        which of the two limits refused it is not said."""
        delay = self._retry.first_delay
        while True:
            await self._join_wake.wait()
            self._join_wake.clear()
            while self._joins:
                room = next(iter(self._joins))
                decline = self._joins[room]
                try:
                    async with self.pacer.slot(room, priority=JOIN_PRIORITY):
                        if decline is not None:
                            resp = await self._decline(room, decline)
                        else:
                            resp = await self.client.join(room)
                    wait = rate_limit_wait(resp)
                    if wait is not None:
                        self.metrics.rate_limited += 1
                        log.info("matrix: %s rate-limited; retry in %.1f s", room, wait)
                        await asyncio.sleep(wait)
                        continue
                except NETWORK_ERRORS as exc:
                    log.warning(
                        "matrix: joining %s failed (%s); retrying in %.1f s", room, exc, delay
                    )
                    await asyncio.sleep(delay)
                    delay = min(self._retry.max_delay, delay * 2)
                    continue
                delay = self._retry.first_delay
                self._joins.pop(room, None)
                if decline is not None:
                    if isinstance(resp, nio.RoomLeaveError):
                        log.warning("matrix: could not decline %s: %s", room, resp)
                    continue
                if isinstance(resp, nio.JoinResponse):
                    self._rooms.pop(resp.room_id, None)
                    if room == self._team_room:
                        self.team_room_id = resp.room_id
                    log.info("matrix: joined %s", room)
                else:
                    log.warning("matrix: could not join %s: %s", room, resp)

    async def _rate_limited(
        self,
        request: Callable[[], Awaitable[R]],
        *,
        deadline: float | None = None,
        paces: bool = False,
        answer: Callable[[R], Any] = lambda r: r,
    ) -> R:
        """Make ``request`` until the homeserver does not answer M_LIMIT_EXCEEDED, waiting
        the retry_after_ms it gives each time. ``paces``: a message send, whose refusal holds
        every other send of the account and teaches the pacer the limit. Raises _Late when
        the wait would end after ``deadline`` (monotonic)."""
        while True:
            result = await request()
            wait = rate_limit_wait(answer(result))
            if wait is None:
                return result
            self.metrics.rate_limited += 1
            if paces:
                # Pause the account, then queue again for a turn at the learned pace: the
                # sends refused together must not all come back together.
                self.pacer.limited(wait)
                log.info(
                    "matrix: rate-limited for %.1f s (learned pace: %.1f s a message)",
                    wait,
                    self.pacer.learned_gap,
                )
                try:
                    await self.pacer.again(
                        None if deadline is None else deadline - time.monotonic()
                    )
                except SlotTimeout:
                    raise _Late(f"rate-limited for {wait:.1f} s", retry_after=wait) from None
                continue
            if deadline is not None and time.monotonic() + wait > deadline:
                raise _Late(f"rate-limited for {wait:.1f} s", retry_after=wait)
            log.info("matrix: rate-limited; retrying in %.1f s", wait)
            await asyncio.sleep(wait)

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

    async def room_people(self, chat_id: str) -> RoomFacts | None:
        """Who is in the room besides the bot: everyone joined or invited (an invited person
        may read what is said there once they join), and whether people who join later read
        its history. Read from matrix-nio's room state, which each sync brings up to date
        before its events are handled, so it is never older than the event being answered;
        None for a room the client does not know (yet)."""
        if chat_id.startswith("@"):
            # The direct chat the bot opens with them (see _room_for).
            return RoomFacts(people=frozenset({Identity(transport=NAME, user_id=chat_id)}))
        if not self._ready.is_set():
            # Asked before the first sync of this start (the digests' catch-up at start):
            # that sync brings who came and went while the bot was down.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), ROOM_WAIT_SECONDS)
        room = self.client.rooms.get(chat_id)
        if room is None:
            return None
        return RoomFacts(
            people=frozenset(
                Identity(transport=NAME, user_id=user)
                for user in room.users
                if user != self.user_id
            ),
            open_history=room.history_visibility in OPEN_HISTORY,
        )

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
            membership = content.get("membership")
            if (
                membership in ("leave", "ban")
                and source.get("state_key") != self.user_id
                and room_id != self.team_room_id
            ):
                info = await self._room(room_id)
                if list(info.joined) == [self.user_id]:
                    # The person left the direct chat; nobody is left to read it.
                    await self._leave(room_id)
                    return
            if self._room_changed is not None and not (
                source.get("state_key") == self.user_id and membership in ("leave", "ban")
            ):
                # Someone joined, was invited or left: the engine decides whether the room may
                # still get its digests and alerts (handlers/core/room_policy.py).
                await self._room_changed(ChatRef(transport=NAME, chat_id=room_id))
            return
        if sender == self.user_id or not source.get("event_id"):
            return
        if kind == ENCRYPTED:
            # Still encrypted after the sync: no key for it (see _undecryptable).
            await self._undecryptable(room_id, source)
            return
        if kind != "m.room.message":
            return
        if content.get("msgtype") == NOTICE:
            return  # another bot's output; answering it could start a loop
        text = incoming_text(content)
        info = await self._room(room_id)
        name = info.joined.get(sender)
        private = self._private(room_id, info)
        if not private and not is_command(text, self._commands):
            return
        size = attachment_size(content)
        filename = file_name(content)
        upload = None
        if private and filename is not None and is_spreadsheet_name(filename):
            data = None
            if (size or 0) <= self._max_upload_bytes:
                data = await self._fetch(content)
            if data is not None and len(data) > self._max_upload_bytes:
                # The declared size was wrong: refused by the real one.
                size, data = len(data), None
            upload = Upload(filename=filename, size=size or 0, data=data)
        incoming = Incoming(
            chat=ChatRef(transport=NAME, chat_id=room_id),
            sender=Identity(transport=NAME, user_id=sender),
            update_id=str(source["event_id"]),
            text=text,
            sender_name=name[:100] if name else None,
            buttons=False,
            attachment_size=size,
            upload=upload,
            private=private,
        )
        replies = await self._handle(incoming)
        for reply in replies:
            await self._reply(room_id, reply)
        if private and not await self._may_stay(self._people(info, sender), text):
            log.info("matrix: left the direct chat %s of non-member %s", room_id, sender)
            await self._leave(room_id)

    async def _fetch(self, content: dict[str, Any]) -> bytes | None:
        """An m.file's bytes from the homeserver's media API, decrypted when the file is
        (an EncryptedFile in ``file``); into memory only. None when it cannot be had."""
        encrypted = content.get("file")
        url = encrypted.get("url") if isinstance(encrypted, dict) else content.get("url")
        if not isinstance(url, str) or not url.startswith("mxc://"):
            return None
        resp = await self.client.download(mxc=url)
        if not isinstance(resp, nio.MemoryDownloadResponse):
            log.warning("matrix: file %s not fetched: %s", url, resp)
            return None
        body = bytes(resp.body)
        if len(body) > self._max_upload_bytes:
            return body  # the caller refuses it by its real size
        if not isinstance(encrypted, dict):
            return body
        try:
            plain: bytes = decrypt_attachment(
                body,
                encrypted["key"]["k"],
                encrypted["hashes"]["sha256"],
                encrypted["iv"],
            )
        except (KeyError, TypeError, ValueError, EncryptionError) as exc:
            log.warning("matrix: file %s not decrypted: %s", url, exc)
            return None
        return plain

    async def _undecryptable(self, room_id: str, source: dict[str, Any]) -> None:
        """An encrypted event the bot has no key for (sent before it joined, keys withheld,
        a device whose keys it never got) or, with encryption off, any encrypted event: tell
        the room, so the person sends it again instead of waiting for ever."""
        sender = str(source.get("sender", ""))
        content = source.get("content") or {}
        log.warning(
            "matrix event %s in %s from %s (device %s, session %s) could not be decrypted",
            source.get("event_id"),
            room_id,
            sender,
            content.get("device_id"),
            content.get("session_id"),
        )
        info = await self._room(room_id)
        every = (
            self._notice_seconds
            if self._private(room_id, info)
            else max(self._notice_seconds, GROUP_UNDECRYPTABLE_NOTICE_SECONDS)
        )
        now = time.monotonic()
        last = self._noticed.get(room_id)
        if last is not None and now - last < every:
            return
        if len(self._noticed) > 10_000:
            self._noticed = {r: t for r, t in self._noticed.items() if now - t < every}
        self._noticed[room_id] = now
        key = "matrix.undecryptable" if self.encryption else "matrix.encryption_off"
        lang = (
            await self._member_language(Identity(transport=NAME, user_id=sender))
            if self._member_language is not None
            else None
        )
        # A stranger's language is unknown: all three, as on the first contact.
        text = self._t(lang, key) if lang else "\n\n".join(self._t.all_forms(key))
        await self._reply(room_id, Reply(text=text))

    async def _reply(self, room_id: str, reply: Reply) -> None:
        """Answer now, at the head of the account's pace; what cannot go within the reply wait
        (or fails for a reason that may pass) is handed to the outbox, never dropped."""
        target = reply.chat.chat_id if reply.chat and reply.chat.transport == NAME else room_id
        if self._deferral is not None and self._deferral.pending_replies(NAME, target):
            # Earlier answers to this chat wait in the outbox: this one goes behind them.
            await self._defer(target, reply, partial=False, why="an earlier answer waits")
            return
        deadline = time.monotonic() + self._reply_wait
        progress = _Progress()
        try:
            async with self.pacer.slot(
                target,
                messages=reply_messages(reply),
                priority=Priority.URGENT,
                wait=self._reply_wait,
            ):
                await self._deliver(target, reply, deadline=deadline, progress=progress)
        except SlotTimeout:
            await self._defer(target, reply, partial=False, why="the pace is full")
            return
        except asyncio.CancelledError:
            # Stopping while the answer waits for its turn: the next start delivers what has
            # not gone out (the event is handled and will not be answered again).
            await self._defer_rest(target, reply, progress, why="stop")
            raise
        except DeliveryError as exc:
            if exc.permanent or self._deferral is None:
                # A durable reply stays in the outbox all the same; the worker decides.
                log.warning("reply to %s not delivered: %s", target, exc)
                return
            await self._defer_rest(target, reply, progress, why=str(exc))
            return
        await mark_sent(reply, self._mark_delivered)

    async def _defer_rest(self, target: str, reply: Reply, progress: _Progress, why: str) -> None:
        rest = progress.rest(reply)
        if rest is None:
            await mark_sent(reply, self._mark_delivered)  # all of it went out after all
            return
        await self._defer(target, rest, partial=progress.started, why=why)

    async def _defer(self, target: str, reply: Reply, *, partial: bool, why: str) -> None:
        if self._deferral is None:
            log.warning("reply to %s not delivered (%s)", target, why)
            return
        log.info("matrix: reply to %s handed to the outbox (%s)", target, why)
        await self._deferral.defer_reply(NAME, target, reply, partial=partial)

    # -- sending -----------------------------------------------------------------------------

    async def deliver(self, chat_id: str, reply: Reply) -> None:
        """Send as new message(s): a document first, then the text; the options go last.

        Rate limits are waited out, each message retried with its own transaction id (so the
        homeserver never stores one twice). Raises DeliveryError: Unreachable when the bot is
        not in the room any more, permanent for other refusals; network errors and 5xx are
        retryable.
        """
        await self._deliver(chat_id, reply)

    async def _deliver(
        self,
        chat_id: str,
        reply: Reply,
        *,
        deadline: float | None = None,
        progress: _Progress | None = None,
    ) -> None:
        done = progress or _Progress()
        try:
            room_id = await self._room_for(chat_id, deadline)
            encrypted = await self._encrypted(room_id)
            if reply.document is not None:
                url, keys = await self._upload(reply.document, encrypted, deadline)
                await self._send(
                    room_id,
                    file_content(reply.document, url, self._commands, encryption=keys),
                    deadline,
                )
                done.document_sent = True
                if not reply.text and not reply.choices:
                    return
            parts = (
                split_message(reply.text, MATRIX_TEXT_BYTES, matrix_size) if reply.text else [""]
            )
            done.parts = list(parts)
            choices = reply.flat_choices()

            async def send_part(part: str, last: bool) -> None:
                if part or (last and choices):
                    await self._send(
                        room_id,
                        text_content(part, choices if last else [], self._commands),
                        deadline,
                    )
                if done.parts_sent < len(done.parts) and done.parts[done.parts_sent] == part:
                    done.parts_sent += 1

            await send_parts(
                parts,
                send_part,
                measure=matrix_size,
                notice=self._too_long_notice,
                where=f"matrix room {room_id}",
            )
        except NETWORK_ERRORS as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

    async def _send(
        self, room_id: str, content: dict[str, Any], deadline: float | None = None
    ) -> None:
        if await self._encrypted(room_id):
            await self._known_devices()
            await self._trust_members(room_id)
        try:
            # In an encrypted room matrix-nio shares the room key first and encrypts; every
            # device of everyone in the room gets the key (as Element does by default),
            # verified or not: a stranger bringing an invite code must be able to read the
            # answer. Unverified devices are only marked "ignored" by this. One transaction
            # id for all tries: a try the homeserver did store is not stored again.
            resp = await self._rate_limited(
                partial(
                    self.client.room_send,
                    room_id,
                    "m.room.message",
                    content,
                    tx_id=uuid.uuid4().hex,
                    ignore_unverified_devices=True,
                ),
                deadline=deadline,
                paces=True,
            )
        except (nio.LocalProtocolError, nio.SendRetryError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if isinstance(resp, nio.RoomSendError):
            raise delivery_error(resp)

    async def _upload(
        self, document: Document, encrypt: bool, deadline: float | None = None
    ) -> tuple[str, dict[str, Any] | None]:
        """The file's mxc URL, and for an encrypted room the keys to read it (the homeserver
        only ever holds the encrypted bytes)."""

        async def upload() -> tuple[Any, dict[str, Any] | None]:
            answer: tuple[Any, dict[str, Any] | None] = await self.client.upload(
                io.BytesIO(document.data),
                content_type="application/octet-stream" if encrypt else document.mime_type,
                filename=document.filename,
                encrypt=encrypt,
                filesize=len(document.data),
            )
            return answer

        resp, keys = await self._rate_limited(upload, deadline=deadline, answer=lambda r: r[0])
        if not isinstance(resp, nio.UploadResponse):
            raise delivery_error(resp)
        return str(resp.content_uri), keys if encrypt else None

    # -- encryption --------------------------------------------------------------------------

    async def _encrypted(self, room_id: str) -> bool:
        """Whether sends to this room must be encrypted. With encryption on, matrix-nio must
        know the room first (it refuses to send to one it does not): wait for a sync to bring
        a room just created or joined."""
        if not self.encryption:
            return False
        try:
            await asyncio.wait_for(self._ready.wait(), ROOM_WAIT_SECONDS)
        except TimeoutError:
            raise DeliveryError("matrix: no sync yet", retry_after=5.0) from None
        deadline = time.monotonic() + ROOM_WAIT_SECONDS
        while room_id not in self.client.rooms or not self._invitees_known(room_id):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if room_id in self.client.rooms:
                    # The invitation never showed (withdrawn at once?): send all the same.
                    self._invitees.pop(room_id, None)
                    break
                resp = await self.client.joined_members(room_id)
                if isinstance(resp, nio.JoinedMembersError):
                    raise delivery_error(resp)  # not in that room: Unreachable
                raise DeliveryError(f"room {room_id} not synced yet", retry_after=5.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._synced.wait(), remaining)
        return bool(self.client.rooms[room_id].encrypted)

    def _invitees_known(self, room_id: str) -> bool:
        """Whether matrix-nio's state of a room the bot created shows the people it invited:
        the room key goes to the members it knows, so a first message sent before the sync
        brought the invitation would be encrypted for nobody."""
        waiting = self._invitees.get(room_id)
        if not waiting:
            return True
        if waiting <= set(self.client.rooms[room_id].users):
            del self._invitees[room_id]
            return True
        return False

    async def _known_devices(self) -> None:
        """The devices of everyone in the encrypted rooms, asked for now if a sync brought
        people whose devices the bot does not know yet (the sync's own chores would ask only
        after this send). Without it the room key of a room just created, or just joined by
        someone, would be shared with none of their devices, and they could not read it."""
        async with self._keys_lock:
            if not self.client.should_query_keys:
                return
            resp = await self.client.keys_query()
            if isinstance(resp, nio.KeysQueryError):
                log.warning("matrix: device keys query before a send failed: %s", resp)

    async def _trust_members(self, room_id: str) -> None:
        """Trust on first use: a member's devices that the bot has not judged yet are marked
        verified (in the crypto store) as the bot first writes to them. Their keys are those
        the device showed first; matrix-nio refuses a changed Ed25519 key for a known device."""
        if self._member_language is None:
            return
        room = self.client.rooms.get(room_id)
        if room is None:
            return
        for user_id in list(room.users):
            if user_id == self.user_id:
                continue
            fresh = [
                d
                for d in self.client.device_store.active_user_devices(user_id)
                if not d.verified and not d.blacklisted
            ]
            if not fresh:
                continue
            if await self._member_language(Identity(transport=NAME, user_id=user_id)) is None:
                continue  # not a member (yet): encrypted to, not trusted
            for device in fresh:
                self.client.verify_device(device)
                log.info("matrix: trusting device %s of member %s on first use", device.id, user_id)

    async def _room_for(self, chat_id: str, deadline: float | None = None) -> str:
        """A room id as it is; a user id (a member who joined in a group room) becomes the
        direct room the bot opens with them once and remembers."""
        if not chat_id.startswith("@"):
            return chat_id
        stored = await self._stored(DM_KEY + chat_id)
        if stored:
            return stored
        resp = await self._rate_limited(
            partial(
                self.client.room_create,
                visibility=nio.RoomVisibility.private,
                preset=nio.RoomPreset.trusted_private_chat,
                is_direct=True,
                invite=[chat_id],
                # Encrypted from its creation, as Element creates direct chats: the first
                # message is already encrypted for the invited person's devices (matrix-nio
                # shares the room key with invited members too). Without a crypto store the
                # bot could not write in it, so the room stays unencrypted then.
                initial_state=[ENCRYPTION_STATE] if self.encryption else (),
            ),
            deadline=deadline,
        )
        if not isinstance(resp, nio.RoomCreateResponse):
            raise delivery_error(resp)
        self._invitees[str(resp.room_id)] = {chat_id}
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
