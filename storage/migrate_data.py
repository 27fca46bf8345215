"""Copy a whole database from one engine to another (``aidbridge migrate-data``), verified.

SQLite to PostgreSQL is the case it is for: a deployment moving to the shared store. Both
databases are brought to the same schema version first (the source must already be at the
newest: ``aidbridge migrate`` it; the target is migrated here), and a target holding any row is
refused, so nothing is ever merged or overwritten.

Every table is read from one snapshot of the source (a running bot may keep writing, but what
it writes after the snapshot is not copied: stop it for the move) and written in one
transaction on the target, parents before children (the foreign keys decide the order), ids
kept; the target's id sequences then continue after the highest id (or SQLite's own counter,
which also remembers deleted rows). Generated columns are computed by the target, not copied;
columns and tables kept by triggers (v018, the aggregates of v021/v024) are copied as they are,
with the target's triggers off meanwhile.

Then it verifies: per table the row count and a checksum over every copied column of every
row, read back from both databases. The checksum does not depend on row order (a sum of each
row's SHA-256 modulo 2**256) and reads values as SQLite types them (integer, text, bytes,
NULL), so equal checksums mean equal contents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from storage.db import Conn, Database, fetch_all
from storage.migrations import current_version, discover, migrate

BATCH = 1000
# Kept by each database itself (its own migrations wrote them).
SKIP = frozenset({"schema_version"})


class CopyRefused(RuntimeError):
    """The copy did not start: what to do about it is in the message."""


class CopyMismatch(RuntimeError):
    """The copy finished but a table's count or checksum differs: the target is not to be used."""


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class CopyReport:
    tables: tuple[TableCheck, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _canonical(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": bytes(value).hex()}
    return value


def checksum_rows(rows: Sequence[Sequence[object]]) -> str:
    """Order-independent: the sum of each row's SHA-256, modulo 2**256, as hex."""
    total = 0
    for row in rows:
        encoded = json.dumps([_canonical(v) for v in row], ensure_ascii=False)
        total = (total + int.from_bytes(hashlib.sha256(encoded.encode()).digest(), "big")) % (
            1 << 256
        )
    return f"{total:064x}"


async def _copied_columns(target: Database, table: str) -> list[str]:
    """The target's columns of ``table`` that are stored, not generated."""
    async with target.read() as conn:
        rows = await fetch_all(
            conn,
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?"
            " AND is_generated = 'NEVER' ORDER BY ordinal_position",
            (table,),
        )
    return [str(r[0]) for r in rows]


async def _parents_first(target: Database, tables: Sequence[str]) -> list[str]:
    """``tables`` ordered so that every table comes after the tables its foreign keys name."""
    async with target.read() as conn:
        edges = await fetch_all(
            conn,
            "SELECT tc.table_name, ccu.table_name FROM information_schema.table_constraints tc"
            " JOIN information_schema.constraint_column_usage ccu"
            "  ON ccu.constraint_name = tc.constraint_name"
            "  AND ccu.constraint_schema = tc.constraint_schema"
            " WHERE tc.constraint_type = 'FOREIGN KEY'"
            " AND tc.table_schema = current_schema()",
        )
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in edges:
        if child in parents and parent in parents and child != parent:
            parents[str(child)].add(str(parent))
    ordered: list[str] = []
    while parents:
        ready = sorted(t for t, ps in parents.items() if not ps - set(ordered))
        if not ready:
            raise CopyRefused(f"foreign keys form a cycle among {sorted(parents)}")
        for table in ready:
            ordered.append(table)
            del parents[table]
    return ordered


async def _count(conn: Conn, table: str) -> int:
    rows = await fetch_all(conn, f"SELECT COUNT(*) FROM {table}")
    return int(rows[0][0])


async def _sqlite_sequences(conn: Conn) -> dict[str, int]:
    rows = await fetch_all(conn, "SELECT name, seq FROM sqlite_sequence")
    return {str(r[0]): int(r[1]) for r in rows}


async def copy_database(source: Database, target: Database, *, batch: int = BATCH) -> CopyReport:
    """Copy every table of ``source`` (SQLite) into the empty ``target`` (PostgreSQL), then
    verify counts and checksums. Raises CopyRefused before writing, CopyMismatch after."""
    if source.engine != "sqlite" or target.engine != "postgresql":
        raise CopyRefused("copies from SQLite to PostgreSQL")
    newest = discover()[-1].version
    have = await current_version(source)
    if have != newest:
        raise CopyRefused(
            f"the source is at schema version {have}, this code's newest is {newest}: "
            "run `aidbridge migrate` on it first"
        )
    if await current_version(target) > newest:
        raise CopyRefused("the target's schema is newer than this code")
    for table in await target.table_names():
        async with target.read() as conn:
            if table not in SKIP and await _count(conn, table) > 0:
                raise CopyRefused(f"the target is not empty (table {table} has rows)")
    await migrate(target)

    source_tables = set(await source.table_names()) - SKIP
    target_tables = set(await target.table_names()) - SKIP
    if source_tables != target_tables:
        raise CopyRefused(
            f"the two schemas differ: only in the source {sorted(source_tables - target_tables)},"
            f" only in the target {sorted(target_tables - source_tables)}"
        )
    order = await _parents_first(target, sorted(source_tables))
    columns = {table: await _copied_columns(target, table) for table in order}

    expected: dict[str, TableCheck] = {}
    async with source.snapshot() as src, target.transaction() as dst:
        sequences = await _sqlite_sequences(src)
        # The rows go in as the source holds them, what the target's triggers derive from
        # them included (v018's columns, v021/v024's aggregates, copied as tables): those
        # triggers stay off for the copy, or each aggregate would be counted twice. Only the
        # project's own (USER): the foreign keys' are still checked. Part of the transaction,
        # so a failed copy leaves them on.
        for table in order:
            await dst.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for table in order:
            names = ", ".join(columns[table])
            rows = await fetch_all(src, f"SELECT {names} FROM {table}")
            expected[table] = TableCheck(table, len(rows), checksum_rows(rows))
            marks = ", ".join("?" for _ in columns[table])
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            for start in range(0, len(rows), batch):
                await dst.executemany(insert, [tuple(r) for r in rows[start : start + batch]])
            if "id" in columns[table]:
                top = max([int(r["id"]) for r in rows] + [sequences.get(table, 0)])
                if top > 0:
                    await dst.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), ?)", (top,)
                    )
        for table in order:
            await dst.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    checks: list[TableCheck] = []
    mismatches: list[str] = []
    async with target.snapshot() as dst:
        for table in order:
            rows = await fetch_all(dst, f"SELECT {', '.join(columns[table])} FROM {table}")
            got = TableCheck(table, len(rows), checksum_rows(rows))
            if got != expected[table]:
                mismatches.append(
                    f"{table}: {expected[table].rows} rows {expected[table].checksum[:12]} in the"
                    f" source, {got.rows} rows {got.checksum[:12]} in the target"
                )
            checks.append(got)
    if mismatches:
        raise CopyMismatch("; ".join(mismatches))
    return CopyReport(tuple(checks))
