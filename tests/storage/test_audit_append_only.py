"""The audit log is append-only: no code changes or removes its rows, and the database refuses.

Two independent guards: a scan of every SQL statement in bot/, handlers/ and storage/ (no UPDATE,
DELETE, REPLACE or upsert aimed at the audit table, no trigger dropped), and the triggers on a
real migrated database.
"""

from __future__ import annotations

import io
import re
import sqlite3
import tokenize
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import audit
from storage.db import open_db
from storage.migrations import migrate

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers", "storage")

# A string literal may be split ("UPDATE " "audit") or quoted ("audit", `audit`, [audit]);
# GAP lets quotes, brackets and whitespace sit between the keywords and the table name.
GAP = r"""[\s'"`\[\]]*"""
TABLE = rf"{GAP}(?:main{GAP}\.{GAP})?audit\b(?!{GAP}_)"
FORBIDDEN = [
    re.compile(rf"\bUPDATE{GAP}(?:OR{GAP}\w+{GAP})?{TABLE}{GAP}SET\b", re.IGNORECASE),
    re.compile(rf"\bDELETE{GAP}FROM{TABLE}", re.IGNORECASE),
    re.compile(rf"\bREPLACE{GAP}INTO{TABLE}", re.IGNORECASE),
    re.compile(rf"\bINSERT{GAP}OR{GAP}REPLACE{GAP}INTO{TABLE}", re.IGNORECASE),
    re.compile(rf"\bDROP{GAP}(?:TABLE|TRIGGER){GAP}(?:IF{GAP}EXISTS{GAP})?audit", re.IGNORECASE),
    # Adding a column leaves every row as it was (v012 added the structured parameters);
    # renaming or dropping one would not.
    re.compile(rf"\bALTER{GAP}TABLE{TABLE}(?!{GAP}ADD{GAP}(?:COLUMN\b|\w))", re.IGNORECASE),
]
# An upsert (INSERT ... ON CONFLICT DO UPDATE) into audit: the INSERT names the table.
UPSERT = re.compile(rf"\bINTO{TABLE}[^;]*?\bON{GAP}CONFLICT\b[^;]*?\bDO{GAP}UPDATE", re.I | re.S)


def without_comments(source: str) -> str:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return tokenize.untokenize(t for t in tokens if t.type != tokenize.COMMENT)


def offending(python_source: str) -> list[str]:
    """The statements in the code that would change or remove audit rows (comments aside)."""
    source = without_comments(python_source)
    hits = [m.group(0) for pattern in FORBIDDEN for m in pattern.finditer(source)]
    hits += [m.group(0)[:60] for m in UPSERT.finditer(source)]
    return hits


def python_sources() -> list[Path]:
    return sorted(p for top in SOURCES for p in (ROOT / top).rglob("*.py"))


def test_the_scanner_recognises_what_it_must_refuse() -> None:
    """Without this, a scanner that matched nothing would pass the test below for ever."""
    bad = [
        'conn.execute("UPDATE audit SET summary = ? WHERE id = ?", args)',
        "conn.execute('delete from audit where at < ?', (cutoff,))",
        'sql = "UPDATE " "audit" " SET actor_label = NULL"',
        'conn.execute("""\n    UPDATE\n        "audit"\n    SET target = NULL""")',
        'conn.execute("UPDATE OR IGNORE audit SET x = 1")',
        'conn.execute("DELETE FROM main.audit")',
        'conn.execute("INSERT OR REPLACE INTO audit (id, action) VALUES (?, ?)")',
        'conn.execute("REPLACE INTO audit VALUES (1)")',
        'conn.execute("INSERT INTO audit (id) VALUES (1) ON CONFLICT(id) DO UPDATE SET x = 2")',
        'SCHEMA = """DROP TRIGGER IF EXISTS audit_no_update;"""',
        'SCHEMA = """\nDROP TABLE audit;\n"""',
        'SCHEMA = "ALTER TABLE audit DROP COLUMN summary"',
        'SCHEMA = "ALTER TABLE audit RENAME TO audit_old"',
        'SCHEMA = "ALTER TABLE audit RENAME COLUMN summary TO x"',
    ]
    for text in bad:
        assert offending(text), text
    fine = [
        'conn.execute("INSERT INTO audit (actor_id, action) VALUES (?, ?)", args)',
        'conn.execute("SELECT * FROM audit WHERE id = ?")',
        'conn.execute("UPDATE audit_settings SET x = 1")',
        'conn.execute("DELETE FROM outbox WHERE sent_at < ?")',
        "# UPDATE audit SET is refused by the triggers (a comment is not code)",
        'def f() -> None:\n    """We never update audit rows; see the triggers."""',
        'conn.execute("UPDATE members SET display_name = NULL")',
        'SCHEMA = "ALTER TABLE audit ADD COLUMN params TEXT;"',
    ]
    for text in fine:
        assert not offending(text), text


def test_no_code_updates_or_deletes_audit_rows() -> None:
    sources = python_sources()
    assert len(sources) > 40  # the scan really read the project
    assert any(p.name == "audit.py" and p.parent.name == "storage" for p in sources)
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sources
        if (hits := offending(path.read_text(encoding="utf-8")))
    }
    assert found == {}


async def test_the_database_refuses_to_change_or_remove_audit_rows(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "audit.db")
    try:
        await migrate(db)
        async with db.read() as conn:
            cur = await conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"
            )
            triggers = {r[0] for r in await cur.fetchall()}
        assert {"audit_no_update", "audit_no_delete", "audit_no_replace"} <= triggers
        now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        async with db.transaction() as conn:
            await audit.add_audit(
                conn,
                actor_id=None,
                actor_label="telegram:900",
                action="member.revoke",
                target="member:7",
                summary="original",
                now=now,
            )
        attempts = [
            "UPDATE audit SET summary = 'forged'",
            "UPDATE audit SET actor_label = NULL",
            "DELETE FROM audit",
            "INSERT OR REPLACE INTO audit (id, actor_label, action, summary, at)"
            " VALUES (1, 'x', 'member.revoke', 'forged', '2026-11-24')",
            "REPLACE INTO audit (id, actor_label, action, summary, at)"
            " VALUES (1, 'x', 'member.revoke', 'forged', '2026-11-24')",
            "INSERT INTO audit (id, actor_label, action, summary, at)"
            " VALUES (1, 'x', 'y', 'z', '2026-11-24')"
            " ON CONFLICT(id) DO UPDATE SET summary = 'forged'",
        ]
        for sql in attempts:
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                async with db.transaction() as conn:
                    await conn.execute(sql)
        # Appending still works, and the first row is as it was written.
        async with db.transaction() as conn:
            await audit.add_audit(
                conn,
                actor_id=None,
                actor_label="telegram:900",
                action="member.restore",
                target="member:7",
                summary=None,
                now=now,
            )
            entries = await audit.list_audit(conn)
        assert [(e.id, e.action, e.summary) for e in entries] == [
            (2, "member.restore", None),
            (1, "member.revoke", "original"),
        ]
    finally:
        await db.close()
