"""Chat ids as Telegram compares them, and chat objects as Telegram describes them."""

from __future__ import annotations

from typing import Any

# PTB sends chat_id as an int or, for channels, "@username"; form-encoded ids arrive as text.
ChatKey = int | str


def chat_key(value: Any) -> ChatKey:
    """One key per chat however its id arrived, so "42" and 42 find the same chat."""
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


def chat_for(chat: ChatKey, user: dict[str, Any] | None) -> dict[str, Any]:
    """The Chat object for an id: positive ids are private chats, "-100..." supergroups."""
    if isinstance(chat, int) and chat > 0:
        info: dict[str, Any] = {"id": chat, "type": "private"}
        if user is not None:
            info["first_name"] = user["first_name"]
        return info
    kind = "supergroup" if str(chat).startswith("-100") else "group"
    return {"id": chat, "type": kind, "title": f"Chat {chat}"}
