"""`/upload PATH` on the console: the file is read from disk into memory by the transport and
becomes /need's preview, as a Telegram document does; Submit (typed by number) stores it."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from bot.transports.console import ConsoleTransport
from storage import members, organisations
from storage.models import Identity, OrgKind, Role
from tests.engine_harness import scalar

NURSE = Identity(transport="telegram", user_id="11")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def test_upload_path_on_the_console(tmp_path: Path) -> None:
    shown = io.StringIO()
    app = await build_app(
        Settings(db_path=tmp_path / "bot.db", _env_file=None),
        console_identity=NURSE,
        console_io=(io.StringIO(""), shown),
        clock=lambda: NOW,
    )
    try:
        async with app.db.transaction() as conn:
            org = await organisations.add_organisation(
                conn,
                kind=OrgKind.HOSPITAL,
                name="ЦРЛ",
                raion="Дніпровський",
                settlement="Дніпро",
                code=None,
                address=None,
                now=NOW,
            )
            await members.add_member(
                conn,
                identity=NURSE,
                chat_id=NURSE.user_id,
                org_id=org.id,
                roles=frozenset({Role.REQUESTER}),
                language="en",
                display_name="Nurse",
                now=NOW,
            )
        console = app.transports[NURSE.transport]
        assert isinstance(console, ConsoleTransport)
        path = tmp_path / "needs.csv"
        path.write_bytes("\ufeffItem,Quantity,Unit\nblankets,60,pcs\ntents,,\n".encode())

        replies = await console.send_file(str(path))
        text = "\n".join(r.text for r in replies)
        assert app.ctx.t("en", "upload.read", name="needs.csv", count=1) in text
        assert app.ctx.t("en", "upload.row_line", row=3, reason="") in text
        submit = [
            c
            for r in replies
            for row in r.choices
            for c in row
            if c.payload.startswith("w:submit:")
        ]
        assert submit
        await console.send_text(submit[0].label)
        assert await scalar(app.db, "SELECT COUNT(*) FROM request_items") == 1

        assert await console.send_file(str(tmp_path / "missing.xlsx")) == []
        assert "no such file" in shown.getvalue()
    finally:
        await app.stop()
