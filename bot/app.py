"""The composition root: settings -> database -> engine -> transports -> outbox worker.

Everything is built here, explicitly, and handed down; nothing is looked up globally.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.config import DEFAULT_TELEGRAM_API, Settings
from bot.file_renderers import FileRenderers
from bot.http_server import HttpServer
from bot.invite_key import load_invite_key
from bot.matrix_store import prepare_store
from bot.metrics import Metrics
from bot.outbox import OutboxClaims, OutboxWorker
from bot.pacing import Pacer
from bot.replicas import (
    SCHEDULER_LEASE,
    SHARED_CHAT_INTERVAL,
    SHARED_PER_SECOND,
    AlwaysHeld,
    ChatLeases,
    LeaseKeeper,
    SharedPace,
    replica_id,
)
from bot.scheduler import DigestScheduler
from bot.sheet_files import SheetFiles
from bot.transports.base import CommandMenus, RetryPolicy, Transport
from bot.transports.console import ConsoleTransport
from bot.transports.matrix import MatrixTransport
from bot.transports.telegram import TelegramTransport, WebhookSettings
from bot.transports.webhook import derive_secret
from handlers.core.command_menus import sync_menus
from handlers.core.context import BotLinks, HandlerContext, Policy
from handlers.core.engine import Engine
from handlers.core.events import Incoming, Reply
from handlers.core.limits import RateLimiter
from handlers.core.offload import ReportSlots
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Language, Translator, normalise_language
from storage import members, organisations, places
from storage.db import Checkpointer, Database, open_database
from storage.invites import InviteKey
from storage.migrations import migrate
from storage.models import Identity

log = logging.getLogger(__name__)

LOCAL_CONSOLE = Identity(transport="console", user_id="local")
SWITCH_INTERVAL_SECONDS = 0.0005


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    db: Database
    ctx: HandlerContext
    engine: Engine
    worker: OutboxWorker
    checkpointer: Checkpointer
    scheduler: DigestScheduler
    renderers: FileRenderers
    metrics: Metrics
    # The scheduler's lease (several replicas), or AlwaysHeld for one process.
    lease: LeaseKeeper | AlwaysHeld
    transports: dict[str, Transport] = field(default_factory=dict)
    # The HTTP server (webhook, health, metrics), when AIDBRIDGE_HTTP_LISTEN is set.
    http: HttpServer | None = None
    # Set by a transport that cannot go on (its token refused past the limit): run() stops
    # and raises it, so the process exits non-zero.
    fatal: BaseException | None = None
    failed: asyncio.Event = field(default_factory=asyncio.Event)

    def fail(self, error: BaseException) -> None:
        if self.fatal is None:
            self.fatal = error
        self.failed.set()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        transport = incoming.chat.transport
        started = time.perf_counter()
        try:
            replies = await self.engine.handle(incoming)
        except BaseException:
            self.metrics.updates.labels(transport, "error").inc()
            raise
        self.metrics.turn_seconds.labels(transport).observe(time.perf_counter() - started)
        self.metrics.updates.labels(transport, "handled").inc()
        return replies

    async def start(self) -> None:
        # First: a transport may wait long for its network, and the WAL must stay bounded
        # meanwhile (the console and the CLI write).
        await self.checkpointer.start()
        if self.http is not None:
            # Before the transports: a webhook set next is called at once.
            await self.http.start()
        for transport in self.transports.values():
            if isinstance(transport, ConsoleTransport):
                transport.banner = await self._first_steps()
            await transport.start()
            if isinstance(transport, TelegramTransport):
                self.ctx.links.telegram_username = transport.username
            if isinstance(transport, MatrixTransport):
                self.ctx.links.matrix_user_id = transport.user_id
        with_menus = {n for n, t in self.transports.items() if isinstance(t, CommandMenus)}
        if with_menus and await sync_menus(self.ctx, self.engine.registry, with_menus):
            self.worker.wake()
        await self.worker.start()
        self.metrics.resumed_at_start.set(self.worker.resumed_at_start)
        # The lease first: the scheduler's start-up catch-up runs only in its holder; a
        # replica that takes it later (its holder died) catches up then.
        await self.lease.start()
        if isinstance(self.lease, LeaseKeeper):
            self.lease.on_acquired = self.scheduler.catch_up
        await self.scheduler.start()
        # Everything built so far lives as long as the process: move it out of the
        # collector's sight, so full collections stay short and do not stall replies.
        gc.collect()
        gc.freeze()
        # Reports draw in a worker thread (handlers/offload.py) that shares the interpreter
        # lock with this loop. After each socket or database call the loop waits for the lock
        # behind the drawing thread for up to the switch interval, many times per message: at
        # the default 5 ms, chats slowed to seconds while an export drew; at 0.5 ms their p99
        # stayed in tens of ms (bench/loop_lag.py), and the drawing pays little for it.
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)

    async def _first_steps(self) -> str | None:
        """On an empty database, tell a newcomer the three commands that lead to a request."""
        async with self.db.read() as conn:
            if await organisations.list_organisations(conn):
                return None
        return (
            "No organisations yet. In another terminal:\n"
            '  .venv/bin/aidbridge org add --kind hospital --name "Лікарня №4" '
            '--raion Дніпровський --settlement Дніпро --address "вул. Прикладна, 1"\n'
            "  .venv/bin/aidbridge invite 1 requester\n"
            "then here: /start CODE, and /new."
        )

    async def stop(self) -> None:
        await self.checkpointer.stop()
        await self.scheduler.stop()
        await self.lease.stop()
        await self.worker.stop()
        for transport in reversed(list(self.transports.values())):
            try:
                await transport.stop()
            except Exception:
                log.exception("stopping %s failed", transport.name)
        if self.http is not None:
            # After the transports: webhook posts still waiting were answered 503 by now.
            await self.http.stop()
        # Reports still drawing get a moment to queue their files; the rest are dropped.
        await self.engine.close()
        await asyncio.to_thread(self.renderers.close)
        await self.db.close()


def make_context(
    settings: Settings,
    db: Database,
    clock: Callable[[], datetime] = utc_now,
    *,
    invite_key: InviteKey,
    renderers: FileRenderers,
) -> HandlerContext:
    lang: Language = settings.default_language  # type: ignore[assignment]
    return HandlerContext(
        db=db,
        t=Translator(),
        catalog=Catalog.default(),
        clock=clock,
        policy=Policy(
            bootstrap_admins=frozenset(settings.admins),
            timezone=settings.tz,
            default_language=lang,
            invite_days=settings.invite_days,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            max_attachment_bytes=settings.max_attachment_bytes,
            invite_attempts_per_hour=settings.invite_attempts_per_hour,
            retention_days=settings.retention_days,
            backup_dir=settings.backup_dir,
            # Always: a store left by an earlier Matrix set-up is copied as well.
            matrix_store_dir=settings.matrix_store_dir,
            colleague_batch_seconds=settings.colleague_batch_seconds,
        ),
        links=BotLinks(),
        renderers=renderers,
        invite_key=invite_key,
        limiter=RateLimiter(),
        reports=ReportSlots(),
        sheets=SheetFiles(),
    )


async def open_and_migrate(settings: Settings, *, background_checkpoints: bool = False) -> Database:
    url = settings.postgres_url
    db = await open_database(settings.db_path, url, background_checkpoints=background_checkpoints)
    try:
        applied = await migrate(db)
    except Exception:
        await db.close()
        raise
    if applied:
        log.info("database %s migrated to version %d", db.path, applied[-1])
    return db


def member_language_of(db: Database) -> Callable[[Identity], Awaitable[Language | None]]:
    """For a transport: an active member's language, None for anyone else (a transport may
    trust a member's devices, and speaks to a stranger in every language)."""

    async def member_language(identity: Identity) -> Language | None:
        async with db.read() as conn:
            member = await members.get_member_by_identity(conn, identity)
        if member is None or not member.active or member.forgotten_at is not None:
            return None
        return normalise_language(member.language)

    return member_language


async def build_app(
    settings: Settings,
    *,
    console_identity: Identity | None = None,
    console_io: tuple[TextIO, TextIO] | None = None,
    on_console_eof: Callable[[], None] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> App:
    """Telegram and Matrix when configured; the console when asked for or when nothing else is."""
    # Before the database: a key file others may read stops start-up with nothing opened.
    invite_key = load_invite_key(settings.invite_key_file)
    db = await open_and_migrate(settings, background_checkpoints=True)
    await asyncio.to_thread(places.warm)  # the codifier and its index, off the first message
    # `aidbridge run` with no platform configured, or `aidbridge console` without --as.
    local_console = console_identity == LOCAL_CONSOLE or (
        console_identity is None
        and settings.telegram_token is None
        and settings.matrix_homeserver is None
    )
    if local_console:
        # Whoever sits at the server's own terminal can run the CLI anyway: make the
        # plain console session an admin, so a newcomer can try every command.
        settings = settings.model_copy(update={"admins": [*settings.admins, LOCAL_CONSOLE]})
    # Files drawn in a process of their own: collecting a chart's garbage or closing a big
    # workbook would pause this one.
    renderers = FileRenderers(process=True)
    ctx = make_context(settings, db, clock, invite_key=invite_key, renderers=renderers)
    engine = Engine(ctx)
    transports: dict[str, Transport] = {}
    pacers: dict[str, Pacer] = {}
    console = console_identity or (LOCAL_CONSOLE if local_console else None)
    # Several replicas on this database (issue 16): who this one is, in leases and claims.
    replica = replica_id() if settings.replicas and console_identity is None else None
    worker = OutboxWorker(
        db,
        transports,
        pacers,
        clock,
        # A console delivers only to the identity typing at it (the console's chat id is the
        # identity's user id); other consoles on the same database deliver theirs.
        only_chats=frozenset({(console.transport, console.user_id)}) if console else None,
        claims=OutboxClaims(replica, settings.outbox_claim_seconds) if replica else None,
    )
    engine.on_outbox = worker.wake
    lease: LeaseKeeper | AlwaysHeld = (
        LeaseKeeper(db, SCHEDULER_LEASE, replica, ttl=settings.lease_seconds, clock=clock)
        if replica
        else AlwaysHeld()
    )
    scheduler = DigestScheduler(
        ctx,
        on_queued=worker.wake,
        clock=clock,
        lease=lease,
        # Subscriptions changed through another replica reach this one's jobs.
        resync=timedelta(seconds=max(5.0, settings.lease_seconds)) if replica else None,
    )
    engine.on_subscriptions_changed = scheduler.request_sync
    metrics = Metrics()
    db.on_group_commit = metrics.group_commit_turns.observe
    worker.on_result = lambda transport, result: metrics.deliveries.labels(transport, result).inc()

    def fired(late: float, queued: bool) -> None:
        metrics.scheduler_lag.set(late)
        if queued:
            metrics.digests.inc()

    scheduler.on_fired = fired
    metrics.lease_held.set_function(lambda: 1.0 if lease.held else 0.0)
    app = App(
        settings=settings,
        db=db,
        ctx=ctx,
        engine=engine,
        worker=worker,
        # SQLite's WAL only; PostgreSQL checkpoints itself (":memory:" starts no task).
        checkpointer=Checkpointer(db.path if db.engine == "sqlite" else ":memory:"),
        scheduler=scheduler,
        renderers=renderers,
        metrics=metrics,
        lease=lease,
        transports=transports,
    )
    retry = RetryPolicy(
        token_retry=settings.token_retry_seconds,
        token_give_up=settings.token_refused_exit_seconds,
    )
    if settings.telegram_token is not None and console_identity is None:
        transports["telegram"] = TelegramTransport(
            token=settings.telegram_token.get_secret_value(),
            api_url=settings.telegram_api_url or DEFAULT_TELEGRAM_API,
            handle=app.handle,
            mark_delivered=worker.mark_delivered,
            translator=ctx.t,
            registry=engine.registry,
            poll_timeout=settings.telegram_poll_timeout,
            rate_limiter=settings.telegram_rate_limiter,
            retry=retry,
            on_fatal=app.fail,
            webhook=_webhook_settings(settings),
            max_upload_bytes=settings.max_attachment_bytes,
        )
        factor = settings.telegram_pace_factor
        pacers["telegram"] = Pacer(overall_per_second=30 * factor, per_chat_interval=1.0 / factor)
        if replica:
            tg = transports["telegram"]
            assert isinstance(tg, TelegramTransport)
            tg.shared_pace = SharedPace(
                db,
                "telegram",
                per_second=SHARED_PER_SECOND * factor,
                chat_interval=SHARED_CHAT_INTERVAL / factor,
            ).wait
            if tg.webhook is not None:
                chats = ChatLeases(db, replica, ttl=settings.lease_seconds, clock=clock)
                tg.chat_guard = chats.hold
    if settings.matrix_homeserver is not None and console_identity is None:
        assert settings.matrix_user_id is not None  # Settings checks the set is complete
        token, password = settings.matrix_access_token, settings.matrix_password
        # One pace for the account, shared by the transport's direct answers and the outbox.
        # 10 messages/s is the most a homeserver lets an account send; when it limits less
        # (Synapse's default: a burst of 10, then 0.2/s), the pacer learns the limit from the
        # refusals and spaces the sends by it, answers and critical alerts first.
        matrix_pacer = Pacer(overall_per_second=10, per_chat_interval=0.2, learn_limits=True)
        matrix = MatrixTransport(
            homeserver=settings.matrix_homeserver,
            user_id=settings.matrix_user_id,
            access_token=token.get_secret_value() if token else None,
            password=password.get_secret_value() if password else None,
            device_id=settings.matrix_device_id,
            team_room=settings.matrix_team_room,
            db=db,
            handle=app.handle,
            accepts_invite=engine.accepts_invite,
            may_stay=engine.may_stay,
            mark_delivered=worker.mark_delivered,
            commands=engine.registry.commands,
            clock=clock,
            translator=ctx.t,
            retry=retry,
            on_fatal=app.fail,
            # Created 0700 here, before matrix-nio writes the first key into it.
            store_dir=prepare_store(settings.matrix_store_dir)
            if settings.matrix_encryption
            else None,
            member_language=member_language_of(db),
            pacer=matrix_pacer,
            deferral=worker,
            reply_wait_seconds=settings.matrix_reply_wait_seconds,
            room_changed=engine.room_changed,
            decline_reason=engine.invite_decline_reason,
            max_upload_bytes=settings.max_attachment_bytes,
        )
        transports["matrix"] = matrix
        # Who is in a room, for the engine's room policy: asked of the transport each time.
        ctx.rooms.register("matrix", matrix.room_people)
        # Exports past the homeserver's upload limit are sent in parts.
        ctx.file_limits.register("matrix", matrix.upload_limit)
        pacers["matrix"] = matrix_pacer
    listen = settings.listen_address
    if listen is not None and console_identity is None:
        app.http = HttpServer(
            host=listen[0],
            port=listen[1],
            db=db,
            metrics=metrics,
            transports={
                name: t.metrics
                for name, t in transports.items()
                if isinstance(t, (TelegramTransport, MatrixTransport))
            },
            clock=clock,
        )
        telegram = transports.get("telegram")
        if isinstance(telegram, TelegramTransport) and telegram.webhook is not None:
            app.http.add_webhook(telegram.webhook.path, telegram.webhook.handle)
    if not transports:
        identity = console_identity or LOCAL_CONSOLE
        stdin, stdout = console_io if console_io else (None, None)
        transports[identity.transport] = ConsoleTransport(
            identity=identity,
            handle=app.handle,
            mark_delivered=worker.mark_delivered,
            stdin=stdin,
            stdout=stdout,
            on_eof=on_console_eof,
            max_upload_bytes=settings.max_attachment_bytes,
            # Beside the database, as the console's log is: <database name>-files/<identity>/.
            files_dir=settings.db_path.with_name(f"{settings.db_path.stem}-files"),
        )
    return app


def _webhook_settings(settings: Settings) -> WebhookSettings | None:
    if settings.telegram_webhook_url is None or settings.telegram_token is None:
        return None
    secret = settings.telegram_webhook_secret
    return WebhookSettings(
        url=settings.telegram_webhook_url,
        secret=secret.get_secret_value()
        if secret is not None
        else derive_secret(settings.telegram_token.get_secret_value()),
        max_connections=settings.telegram_webhook_max_connections,
    )


async def run(settings: Settings, *, console_identity: Identity | None = None) -> None:
    """Run until SIGINT/SIGTERM (or end of input on the console).

    Raises what a transport reported as fatal (TokenRefused), after stopping everything.
    """
    stop = asyncio.Event()
    app = await build_app(settings, console_identity=console_identity, on_console_eof=stop.set)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(app.start())
    stopping = asyncio.create_task(stop.wait())
    failing = asyncio.create_task(app.failed.wait())
    try:
        # A signal while start-up still waits for the network ends it too, and so does a
        # transport that gave up while another one was still starting.
        await asyncio.wait({starting, stopping, failing}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # a start-up error (a refused token) surfaces here
            await asyncio.wait({stopping, failing}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        log.info("stopping")
        for task in (starting, stopping, failing):
            task.cancel()
        await asyncio.gather(starting, stopping, failing, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await app.stop()
    if app.fatal is not None:
        raise app.fatal
