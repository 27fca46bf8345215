"""Versioned schema migrations.

Each module ``vNNN_name.py`` defines ``async def upgrade(conn)``. Steps run in order, each in
its own transaction together with the row that records it in ``schema_version``. A shipped step
is never edited: change the schema with a new step. A database newer than the code is refused.

Both engines have the same versions. On PostgreSQL a step runs its ``upgrade`` too, its SQLite
statements translated by storage/pg_dialect.py (tables, columns, indexes, updates), unless the
module also defines ``async def upgrade_pg(conn)``: a step with triggers, generated columns or
SQLite's own schema table needs one (v001, v004, v016, v018), in the same file.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from storage.db import Database

_NAME = re.compile(r"^v(\d{3})_\w+$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[aiosqlite.Connection], Awaitable[None]]
    upgrade_pg: Callable[[aiosqlite.Connection], Awaitable[None]] | None = None


class DatabaseTooNew(RuntimeError):
    pass


def discover() -> list[Migration]:
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if not match:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(
            Migration(
                int(match.group(1)),
                info.name,
                module.upgrade,
                getattr(module, "upgrade_pg", None),
            )
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migration versions must be 1..n without gaps, got {versions}")
    return found


async def current_version(db: Database) -> int:
    async with db.read() as conn:
        cur = await conn.execute(
            "SELECT to_regclass('schema_version')"
            if db.engine == "postgresql"
            else "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'"
        )
        found = await cur.fetchone()
        if found is None or found[0] is None:
            return 0
        cur = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        row = await cur.fetchone()
        return int(row[0]) if row else 0


# PostgreSQL's advisory lock key (one bigint) a migration step is applied under.
MIGRATION_LOCK = 0x0A1D_0000_0001


async def migrate(db: Database, target: int | None = None) -> list[int]:
    """Bring the schema up to ``target`` (default: the newest). Returns the versions applied."""
    steps = discover()
    newest = steps[-1].version if steps else 0
    have = await current_version(db)
    if have > newest:
        raise DatabaseTooNew(
            f"database {db.path} has schema version {have}, this code knows up to {newest}; "
            "run a newer AidBridge or restore a backup"
        )
    target = newest if target is None else target
    applied: list[int] = []
    for step in steps:
        if step.version <= have or step.version > target:
            continue
        async with db.transaction() as conn:
            if db.engine == "postgresql":
                # PostgreSQL runs two replicas' transactions side by side (SQLite's BEGIN
                # IMMEDIATE makes the second wait): the step is taken one process at a time
                # by a lock held until this transaction ends, so the check below sees a step
                # the other process committed meanwhile (and CREATE TABLE IF NOT EXISTS never
                # races itself into a duplicate catalog row).
                await conn.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            # Another process (a replica starting beside this one) may have applied the step
            # since the version was read: asked again under the write lock.
            done = await conn.execute_fetchall(
                "SELECT 1 FROM schema_version WHERE version = ?", (step.version,)
            )
            if list(done):
                continue
            if db.engine == "postgresql" and step.upgrade_pg is not None:
                await step.upgrade_pg(conn)
            else:
                await step.upgrade(conn)
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (step.version, step.name, datetime.now(UTC).isoformat()),
            )
        applied.append(step.version)
    return applied
