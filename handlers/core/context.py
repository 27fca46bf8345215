"""What every handler is given: built once by bot/app.py, passed explicitly, never global.

A handler reaches the database through its Turn (a job outside any chat through its Job): the
connection for storage's repositories, ``flow`` for the chat's conversation state, ``notify``
for outbox rows and ``audit`` for the audit log (storage.work.Work). Nothing else in
handlers/ touches conversations, outbox rows or SQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import InitVar, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from handlers.coordination.file_renderers import Renderers
from handlers.core.events import Incoming, Reply
from handlers.core.file_limits import FileLimits
from handlers.core.limits import RateLimiter
from handlers.core.offload import ReportSlots
from handlers.core.room_people import RoomFacts, RoomPeople
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Language, Translator
from storage.db import Database
from storage.flow import NOT_READ, ChatFlow, ChatKey, NotRead
from storage.invites import InviteKey
from storage.models import Actor, ConversationState, Identity, Member, Role
from storage.work import Work

if TYPE_CHECKING:
    from handlers.core.registry import Registry
    from handlers.requests.spreadsheet_reader import SheetFiles


@dataclass
class BotLinks:
    """How people reach the bot, learnt from the platforms when transports start."""

    telegram_username: str | None = None
    matrix_user_id: str | None = None

    def telegram_start_link(self, code: str) -> str | None:
        if not self.telegram_username:
            return None
        return f"https://t.me/{self.telegram_username}?start={code}"


@dataclass(frozen=True)
class Policy:
    bootstrap_admins: frozenset[Identity] = frozenset()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))
    default_language: Language = "uk"
    invite_days: int = 7
    max_text_length: int = 4000
    # A durable reply that the transport has not marked sent after this long is the worker's.
    reply_grace_seconds: float = 60.0
    # Messages a member may send per minute before a polite refusal.
    rate_limit_per_minute: int = 20
    max_attachment_bytes: int = 10_000_000
    # Wrong invite codes an identity may try per hour before a cool-down.
    invite_attempts_per_hour: int = 5
    # Free-text notes of closed requests are cleared after this many days.
    retention_days: int = 365
    # Where /backup writes its timestamped copies of the database.
    backup_dir: Path = Path("data/backups")
    # The Matrix crypto store's folder (bot/matrix_store.py), copied beside every backup of the
    # database: without it a restored bot cannot read its encrypted rooms. None: no Matrix.
    matrix_store_dir: Path | None = None
    # Colleagues' notices about a new request (outbox kind 'colleague'): at most one message
    # per colleague per this many seconds; those written meanwhile go together. 0: none held.
    colleague_batch_seconds: float = 300.0


@dataclass(frozen=True)
class HandlerContext:
    db: Database
    t: Translator
    catalog: Catalog
    clock: Callable[[], datetime]
    policy: Policy
    links: BotLinks
    renderers: Renderers
    # Keys the invite codes' MACs; read from its own file by bot/, never from the database.
    invite_key: InviteKey
    # Per-person message counts (handlers/core/limits.py); one per process, built by bot/app.py.
    limiter: RateLimiter = field(default_factory=RateLimiter)
    # Reports (exports, charts, digests) take turns here: one draws at a time.
    reports: ReportSlots = field(default_factory=ReportSlots)
    # Who is in a chat, asked of the transport that serves it (handlers/core/room_people.py).
    rooms: RoomPeople = field(default_factory=RoomPeople)
    # The largest file each platform takes (handlers/core/file_limits.py): exports past it
    # come in parts.
    file_limits: FileLimits = field(default_factory=FileLimits)
    # Uploaded spreadsheets to rows (bot/sheet_files.py); None: files are not read.
    sheets: SheetFiles | None = None

    @asynccontextmanager
    async def job(self, name: str) -> AsyncIterator[Job]:
        """One transaction of work outside any chat; ``name`` is who its audit rows name."""
        async with self.db.transaction() as conn:
            yield Job(ctx=self, conn=conn, now=self.clock(), name=name)


# A report a handler leaves for after its turn's commit (see ``Turn.after_commit``).
AfterCommit = Callable[[], Awaitable[list[Reply]]]


@dataclass(kw_only=True)
class Turn(Work):
    """One incoming event being handled, inside one database transaction."""

    ctx: HandlerContext
    incoming: Incoming
    member: Member | None
    lang: Language
    registry: Registry
    # Set when subscriptions were added or removed, so the scheduler reloads its jobs.
    changed_subscriptions: bool = False
    # Who the transport said is in the chat besides the bot, asked before the turn's
    # transaction (None: it cannot tell). The room policy decides what that allows.
    room: RoomFacts | None = None
    # Reports (/export, /chart, /digest): the engine starts these after the turn's COMMIT, as
    # tasks of their own with no transaction open and no lock held; their replies go to the
    # turn's chat through the outbox. Rendering inside the turn would hold the write lock every
    # other chat waits for, and awaiting it would hold up the transport's next batch.
    after_commit: list[AfterCommit] = field(default_factory=list)
    # The sender's conversation in this chat as the engine read it with BEGIN. A turn built
    # without it (tests) reads it when first asked.
    conversation: InitVar[ConversationState | NotRead | None] = NOT_READ
    flow: ChatFlow = field(init=False, repr=False)

    def __post_init__(self, conversation: ConversationState | NotRead | None) -> None:
        chat = self.incoming.chat
        key = ChatKey(
            transport=chat.transport, chat_id=chat.chat_id, user_id=self.incoming.sender.user_id
        )
        self.flow = ChatFlow(self.conn, key, self.now, conversation)

    @property
    def actor(self) -> Actor:
        """The sender; ``member`` may change during the turn (joined, forgotten)."""
        if self.member is not None:
            return Actor(id=self.member.id, label=str(self.member.identity))
        return Actor(id=None, label=str(self.incoming.sender))

    def tr(self, key: str, **args: object) -> str:
        return self.ctx.t(self.lang, key, **args)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.ctx.policy.timezone).date()

    @property
    def roles(self) -> frozenset[Role]:
        if self.member is None or not self.member.active:
            return frozenset()
        return self.member.roles


# The name the audit log gives the bot's scheduled upkeep (retention, re-confirmation).
HOUSEKEEPING = "housekeeping"


@dataclass(kw_only=True)
class Job(Work):
    """Work outside any chat turn (digests, housekeeping, the menus at start), through the same
    door as a turn: ``conn`` for storage's repositories, ``notify``, ``audit``."""

    ctx: HandlerContext
    name: str

    @property
    def actor(self) -> Actor:
        return Actor(id=None, label=self.name)
