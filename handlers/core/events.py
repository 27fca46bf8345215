"""Transport-neutral events: what a platform update becomes and what a handler answers.

What a handler answers (Reply, its Choices and Document, ChatRef) is defined in storage.models,
because an outbox row is a Reply kept for later and storage holds the one codec between the
two; handlers and transports name them from here.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from storage.models import MAX_PAYLOAD_BYTES, ChatRef, Choice, Document, Identity, Reply


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MenuCommand(Frozen):
    """One entry of a platform's command menu (handlers/core/command_menus.py): /name and
    what it does."""

    name: str
    description: str


class Incoming(Frozen):
    """One thing a person did: typed text, pressed a button, or sent a file.

    ``update_id`` is unique per transport and is what makes replays harmless.
    ``buttons`` says whether the platform shows inline buttons; where it does not, typed
    numbers and labels are matched against the options shown last.
    """

    chat: ChatRef
    sender: Identity
    update_id: str
    text: str | None = None
    choice: str | None = None
    sender_name: str | None = None
    language_code: str | None = None
    buttons: bool = True
    attachment_size: int | None = None
    # A one-to-one chat with the bot: only there may notifications be sent to the person.
    private: bool = True
    # The platform's id of the message whose button was pressed (None for typed text): what a
    # durable reply that replaces it edits when the outbox delivers it later.
    message_ref: str | None = None


def rows(*choices: Choice, per_row: int = 2) -> tuple[tuple[Choice, ...], ...]:
    """Lay choices out in rows of ``per_row`` buttons."""
    items = list(choices)
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


__all__ = [
    "MAX_PAYLOAD_BYTES",
    "ChatRef",
    "Choice",
    "Document",
    "Field",
    "Incoming",
    "MenuCommand",
    "Reply",
    "rows",
]
