"""The console transport: chat with the bot in a terminal, as any identity.

It is the same engine and the same database as Telegram, with buttons shown as numbered
options: type the number or the label. Notifications for this identity appear as they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.transports.base import DeliveryError
from handlers.core.events import ChatRef, Document, Incoming, Reply, Upload
from handlers.core.text_menu import numbered
from handlers.requests.spreadsheet_reader import is_spreadsheet_name
from storage.fileperms import make_private_dir, write_private
from storage.models import Identity

log = logging.getLogger(__name__)

HandleFn = Callable[[Incoming], Awaitable[list[Reply]]]
MarkFn = Callable[[int], Awaitable[None]]

_TAG = re.compile(r"</?(b|i|code|pre|u|s)>")
# What a file name the bot chose may keep on disk: letters, digits, dot, dash, underscore.
_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def save_document(folder: Path, document: Document) -> Path:
    """The file written (0600) into ``folder`` (0700) under its own name, made safe: the
    terminal cannot show a workbook or a chart, so the console leaves it where the person
    can open it. A later file of the same name replaces it."""
    name = _UNSAFE_NAME.sub("_", Path(document.filename).name).lstrip(".") or "file"
    make_private_dir(folder)
    path = folder / name
    write_private(path, document.data)
    return path


def plain(text: str, *, ansi: bool) -> str:
    """Our HTML subset as terminal text: bold stays bold on a terminal, entities unescaped."""
    if ansi:
        text = re.sub(r"<b>", "\033[1m", text)
        text = re.sub(r"</b>", "\033[0m", text)
    return html.unescape(_TAG.sub("", text))


def _read_upload(path_text: str, limit: int) -> tuple[str, int, bytes | None] | None:
    """(name, size, bytes up to ``limit`` when a spreadsheet by name), None: no such file."""
    path = Path(path_text).expanduser()
    if not path_text or not path.is_file():
        return None
    size = path.stat().st_size
    if not is_spreadsheet_name(path.name) or size > limit:
        return path.name, size, None
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    return path.name, len(data), data if len(data) <= limit else None


def render(reply: Reply, *, ansi: bool, saved: Path | None = None) -> str:
    lines = [plain(reply.text, ansi=ansi)] if reply.text else []
    if reply.document is not None:
        where = f" → {saved}" if saved is not None else ""
        lines.append(f"[📎 {reply.document.filename}, {len(reply.document.data)} bytes]{where}")
        if reply.document.caption:
            lines.append(plain(reply.document.caption, ansi=ansi))
    options: list[str] = []
    words: list[str] = []
    for number, choice in numbered(reply.flat_choices()):
        if number is None:
            words.append(choice.label)
        else:
            options.append(f"  {number}. {choice.label}")
    if options:
        lines.extend(options)
    if words:
        lines.append("  (" + " · ".join(words) + ")")
    return "\n".join(lines)


class ConsoleTransport:
    name = "console"

    def __init__(
        self,
        *,
        identity: Identity,
        handle: HandleFn,
        mark_delivered: MarkFn,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        language_code: str | None = None,
        on_eof: Callable[[], None] | None = None,
        max_upload_bytes: int = 10_000_000,
        files_dir: Path | None = None,
    ) -> None:
        """``files_dir``: where files the bot sends (exports, packing lists, the round's
        workbook and chart) are saved, one folder per identity; None: only named."""
        self._max_upload_bytes = max_upload_bytes
        self._files = (
            files_dir / _UNSAFE_NAME.sub("_", identity.user_id) if files_dir is not None else None
        )
        self.identity = identity
        self.chat_id = identity.user_id
        self._handle = handle
        self._mark_delivered = mark_delivered
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._ansi = self._stdout.isatty()
        self._language = language_code
        self._on_eof = on_eof
        self._task: asyncio.Task[None] | None = None
        self._counter = 0
        # Extra lines shown at start, e.g. first steps on an empty database.
        self.banner: str | None = None

    def _print(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()

    async def start(self) -> None:
        self._print(
            f"AidBridge console as {self.identity}. Type /help. Buttons appear as numbered "
            "options: answer with the number, or type the word in brackets (e.g. назад). "
            "Ctrl-D quits."
        )
        if self.banner:
            self._print(self.banner)
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _read_line(self) -> str | None:
        line = await asyncio.to_thread(self._stdin.readline)
        return line if line else None

    async def _loop(self) -> None:
        while True:
            if self._ansi:
                self._stdout.write("> ")
                self._stdout.flush()
            line = await self._read_line()
            if line is None:
                if self._on_eof is not None:
                    self._on_eof()
                return
            text = line.rstrip("\n")
            if not text.strip():
                continue
            if text.strip().startswith("/upload"):
                await self.send_file(text.strip().removeprefix("/upload").strip())
                continue
            await self.send_text(text)

    async def send_text(self, text: str) -> list[Reply]:
        self._counter += 1
        incoming = Incoming(
            chat=ChatRef(transport=self.name, chat_id=self.chat_id),
            sender=self.identity,
            # Unique across runs, so the dedupe table never mistakes a new line for a replay.
            update_id=f"{time.time_ns()}-{self._counter}",
            text=text,
            buttons=False,
            language_code=self._language,
        )
        replies = await self._handle(incoming)
        for reply in replies:
            await self._show(reply)
        return replies

    async def send_file(self, path_text: str) -> list[Reply]:
        """``/upload PATH``: the console's way to send a file, as a chat app attaches one. Read
        up to the size limit into memory only; the engine reads and drops it."""
        found = await asyncio.to_thread(_read_upload, path_text, self._max_upload_bytes)
        if found is None:
            self._print(f"/upload: no such file: {path_text or '(none given)'}\n")
            return []
        name, size, data = found
        self._counter += 1
        incoming = Incoming(
            chat=ChatRef(transport=self.name, chat_id=self.chat_id),
            sender=self.identity,
            update_id=f"{time.time_ns()}-{self._counter}",
            buttons=False,
            language_code=self._language,
            attachment_size=size,
            upload=Upload(filename=name, size=size, data=data)
            if is_spreadsheet_name(name)
            else None,
        )
        replies = await self._handle(incoming)
        for reply in replies:
            await self._show(reply)
        return replies

    async def _saved(self, reply: Reply) -> Path | None:
        if reply.document is None or self._files is None:
            return None
        try:
            return await asyncio.to_thread(save_document, self._files, reply.document)
        except OSError as exc:
            log.warning("console: file %s not saved: %s", reply.document.filename, exc)
            return None

    async def _show(self, reply: Reply) -> None:
        self._print(render(reply, ansi=self._ansi, saved=await self._saved(reply)))
        self._print("")
        if reply.outbox_id is not None:
            await self._mark_delivered(reply.outbox_id)

    async def deliver(self, chat_id: str, reply: Reply) -> None:
        if chat_id != self.chat_id:
            # Another console identity's notification: nobody is reading it here.
            log.info("console notification for %s kept: not this session", chat_id)
            raise DeliveryError("console recipient not attached", retry_after=3600)
        self._print("🔔 " + render(reply, ansi=self._ansi, saved=await self._saved(reply)))
        self._print("")
