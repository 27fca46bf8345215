"""Run a multi-statement SQL script inside the caller's transaction.

``executescript`` would COMMIT first, breaking one-transaction-per-migration, so statements
are split with sqlite3.complete_statement (which understands trigger bodies) and run one by one.
"""

from __future__ import annotations

import sqlite3

import aiosqlite


def split_statements(script: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        statements.append(buffer.strip())
    return statements


def _is_trigger(statement: str) -> bool:
    code = [line for line in statement.splitlines() if not line.lstrip().startswith("--")]
    return " ".join(code).split()[:2] == ["CREATE", "TRIGGER"]


async def run_script(
    conn: aiosqlite.Connection, script: str, *, skip_triggers: bool = False
) -> None:
    """``skip_triggers``: for a PostgreSQL step that says its triggers in PL/pgSQL itself."""
    for statement in split_statements(script):
        if skip_triggers and _is_trigger(statement):
            continue
        await conn.execute(statement)
