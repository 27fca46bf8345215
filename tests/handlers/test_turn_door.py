"""The turn is the handler's only door to the database (issue 11): the chat's conversation is
read once, with the engine's BEGIN, and handed to the handler as ``turn.flow``; outbox rows go
through ``turn.notify`` (the one Reply codec) and audit rows through ``turn.audit``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel

from handlers.core.context import HOUSEKEEPING, Turn
from handlers.core.events import Choice, Reply
from storage import members
from storage.db import run_in_db_thread
from storage.models import Actor, Identity, Recipient
from tests.engine_harness import EngineHarness
from tests.handlers.test_wizard_back import ANSWERS, NURSE, PATH, answer, state

READS_CONVERSATION = re.compile(r"^\s*SELECT\b.*\bFROM\s+conversations\b", re.I | re.S)


@asynccontextmanager
async def traced(h: EngineHarness) -> AsyncIterator[list[str]]:
    """Every statement run on the database's connection meanwhile, open_turn's included."""
    statements: list[str] = []
    await run_in_db_thread(h.db.raw, lambda raw: raw.set_trace_callback(statements.append))
    try:
        yield statements
    finally:
        await run_in_db_thread(h.db.raw, lambda raw: raw.set_trace_callback(None))


@asynccontextmanager
async def turn_of(h: EngineHarness, who: Identity) -> AsyncIterator[Turn]:
    async with h.db.transaction() as conn:
        yield Turn(
            ctx=h.engine.ctx,
            conn=conn,
            incoming=h.incoming(who, text="x"),
            now=h.clock(),
            member=await members.get_member_by_identity(conn, who),
            lang="uk",
            registry=h.engine.registry,
        )


async def test_each_wizard_step_reads_the_conversation_once(harness: EngineHarness) -> None:
    """Every step loads, changes and saves the draft; only the turn's first trip reads it."""
    h = harness
    org = await h.add_org()
    await h.join(NURSE, org.id)
    async with traced(h) as statements:
        await h.send(NURSE, "/new")
    assert len([s for s in statements if READS_CONVERSATION.match(s)]) == 1
    for step in PATH:
        assert (await state(h))[0] == step
        async with traced(h) as statements:
            await answer(h, step)
        reads = [s for s in statements if READS_CONVERSATION.match(s)]
        assert len(reads) == 1, (step, ANSWERS[step], reads)
    assert (await state(h))[0] == "summary"


class Pending(BaseModel):
    token: str


async def test_flow_is_typed_written_through_and_cleared_only_for_its_own(
    harness: EngineHarness,
) -> None:
    h = harness
    async with turn_of(h, NURSE) as turn:
        assert await turn.flow.name() is None  # not given by an engine: read when first asked
        await turn.flow.save("broadcast", "confirm", Pending(token="abc"))
        got = await turn.flow.get("broadcast", Pending)
        assert got is not None and got.step == "confirm" and got.data == Pending(token="abc")
        assert await turn.flow.get("broadcast", Pending, steps=("other",)) is None
        assert await turn.flow.get("intake", Pending) is None
        await turn.flow.clear("org_add", "org_edit")  # not ours: left alone
        assert await turn.flow.name() == "broadcast"
    assert await h.rows("SELECT flow, step, data FROM conversations") == [
        ("broadcast", "confirm", '{"token":"abc"}')
    ]
    async with turn_of(h, NURSE) as turn:
        # Saved by an older version in another shape: the flow starts again, no crash.
        class Other(BaseModel):
            count: int

        assert await turn.flow.get("broadcast", Other) is None
        await turn.flow.clear()
    assert await h.count("conversations") == 0


async def test_notify_and_audit_write_through_the_turn(harness: EngineHarness) -> None:
    h = harness
    org = await h.add_org()
    await h.join(NURSE, org.id)
    async with turn_of(h, NURSE) as turn:
        assert turn.member is not None
        buttons = ((Choice(label="Так", payload="rc:yes:1"),),)
        await turn.notify(turn.member, Reply(text="Ще потрібно?", choices=buttons), "reconfirm")
        assert turn.wrote_outbox
        await turn.audit("request.reconfirm", "R-1", "still needed")
        await turn.audit("member.forget", "member:1", "x", actor=Actor(id=1, label="member:1"))
        member_id, identity = turn.member.id, str(turn.member.identity)
    rows = await h.rows(
        "SELECT transport, chat_id, member_id, kind, text, choices FROM outbox"
        " WHERE kind = 'reconfirm'"
    )
    assert rows == [
        (
            "telegram",
            NURSE.user_id,
            member_id,
            "reconfirm",
            "Ще потрібно?",
            '[[{"label": "\\u0422\\u0430\\u043a", "payload": "rc:yes:1", "nav": false}]]',
        )
    ]
    audit = await h.rows("SELECT actor_id, actor_label, action FROM audit ORDER BY id DESC LIMIT 2")
    assert audit == [(1, "member:1", "member.forget"), (member_id, identity, "request.reconfirm")]


async def test_a_held_back_row_does_not_wake_the_worker(harness: EngineHarness) -> None:
    """A durable reply waits for its transport: waking the worker for it would find nothing."""
    h = harness
    async with turn_of(h, NURSE) as turn:
        to = Recipient(transport="telegram", chat_id=NURSE.user_id)
        await turn.notify(to, Reply(text="saved"), "reply", not_before=turn.now.replace(year=2027))
        assert not turn.wrote_outbox
        await turn.notify(to, Reply(text="now"), "notice")
        assert turn.wrote_outbox


async def test_a_job_names_itself_in_the_audit_log(harness: EngineHarness) -> None:
    h = harness
    async with h.engine.ctx.job(HOUSEKEEPING) as job:
        await job.audit("retention.clear_notes", None, "0 requests")
        await job.notify(Recipient(transport="telegram", chat_id="5"), Reply(text="x"), "notice")
        assert job.wrote_outbox
    assert await h.rows("SELECT actor_id, actor_label FROM audit") == [(None, "housekeeping")]
