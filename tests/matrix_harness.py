"""A real Synapse homeserver on 127.0.0.1 for tests, plus matrix-nio helpers.

Synapse runs from its own virtualenv (``make synapse``) because its pinned dependencies must
not mix with the bot's. The interpreter is found through ``AIDBRIDGE_SYNAPSE_PYTHON`` (the
Makefile sets it) or ``<repo>/.venv-synapse/bin/python``.

Typical use::

    async with Homeserver() as hs:
        alice = await hs.register("alice")
        bob = await hs.register("bob")
        a, b = hs.client(alice), hs.client(bob)
        room_id = await create_dm(a, bob.user_id)
        await join(b, await wait_for_invite(b))
        await send_text(a, room_id, "hi", "<b>hi</b>")
        [content] = await next_messages(b, room_id, sender=alice.user_id)

The sync helpers (``next_messages``, ``wait_for_invite``) keep a per-client inbox: whatever a
sync brings that the current call does not want (another room, another sender, an invite) is
kept for a later call instead of being dropped. They assume they are the only ones syncing that
client; a client driven by ``sync_forever`` elsewhere would consume events they never see.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import tempfile
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import aiohttp
import nio
from nio.store import SqliteStore

REPO_ROOT = Path(__file__).resolve().parents[1]
SYNAPSE_PYTHON_ENV = "AIDBRIDGE_SYNAPSE_PYTHON"
DEFAULT_SERVER_NAME = "aidbridge.test"

STARTUP_TIMEOUT = 60.0
STOP_GRACE = 5.0

# Every client-side limiter that Synapse 1.163 reads with RatelimitSettings.parse. Synapse looks
# the keys up with dict.get, so a misspelt or renamed key is silently ignored and the strict
# default (rc_message is 0.2/s) comes back; test_matrix_harness checks the parsed config so a
# future Synapse that renames one fails loudly instead of making tests flaky.
_RELAXED: dict[str, float] = {"per_second": 10000, "burst_count": 100000}
RATE_LIMITS: dict[str, Any] = {
    "rc_message": _RELAXED,
    "rc_registration": _RELAXED,
    "rc_registration_token_validity": _RELAXED,
    "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
    "rc_admin_redaction": _RELAXED,
    "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
    "rc_joins_per_room": _RELAXED,
    "rc_key_requests": _RELAXED,
    "rc_3pid_validation": _RELAXED,
    "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
    "rc_third_party_invite": _RELAXED,
    "rc_media_create": _RELAXED,
    "rc_presence": {"per_user": _RELAXED},
    "rc_delayed_event_mgmt": _RELAXED,
    "rc_room_creation": _RELAXED,
    "rc_reports": _RELAXED,
    "rc_user_directory": _RELAXED,
    "rc_profile": _RELAXED,
    # rc_federation has its own shape (FederationRatelimitSettings(**value)): per_second or
    # burst_count there would be a TypeError at start-up. No federation listener runs, so this
    # only keeps the config self-consistent if one is ever added.
    "rc_federation": {
        "window_size": 1000,
        "sleep_limit": 100000,
        "sleep_delay": 1,
        "reject_limit": 100000,
        "concurrent": 1000,
    },
}

# What the sync helpers put in an encrypting client's inbox for a message it could not decrypt.
UNDECRYPTED = "(could not be decrypted)"

# Sync filter for the helpers: the default timeline limit of 10 per room would silently cut a
# burst of messages ("limited": true) and next_messages would then wait for events it never gets.
_SYNC_FILTER: dict[str, Any] = {"room": {"timeline": {"limit": 1000}}}


class MatrixHarnessError(RuntimeError):
    """A homeserver or client-server call in the harness failed."""


class SynapseNotInstalledError(MatrixHarnessError):
    """Synapse's interpreter is missing; ``make synapse`` creates it."""


def find_synapse_python() -> Path:
    """Return the interpreter of Synapse's virtualenv, or raise with how to install it."""
    configured = os.environ.get(SYNAPSE_PYTHON_ENV)
    python = Path(configured) if configured else REPO_ROOT / ".venv-synapse" / "bin" / "python"
    if not python.exists():
        origin = f"${SYNAPSE_PYTHON_ENV}" if configured else "the default location"
        raise SynapseNotInstalledError(
            f"Synapse's python not found at {python} ({origin}). "
            f"Run `make synapse` in {REPO_ROOT} to create .venv-synapse."
        )
    return python


def unique_localpart(prefix: str) -> str:
    """A localpart that no other test of the session has registered (they share one server)."""
    return f"{prefix}-{secrets.token_hex(4)}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _make_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"({path.name} was not written)"
    return "\n".join(text.splitlines()[-lines:]) or f"({path.name} is empty)"


@dataclass(frozen=True)
class RegisteredUser:
    user_id: str
    access_token: str
    device_id: str
    password: str


class Homeserver:
    """One Synapse process with its data in a directory that survives ``stop()``/``start()``.

    ``stop()`` only ends the process, so ``stop(); start()`` (or ``restart()``) comes back on the
    same port with the same users, rooms and media. ``close()`` (and leaving ``async with``) also
    closes the clients made by ``client()`` and removes the data directory if the harness made it.
    """

    def __init__(
        self,
        *,
        python: Path | None = None,
        data_dir: Path | None = None,
        port: int | None = None,
        server_name: str = DEFAULT_SERVER_NAME,
        default_rate_limits: bool = False,
    ) -> None:
        self.python = python if python is not None else find_synapse_python()
        self._owns_dir = data_dir is None
        self.data_dir = (
            Path(tempfile.mkdtemp(prefix="aidbridge-synapse-")) if data_dir is None else data_dir
        )
        self.port = port if port is not None else _free_port()
        self.server_name = server_name
        # Synapse's own defaults (rc_message 0.2/s after a burst of 10, joins 0.1/s after 10,
        # ...), as a homeserver set up from its documentation has them; the relaxed limits
        # otherwise. With the defaults, give test people override_unlimited() so that only
        # the bot meets them.
        self.default_rate_limits = default_rate_limits
        self.config_path = self.data_dir / "homeserver.yaml"
        self.log_path = self.data_dir / "homeserver.log"
        self.output_path = self.data_dir / "synapse.out"
        # Kept in the instance rather than in a file we re-read: a restart must reuse it.
        self._shared_secret = secrets.token_hex(32)
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        self._clients: list[Any] = []
        self.last_start_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- process lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self.running:
            raise MatrixHarnessError(f"Synapse is already running at {self.url}")
        if not self.config_path.exists():
            self._write_config()
        if _port_in_use(self.port):
            # Without this check the readiness poll could be answered by whatever holds the port.
            raise MatrixHarnessError(f"port {self.port} on 127.0.0.1 is already in use")

        env = dict(os.environ)
        # The test run's own interpreter settings must not leak into Synapse's virtualenv.
        for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            env.pop(name, None)

        began = time.monotonic()
        with self.output_path.open("ab") as output:
            self._process = await asyncio.create_subprocess_exec(
                str(self.python),
                "-m",
                "synapse.app.homeserver",
                "--config-path",
                str(self.config_path),
                cwd=self.data_dir,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                # A file, not a pipe: nobody reads a pipe while tests run, and a full one would
                # block Synapse.
                stdout=output,
                stderr=output,
            )
        # Fixture teardown normally stops Synapse; this covers an interpreter exit that skips it.
        atexit.register(self._kill_at_exit)
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            await self._wait_until_ready(began + STARTUP_TIMEOUT)
        except BaseException:
            await self.stop()
            raise
        self.last_start_seconds = time.monotonic() - began

    async def _wait_until_ready(self, deadline: float) -> None:
        assert self._process is not None and self._http is not None
        versions = f"{self.url}/_matrix/client/versions"
        while True:
            if self._process.returncode is not None:
                raise MatrixHarnessError(
                    f"Synapse exited with code {self._process.returncode} during start-up "
                    f"(is it installed? `make synapse`).\n{self._diagnostics()}"
                )
            try:
                async with self._http.get(versions) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise MatrixHarnessError(
                    f"Synapse did not answer {versions} within {STARTUP_TIMEOUT:.0f} s.\n"
                    f"{self._diagnostics()}"
                )
            await asyncio.sleep(0.05)

    def _diagnostics(self) -> str:
        return (
            f"--- tail of {self.output_path} ---\n{_tail(self.output_path)}\n"
            f"--- tail of {self.log_path} ---\n{_tail(self.log_path)}"
        )

    async def stop(self) -> None:
        """End the process (SIGTERM, SIGKILL after 5 s) and keep the data for a later start()."""
        if self._http is not None:
            await self._http.close()
            self._http = None
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self._kill_at_exit)
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_GRACE)
            except TimeoutError:
                process.kill()
                await process.wait()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def close(self) -> None:
        """Close the harness's clients, stop Synapse and remove a data directory it created."""
        clients, self._clients = self._clients, []
        for client in clients:
            await client.close()
        await self.stop()
        if self._owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _kill_at_exit(self) -> None:
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGKILL)

    def _write_config(self) -> None:
        # Plain file writes from a sync helper: two small files once per server, not worth a
        # thread hop.
        log_config = {
            "version": 1,
            "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "plain",
                    "filename": str(self.log_path),
                    "encoding": "utf-8",
                }
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }
        log_config_path = self.data_dir / "log.yaml"
        log_config_path.write_text(json.dumps(log_config, indent=2), encoding="utf-8")

        config: dict[str, Any] = {
            "server_name": self.server_name,
            "public_baseurl": f"{self.url}/",
            "pid_file": str(self.data_dir / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(self.data_dir / "homeserver.db")},
            },
            "media_store_path": str(self.data_dir / "media_store"),
            "max_upload_size": "50M",
            "signing_key_path": str(self.data_dir / "signing.key"),
            "log_config": str(log_config_path),
            # Without report_stats Synapse refuses to start and asks for a decision.
            "report_stats": False,
            "registration_shared_secret": self._shared_secret,
            "enable_registration": False,
            # Password hashing dominates registration and login time at the default 12 rounds.
            "bcrypt_rounds": 4,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            **({} if self.default_rate_limits else RATE_LIMITS),
        }
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")

    # -- users and clients -------------------------------------------------------------------

    async def register(
        self, localpart: str, password: str | None = None, admin: bool = False
    ) -> RegisteredUser:
        """Create a user through the shared-secret admin API; the answer carries a token."""
        if self._http is None:
            raise MatrixHarnessError("the homeserver is not running")
        password = password if password is not None else secrets.token_urlsafe(16)
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        async with self._http.get(endpoint) as resp:
            nonce_body = await self._json_or_raise(resp, "GET register nonce")
        nonce: str = nonce_body["nonce"]

        mac = hmac.new(self._shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode()]))
        mac.update(b"\x00admin" if admin else b"\x00notadmin")
        payload = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        async with self._http.post(endpoint, json=payload) as resp:
            body = await self._json_or_raise(resp, f"register {localpart!r}")
        return RegisteredUser(
            user_id=body["user_id"],
            access_token=body["access_token"],
            device_id=body["device_id"],
            password=password,
        )

    @staticmethod
    async def _json_or_raise(resp: aiohttp.ClientResponse, what: str) -> dict[str, Any]:
        text = await resp.text()
        if resp.status != 200:
            raise MatrixHarnessError(f"{what}: HTTP {resp.status}: {text}")
        body: dict[str, Any] = json.loads(text)
        return body

    def client(self, user: RegisteredUser) -> nio.AsyncClient:
        """A logged-in matrix-nio client (no login round trip, no store, no encryption)."""
        config = nio.AsyncClientConfig(
            # nio retries 429s and connection errors forever by default, which turns a broken
            # server or a rate limit that came back into a hanging test. One 429 is an error
            # here; two connection retries cover the stale keep-alive connection after restart().
            max_limit_exceeded=0,
            max_timeouts=2,
            request_timeout=30,
            encryption_enabled=False,
            store_sync_tokens=False,
        )
        client = nio.AsyncClient(self.url, user.user_id, device_id=user.device_id, config=config)
        client.restore_login(user.user_id, user.device_id, user.access_token)
        self._clients.append(client)
        return client

    async def e2e_client(self, user: RegisteredUser, store_dir: Path) -> nio.AsyncClient:
        """A matrix-nio client with end-to-end encryption and its own store in ``store_dir``,
        its device keys published. Send with ``e2e_send_text``; the sync helpers below read
        what it decrypted."""
        _make_dir(store_dir)
        config = nio.AsyncClientConfig(
            max_limit_exceeded=0,
            max_timeouts=2,
            request_timeout=30,
            encryption_enabled=True,
            store=SqliteStore,
            store_sync_tokens=False,
        )
        client = nio.AsyncClient(
            self.url,
            user.user_id,
            device_id=user.device_id,
            store_path=str(store_dir),
            config=config,
        )
        client.restore_login(user.user_id, user.device_id, user.access_token)
        self._clients.append(client)
        resp = await client.keys_upload()
        if not isinstance(resp, nio.KeysUploadResponse):
            raise MatrixHarnessError(f"keys upload for {user.user_id} failed: {resp}")
        return client

    async def new_device(self, user: RegisteredUser) -> RegisteredUser:
        """Log ``user`` in again: the same account on a new device with its own token."""
        if self._http is None:
            raise MatrixHarnessError("the homeserver is not running")
        body = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user.user_id},
            "password": user.password,
        }
        async with self._http.post(f"{self.url}/_matrix/client/v3/login", json=body) as resp:
            answer = await self._json_or_raise(resp, f"login {user.user_id}")
        return RegisteredUser(
            user_id=user.user_id,
            access_token=answer["access_token"],
            device_id=answer["device_id"],
            password=user.password,
        )

    async def raw_events(self, user: RegisteredUser, room_id: str) -> list[dict[str, Any]]:
        """The room's latest events as the homeserver stores them (not decrypted), oldest
        first: to see that what the bot sent is encrypted on the wire."""
        if self._http is None:
            raise MatrixHarnessError("the homeserver is not running")
        async with self._http.get(
            f"{self.url}/_matrix/client/v3/rooms/{quote(room_id)}/messages",
            params={"dir": "b", "limit": "200"},
            headers={"Authorization": f"Bearer {user.access_token}"},
        ) as resp:
            body = await self._json_or_raise(resp, f"messages of {room_id}")
        chunk: list[dict[str, Any]] = body["chunk"]
        return list(reversed(chunk))


# -- client helpers ---------------------------------------------------------------------------


@dataclass
class _Inbox:
    """What syncs brought for one client and no helper call has consumed yet."""

    messages: dict[str, deque[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    invites: dict[str, None] = field(default_factory=dict)  # insertion-ordered set


_inboxes: weakref.WeakKeyDictionary[Any, _Inbox] = weakref.WeakKeyDictionary()


def _inbox(client: nio.AsyncClient) -> _Inbox:
    inbox = _inboxes.get(client)
    if inbox is None:
        inbox = _inboxes[client] = _Inbox()
    return inbox


async def _sync_into_inbox(client: nio.AsyncClient, wait_seconds: float) -> None:
    # A long poll: Synapse answers as soon as anything arrives for the user, or after the wait.
    # nio treats timeout=0 as "no timeout", hence at least 1 ms.
    resp = await client.sync(timeout=max(1, int(wait_seconds * 1000)), sync_filter=_SYNC_FILTER)
    if isinstance(resp, nio.SyncError):
        raise MatrixHarnessError(f"sync for {client.user_id} failed: {resp}")
    inbox = _inbox(client)
    for room_id, room in resp.rooms.join.items():
        inbox.invites.pop(room_id, None)
        for event in room.timeline.events:
            source: dict[str, Any] = event.source
            if source.get("type") == "m.room.message":
                queue = inbox.messages.setdefault(room_id, deque())
                queue.append((source.get("sender", ""), dict(source.get("content", {}))))
            elif source.get("type") == "m.room.encrypted" and client.olm is not None:
                # An encrypting client that got no key for a message: show it as such, so
                # a test fails on it instead of waiting for a message that never decrypts.
                queue = inbox.messages.setdefault(room_id, deque())
                queue.append(
                    (source.get("sender", ""), {"msgtype": UNDECRYPTED, "body": UNDECRYPTED})
                )
    for room_id in resp.rooms.leave:
        inbox.invites.pop(room_id, None)
    for room_id in resp.rooms.invite:
        inbox.invites[room_id] = None


def _take(inbox: _Inbox, room_id: str, sender: str | None, limit: int) -> list[dict[str, Any]]:
    """Remove and return up to ``limit`` matching messages, keeping the others in order."""
    taken: list[dict[str, Any]] = []
    kept: deque[tuple[str, dict[str, Any]]] = deque()
    for event_sender, content in inbox.messages.get(room_id, ()):
        if len(taken) < limit and (sender is None or event_sender == sender):
            taken.append(content)
        else:
            kept.append((event_sender, content))
    inbox.messages[room_id] = kept
    return taken


async def next_messages(
    client: nio.AsyncClient,
    room_id: str,
    *,
    sender: str | None = None,
    count: int = 1,
    timeout: float = 10,
) -> list[dict[str, Any]]:
    """Sync until ``count`` m.room.message events from ``sender`` (any if None) came in the room.

    Returns their contents (msgtype, body, formatted_body, url, info, ...) oldest first. A
    client that never synced gets the room's recent history in its first sync, so messages sent
    before this call are "new" to it; each message is returned at most once per client.
    """
    inbox = _inbox(client)
    found = _take(inbox, room_id, sender, count)
    deadline = time.monotonic() + timeout
    while len(found) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            others = [f"{s}: {c.get('body')!r}" for s, c in inbox.messages.get(room_id, ())]
            raise TimeoutError(
                f"{client.user_id} got {len(found)} of {count} messages from "
                f"{sender or 'anyone'} in {room_id} within {timeout} s; got {found!r}; "
                f"unconsumed messages in that room: {others}"
            )
        await _sync_into_inbox(client, remaining)
        found.extend(_take(inbox, room_id, sender, count - len(found)))
    return found


async def wait_for_invite(
    client: nio.AsyncClient,
    timeout: float = 10,
) -> str:
    """Sync until the client holds an invite it has not been handed yet; return its room id."""
    inbox = _inbox(client)
    deadline = time.monotonic() + timeout
    while not inbox.invites:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"{client.user_id} got no invite within {timeout} s")
        await _sync_into_inbox(client, remaining)
    room_id = next(iter(inbox.invites))
    del inbox.invites[room_id]
    return room_id


MEGOLM = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


async def create_dm(a_client: nio.AsyncClient, b_user_id: str, *, encrypted: bool = False) -> str:
    """Create a private direct room from A and invite B; return the room id (B must join).
    ``encrypted``: with end-to-end encryption from the start, as Element creates DMs."""
    resp = await a_client.room_create(
        visibility=nio.RoomVisibility.private,
        preset=nio.RoomPreset.trusted_private_chat,
        is_direct=True,
        invite=[b_user_id],
        initial_state=[MEGOLM] if encrypted else (),
    )
    if not isinstance(resp, nio.RoomCreateResponse):
        raise MatrixHarnessError(f"{a_client.user_id} could not create a DM: {resp}")
    room_id: str = resp.room_id
    return room_id


async def join(client: nio.AsyncClient, room_id: str) -> None:
    resp = await client.join(room_id)
    if not isinstance(resp, nio.JoinResponse):
        raise MatrixHarnessError(f"{client.user_id} could not join {room_id}: {resp}")


async def send_text(
    client: nio.AsyncClient,
    room_id: str,
    body: str,
    formatted_body: str | None = None,
    *,
    msgtype: str = "m.text",
) -> str:
    """Send a text (or, with msgtype="m.notice", a notice); return the event id."""
    content: dict[str, Any] = {"msgtype": msgtype, "body": body}
    if formatted_body is not None:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = formatted_body
    return await send_content(client, room_id, content)


async def e2e_send_text(client: nio.AsyncClient, room_id: str, body: str) -> str:
    """Send ``body`` from an encrypting client, as Element would: the room's members and
    their devices brought up to date first, then the room key shared, then the ciphertext."""
    await _sync_into_inbox(client, 0.001)
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    resp = await client.room_send(
        room_id,
        "m.room.message",
        {"msgtype": "m.text", "body": body},
        ignore_unverified_devices=True,
    )
    if not isinstance(resp, nio.RoomSendResponse):
        raise MatrixHarnessError(f"{client.user_id} could not send to {room_id}: {resp}")
    event_id: str = resp.event_id
    return event_id


async def send_content(client: nio.AsyncClient, room_id: str, content: dict[str, Any]) -> str:
    """Send any m.room.message content (images, files, ...); return the event id."""
    resp = await client.room_send(room_id, "m.room.message", content)
    if not isinstance(resp, nio.RoomSendResponse):
        raise MatrixHarnessError(f"{client.user_id} could not send to {room_id}: {resp}")
    event_id: str = resp.event_id
    return event_id


async def drain_messages(
    client: nio.AsyncClient, room_id: str, *, sender: str | None = None
) -> list[dict[str, Any]]:
    """Every message from ``sender`` already on the server that this client has not taken.

    For "what did the bot answer": once the bot's sends have returned, its messages are stored,
    so one immediate sync brings them all, however many there are.
    """
    await _sync_into_inbox(client, 0.001)
    return _take(_inbox(client), room_id, sender, 10**6)


async def wait_until_joined(
    client: nio.AsyncClient, room_id: str, user_id: str, *, timeout: float = 10
) -> None:
    """Poll the room's members until ``user_id`` has joined (e.g. a bot accepting an invite)."""
    deadline = time.monotonic() + timeout
    while True:
        resp = await client.joined_members(room_id)
        if isinstance(resp, nio.JoinedMembersResponse) and any(
            m.user_id == user_id for m in resp.members
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{user_id} did not join {room_id} within {timeout} s")
        await asyncio.sleep(0.02)


async def joined_user_ids(client: nio.AsyncClient, room_id: str) -> set[str]:
    resp = await client.joined_members(room_id)
    if not isinstance(resp, nio.JoinedMembersResponse):
        raise MatrixHarnessError(f"members of {room_id}: {resp}")
    return {m.user_id for m in resp.members}


async def override_unlimited(hs: Homeserver, admin: RegisteredUser, user_id: str) -> None:
    """Lift every rate limit for ``user_id`` (Synapse's override_ratelimit with zeros)."""
    await admin_post(
        hs,
        admin,
        f"/_synapse/admin/v1/users/{quote(user_id)}/override_ratelimit",
        {"messages_per_second": 0, "burst_count": 0},
    )


async def admin_post(hs: Homeserver, admin: RegisteredUser, path: str, body: Any) -> Any:
    """POST to Synapse's admin API as ``admin`` (registered with admin=True)."""
    if hs._http is None:
        raise MatrixHarnessError("the homeserver is not running")
    async with hs._http.post(
        f"{hs.url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {admin.access_token}"},
    ) as resp:
        return await hs._json_or_raise(resp, f"POST {path}")
