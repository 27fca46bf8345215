"""Where a multi-step conversation keeps its state: one row per (chat, person) in SQLite, so a
half-finished wizard survives a restart and continues hours later."""

from __future__ import annotations

from pydantic import BaseModel

from handlers.context import Turn
from storage import conversations


async def save_state(turn: Turn, flow: str, step: str, data: BaseModel) -> None:
    """Remember that the sender of this turn is at ``step`` of ``flow`` with ``data``."""
    chat = turn.incoming.chat
    await conversations.set_conversation(
        turn.conn,
        transport=chat.transport,
        chat_id=chat.chat_id,
        user_id=turn.incoming.sender.user_id,
        flow=flow,
        step=step,
        data_json=data.model_dump_json(),
        now=turn.now,
    )
