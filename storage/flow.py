"""What a chat remembers between one message and the next, as a turn sees it.

A multi-step conversation (the /new wizard, /org_add, a broadcast waiting for its confirmation)
keeps its flow, step and data in one row per (chat, person), so a restart or a pause of hours
loses nothing. The engine reads that row with BEGIN (storage/turn_start.py) and hands it to the
turn as a ChatFlow: handlers read it as their own pydantic model, save it and clear it through
this object only, never through the table. A write goes to the table (in the turn's
transaction) and to the copy held here, so a later read in the same turn needs no query.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from storage import conversations
from storage.db import Conn
from storage.models import ConversationState

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ChatKey:
    """Whose conversation: one person in one chat (a group holds one per member)."""

    transport: str
    chat_id: str
    user_id: str


@dataclass(frozen=True)
class FlowState(Generic[M]):
    step: str
    data: M


class NotRead:
    """The row was not read with the turn's BEGIN (a turn built outside the engine, in tests):
    the first question reads it."""


NOT_READ: Final = NotRead()


class ChatFlow:
    def __init__(
        self,
        conn: Conn,
        key: ChatKey,
        now: datetime,
        state: ConversationState | NotRead | None = NOT_READ,
    ) -> None:
        self._conn = conn
        self.key = key
        self._now = now
        self._state = state

    async def _current(self) -> ConversationState | None:
        if isinstance(self._state, NotRead):
            k = self.key
            self._state = await conversations.get_conversation(
                self._conn, k.transport, k.chat_id, k.user_id
            )
        return self._state

    async def name(self) -> str | None:
        """The flow this person is in here, if any (the engine routes typed text by it)."""
        state = await self._current()
        return None if state is None else state.flow

    async def get(
        self, flow: str, model: type[M], *, steps: Collection[str] | None = None
    ) -> FlowState[M] | None:
        """The conversation as ``model``, when the person is in ``flow`` (at one of ``steps``).

        None as well for data this version cannot read (saved by an older one): the flow
        starts again rather than crash on every message.
        """
        state = await self._current()
        if state is None or state.flow != flow or (steps is not None and state.step not in steps):
            return None
        try:
            data = model.model_validate_json(state.data_json)
        except ValidationError:
            log.info("conversation %s/%s: unreadable data, starting again", flow, state.step)
            return None
        return FlowState(step=state.step, data=data)

    async def save(self, flow: str, step: str, data: BaseModel) -> None:
        """Remember that the person is at ``step`` of ``flow`` with ``data``."""
        k = self.key
        data_json = data.model_dump_json()
        await conversations.set_conversation(
            self._conn,
            transport=k.transport,
            chat_id=k.chat_id,
            user_id=k.user_id,
            flow=flow,
            step=step,
            data_json=data_json,
            now=self._now,
        )
        self._state = ConversationState(
            transport=k.transport,
            chat_id=k.chat_id,
            user_id=k.user_id,
            flow=flow,
            step=step,
            data_json=data_json,
            updated_at=self._now,
        )

    async def clear(self, *flows: str) -> None:
        """End the conversation; given ``flows``, only when it is one of them (a Cancel under
        an old /org card must not drop the /new draft started since)."""
        current = await self.name()
        if current is None or (flows and current not in flows):
            return  # nothing to delete: every write to this row in the turn went through here
        k = self.key
        await conversations.delete_conversation(self._conn, k.transport, k.chat_id, k.user_id)
        self._state = None

    async def set_menu(self, choices_json: str) -> None:
        """The options shown last in this chat, which typed numbers and labels select from on
        platforms without buttons (the engine writes it after each turn there)."""
        k = self.key
        await conversations.set_menu(self._conn, k.transport, k.chat_id, choices_json, self._now)
