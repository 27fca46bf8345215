"""Transport-neutral events: what a platform update becomes and what a handler answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from storage.models import Identity

# Telegram's callback_data limit is 64 bytes; every payload must fit on every platform.
MAX_PAYLOAD_BYTES = 64


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChatRef(Frozen):
    transport: str
    chat_id: str


class Choice(Frozen):
    """A button. ``nav`` marks Back/Cancel/Skip-like choices that text transports offer as words."""

    label: str
    payload: str
    nav: bool = False

    def model_post_init(self, __context: object) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"choice payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


class MenuCommand(Frozen):
    """One entry of a platform's command menu (handlers/menus.py): /name and what it does."""

    name: str
    description: str


class Document(Frozen):
    filename: str
    mime_type: str
    data: bytes
    caption: str | None = None


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


class Reply(Frozen):
    """What goes back. ``text`` is HTML limited to <b>, <i>, <code>; user text inside is escaped.

    ``replace`` asks the transport to edit the message whose button was pressed instead of
    sending a new one. ``toast`` is a short notice (Telegram: the callback answer).
    ``durable`` replies (a confirmation that something was saved) must not be lost: the
    engine sets ``outbox_id`` when the reply is durable: it was written to the outbox in the same
    transaction as the change it reports, and the transport marks it sent once delivered.
    """

    text: str = ""
    choices: tuple[tuple[Choice, ...], ...] = ()
    document: Document | None = None
    replace: bool = False
    toast: bool = False
    durable: bool = False
    outbox_id: int | None = None
    chat: ChatRef | None = None

    def flat_choices(self) -> list[Choice]:
        return [c for row in self.choices for c in row]


def rows(*choices: Choice, per_row: int = 2) -> tuple[tuple[Choice, ...], ...]:
    """Lay choices out in rows of ``per_row`` buttons."""
    items = list(choices)
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


__all__ = ["ChatRef", "Choice", "Document", "Field", "Incoming", "MenuCommand", "Reply", "rows"]
