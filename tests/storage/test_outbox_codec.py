"""The one codec between a Reply and an outbox row (storage.outbox.encode_reply / add_reply /
decode_reply), on a real SQLite file: what a handler queues is what the delivery worker reads
back, and rows written before the codec existed still read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from storage import outbox
from storage.db import Database
from storage.models import ChatRef, Choice, Document, Recipient, Reply

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TO = Recipient(transport="telegram", chat_id="42", member_id=None)


@pytest.fixture
def db(any_db: Database) -> Database:
    """Part of the storage contract suite: every test here runs on SQLite and PostgreSQL."""
    return any_db


async def round_trip(db: Database, reply: Reply) -> Reply:
    async with db.transaction() as conn:
        row_id = await outbox.add_reply(conn, TO, reply, kind="notice", now=NOW)
    async with db.read() as conn:
        row = await outbox.get_outbox(conn, row_id)
        assert row is not None
        document = await outbox.get_outbox_document(conn, row_id)
    return outbox.decode_reply(row, document)


async def test_what_is_shown_comes_back_as_it_was_queued(db: Database) -> None:
    buttons = (
        (Choice(label="Так", payload="rc:yes:1001"), Choice(label="Ні", payload="rc:wd:1001")),
        (Choice(label="Назад", payload="w:back", nav=True),),
    )
    reply = Reply(text="<b>R-1001</b> ще потрібен? 🚑", choices=buttons)
    assert await round_trip(db, reply) == reply
    chart = Document(filename="chart.png", mime_type="image/png", data=b"\x89PNG\x00\xff")
    assert await round_trip(db, Reply(document=chart)) == Reply(document=chart)


async def test_how_it_was_shown_the_first_time_is_not_kept(db: Database) -> None:
    """replace/toast/durable/chat belonged to the first answer; a later delivery is a new
    message to the row's own recipient."""
    first = Reply(
        text="Збережено",
        replace=True,
        toast=True,
        durable=True,
        outbox_id=7,
        chat=ChatRef(transport="matrix", chat_id="!room:x"),
    )
    assert await round_trip(db, first) == Reply(text="Збережено")


async def test_a_caption_goes_with_its_document(db: Database) -> None:
    """Migration v010 gave the caption its own column: it is kept, never dropped."""
    doc = Document(filename="a.csv", mime_type="text/csv", data=b"x", caption="3 rows")
    back = await round_trip(db, Reply(document=doc))
    assert back.document is not None and back.document.caption == "3 rows"


async def test_rows_written_before_the_codec_still_read(db: Database) -> None:
    """The engine and housekeeping used to write the choices JSON themselves, in this shape."""
    legacy = json.dumps([[{"label": "Ще потрібно", "payload": "rc:yes:5", "nav": False}]])
    async with db.transaction() as conn:
        row_id = await outbox.add_outbox(
            conn, transport="telegram", chat_id="42", text="?", now=NOW, choices_json=legacy
        )
        same = Reply(text="?", choices=((Choice(label="Ще потрібно", payload="rc:yes:5"),),))
        assert outbox.encode_reply(same).choices_json == legacy
    async with db.read() as conn:
        row = await outbox.get_outbox(conn, row_id)
    assert row is not None
    decoded = outbox.decode_reply(row, None)
    assert decoded.choices == ((Choice(label="Ще потрібно", payload="rc:yes:5"),),)


async def test_a_row_that_cannot_be_read_raises_value_error(db: Database) -> None:
    """The worker turns this into a permanent failure instead of retrying for a day."""
    async with db.transaction() as conn:
        row_id = await outbox.add_outbox(
            conn,
            transport="telegram",
            chat_id="42",
            text="?",
            now=NOW,
            choices_json='[[{"label": "x", "payload": "' + "p" * 80 + '"}]]',
        )
    async with db.read() as conn:
        row = await outbox.get_outbox(conn, row_id)
    assert row is not None
    with pytest.raises(ValueError, match="payload"):
        outbox.decode_reply(row, None)
