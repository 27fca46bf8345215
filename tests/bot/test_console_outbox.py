"""Several `aidbridge console --as ...` processes on one database (issue 9).

Each console's outbox worker used to take every due row of its transport: a row for another
identity could not be shown, was pushed back an hour, and held up every later row of that
chat. Now each console delivers its own identity's rows and leaves the others untouched.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, build_app
from bot.config import Settings
from storage import outbox
from storage.models import Identity

ANNA = Identity(transport="telegram", user_id="11")
BORIS = Identity(transport="telegram", user_id="22")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def console(db_path: Path, who: Identity) -> tuple[App, io.StringIO]:
    shown = io.StringIO()
    settings = Settings(db_path=db_path, _env_file=None)
    app = await build_app(
        settings, console_identity=who, console_io=(io.StringIO(""), shown), clock=lambda: NOW
    )
    return app, shown


async def drain(app: App) -> None:
    while await app.worker.drain_once():
        pass


async def test_each_console_delivers_only_its_own_rows(tmp_path: Path) -> None:
    db_path = tmp_path / "shared.db"
    anna, anna_screen = await console(db_path, ANNA)
    boris, boris_screen = await console(db_path, BORIS)
    try:
        async with anna.db.transaction() as conn:
            for who, text in [(BORIS, "b1"), (ANNA, "a1"), (BORIS, "b2"), (ANNA, "a2")]:
                await outbox.add_outbox(
                    conn, transport=who.transport, chat_id=who.user_id, text=text, now=NOW
                )
        await anna.worker.start()
        await drain(anna)
        assert [line for line in anna_screen.getvalue().split() if line in ("a1", "a2")] == [
            "a1",
            "a2",
        ]
        async with anna.db.read() as conn:
            cur = await conn.execute(
                "SELECT text, attempts, sent_at, not_before, last_error FROM outbox"
                " WHERE chat_id = ? ORDER BY id",
                (BORIS.user_id,),
            )
            untouched = [tuple(r) for r in await cur.fetchall()]
        # Boris's rows were neither tried nor postponed by Anna's process.
        assert [(r[0], r[1], r[2], r[4]) for r in untouched] == [
            ("b1", 0, None, None),
            ("b2", 0, None, None),
        ]
        assert all(r[3] <= NOW.isoformat(timespec="microseconds") for r in untouched)

        await boris.worker.start()
        await drain(boris)
        assert "b1" in boris_screen.getvalue() and "b2" in boris_screen.getvalue()
        assert boris_screen.getvalue().index("b1") < boris_screen.getvalue().index("b2")
        assert "a1" not in boris_screen.getvalue()
        async with boris.db.read() as conn:
            cur = await conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            assert (await cur.fetchone())[0] == 0  # type: ignore[index]
    finally:
        await anna.stop()
        await boris.stop()


async def test_a_console_start_leaves_other_chats_replies_alone(tmp_path: Path) -> None:
    """Start-up makes the previous process's durable replies due, but only its own chat's:
    another process (the Telegram bot itself) may be sending the others right now."""
    db_path = tmp_path / "shared.db"
    anna, _ = await console(db_path, ANNA)
    try:
        later = NOW.replace(minute=1)
        async with anna.db.transaction() as conn:
            for who in (ANNA, BORIS):
                await outbox.add_outbox(
                    conn,
                    transport=who.transport,
                    chat_id=who.user_id,
                    text="reply",
                    now=NOW.replace(hour=8),
                    not_before=later,
                    kind="reply",
                )
        await anna.worker.start()
        async with anna.db.read() as conn:
            cur = await conn.execute("SELECT chat_id, not_before FROM outbox ORDER BY id")
            rows = [tuple(r) for r in await cur.fetchall()]
        assert rows[0][1] != rows[1][1]
        assert rows[1] == (BORIS.user_id, later.isoformat(timespec="microseconds"))
    finally:
        await anna.stop()
