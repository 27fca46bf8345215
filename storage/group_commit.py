"""Group commit of engine turns, the part both engines share (SQLite's Database, PostgreSQL's
PgDatabase): who waits for the write lock, when the shared transaction is committed, and how
its outcome reaches every turn of the group.

Each engine keeps its own steps: BEGIN and the turn's savepoint (``open_turn``), undoing a
failed turn to its savepoint (``_turn_failed``), the COMMIT (``_finish_group``), and anything
to do before a turn joins (``_prepare_turn``). The contract is told with
storage.db.Database.grouped_transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import aiosqlite

T = TypeVar("T")


class DatabaseLocked(RuntimeError):
    """The database stayed locked by another process past the busy timeout."""


class GroupCommitFailed(RuntimeError):
    """The commit shared by a group of turns failed: none of them took effect."""


@dataclass
class Group:
    """Engine turns sharing one transaction, each inside its own savepoint."""

    error: BaseException | None = None
    turns: int = 0


# What an engine's open step does: BEGIN when the turn is the group's first (the bool), the
# turn's savepoint (its name), the turn's first reads; it answers the connection and those.
OpenTurn = Callable[[Group, bool, str], Awaitable[tuple[aiosqlite.Connection, T]]]


class GroupCommit(ABC):
    """The write lock and the open group commit; an engine subclasses it (see the module)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        # The open group commit, if any: turns that finished their work but are not yet durable.
        self._group: Group | None = None
        # Engine turns waiting for the lock: while there are any, a finished turn leaves the
        # group open for them to join.
        self._turns_waiting = 0
        self._turn_seq = 0
        # Told how many turns each group commit made durable (a metrics endpoint counts them).
        self.on_group_commit: Callable[[int], None] | None = None

    @asynccontextmanager
    async def _grouped_turn(
        self, open_turn: OpenTurn[T]
    ) -> AsyncIterator[tuple[aiosqlite.Connection, T]]:
        """One engine turn of a group commit (the engine's grouped_transaction)."""
        group = Group()  # replaced under the lock by the group this turn joins
        self._turns_waiting += 1
        acquired = False
        try:
            async with self._lock:
                self._turns_waiting -= 1
                acquired = True
                await self._prepare_turn()
                begin_first = self._group is None
                if self._group is not None:
                    group = self._group

                # A name of its own: undoing one turn can never reach another's savepoint.
                self._turn_seq += 1
                savepoint = f"turn{self._turn_seq}"
                opened = await open_turn(group, begin_first, savepoint)
                if begin_first:
                    # (PostgreSQL's open step already set it, before BEGIN.)
                    self._group = group
                group.turns += 1
                try:
                    yield opened
                except BaseException as exc:
                    await self._turn_failed(group, savepoint, exc)
                    raise
                if self._turns_waiting == 0:
                    # Nobody queued to join: commit now rather than hand the lock round again.
                    await self._commit_group()
        finally:
            if not acquired:
                self._turns_waiting -= 1
            # Otherwise commit the group unless a turn queued behind this one already did;
            # after a failed body too, so an open write transaction never outlives its turns.
            if self._group is group:
                async with self._lock:
                    if self._group is group:
                        await self._commit_group()
        if group.error is not None:
            if isinstance(group.error, DatabaseLocked):
                raise DatabaseLocked(str(group.error)) from group.error
            raise GroupCommitFailed(str(group.error)) from group.error

    async def _prepare_turn(self) -> None:  # noqa: B027 (a hook: SQLite has nothing to do)
        """Before a turn joins or opens a group; called with the lock held."""

    @abstractmethod
    async def _turn_failed(self, group: Group, savepoint: str, exc: BaseException) -> None:
        """Undo a turn whose body raised ``exc`` to its savepoint, leaving the group's other
        turns alone; or, when that is no longer possible, tell the group it was lost. The
        caller re-raises ``exc`` unless this raises an error of its own for it."""

    async def _commit_group(self) -> None:
        """Commit the open group, if any; called with the lock held.

        The commit runs to its end even when the caller is cancelled (at shutdown), with the
        lock still held: the group's other turns must learn its outcome, never guess it.
        """
        group = self._group
        if group is None:
            return
        self._group = None
        finishing = asyncio.ensure_future(self._finish_group(group))
        try:
            await asyncio.shield(finishing)
        except asyncio.CancelledError:
            while not finishing.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(finishing)
            raise

    @abstractmethod
    async def _finish_group(self, group: Group) -> None:
        """The engine's COMMIT of ``group``; a failure goes to ``group.error``, not raised."""
