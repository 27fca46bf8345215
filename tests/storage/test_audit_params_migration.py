"""The migration to structured audit rows keeps the rows written before it readable."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from storage import audit
from storage.db import open_db
from storage.migrations import discover, migrate

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def test_old_rows_keep_their_summary_and_new_rows_their_parameters(tmp_path: Path) -> None:
    [step] = [m for m in discover() if m.name.endswith("_audit_params")]
    db = await open_db(tmp_path / "a.db")
    try:
        await migrate(db, target=step.version - 1)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO audit (actor_id, actor_label, action, target, summary, at)"
                " VALUES (NULL, 'cli', 'backup.create', 'x.db', '10 bytes in 0.01 s', ?)",
                (NOW.isoformat(),),
            )
        assert await migrate(db) == [m.version for m in discover() if m.version >= step.version]
        async with db.transaction() as conn:
            await audit.add_audit(
                conn,
                actor_id=None,
                actor_label="cli",
                action="backup.create",
                target="y.db",
                params={"bytes": 10, "seconds": 0.01, "note": "ünïcode"},
                now=NOW,
            )
            stored = await conn.execute_fetchall("SELECT params FROM audit ORDER BY id")
            # Only JSON values: a datetime would be a row /audit could not read back.
            with pytest.raises(ValidationError):
                await audit.add_audit(
                    conn,
                    actor_id=None,
                    actor_label="cli",
                    action="backup.create",
                    target=None,
                    params={"at": NOW},
                    now=NOW,
                )
        async with db.read() as conn:
            new, old = await audit.list_audit(conn)
    finally:
        await db.close()
    assert (old.summary, old.params) == ("10 bytes in 0.01 s", None)
    assert (new.summary, new.params) == (None, {"bytes": 10, "seconds": 0.01, "note": "ünïcode"})
    # Stored as JSON text, readable by any SQLite tool.
    assert [row[0] for row in stored] == [
        None,
        json.dumps({"bytes": 10, "seconds": 0.01, "note": "ünïcode"}, ensure_ascii=False),
    ]
