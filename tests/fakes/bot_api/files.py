"""Files the fake knows: uploads from the bot, documents users send, and their downloads."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any, Final

from tests.fakes.bot_api.account import BotAccount
from tests.fakes.bot_api.records import RecordedFile
from tests.fakes.bot_api.wire import ApiError, Handler

MAX_DOWNLOAD_BYTES: Final = 20 * 1024 * 1024  # bots cannot getFile anything larger


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    size: int
    content: bytes | None  # None: generate `size` filler bytes on download (huge fake files)

    def data(self) -> bytes:
        return self.content if self.content is not None else _filler(self.size)


class FileStore:
    """Files by file_id (for getFile and re-sending) and by file_path (for downloads)."""

    def __init__(self, account: BotAccount) -> None:
        self._account = account
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        # file_path of every download served, in order (tests: was the file fetched?)
        self.downloads: list[str] = []

    def handlers(self) -> dict[str, Handler]:
        return {"getFile": self._get_file}

    def knows(self, file_id: object) -> bool:
        return file_id in self._by_id

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def receive_document(
        self, file_name: str, size: int, content: bytes | None, mime_type: str | None
    ) -> dict[str, Any]:
        """Store a file a user sends; returns the Document for the message carrying it."""
        stored = self._store(
            "documents",
            file_name,
            content,
            mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream",
            size=size if content is None else len(content),
        )
        return document_dict(stored)

    def register_foreign(self, document: dict[str, Any]) -> None:
        """Make the Document of a hand-built update downloadable like a real one: its ids and
        size are replaced by the fake's own."""
        file_name = document.get("file_name")
        stored = self._store(
            "documents",
            file_name if isinstance(file_name, str) else None,
            None,
            document.get("mime_type"),
            size=int(document.get("file_size") or 0),
        )
        document.update(document_dict(stored))

    def resolve_upload(
        self, name: str, params: dict[str, Any], files: dict[str, RecordedFile], folder: str
    ) -> StoredFile:
        """The file a send method names in parameter `name`: a multipart upload (directly or
        by "attach://"), or a file_id the fake handed out before."""
        upload = files.get(name)
        value = params.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is not None:
            return self._store(
                folder,
                upload.file_name,
                upload.content,
                upload.content_type or mimetypes.guess_type(upload.file_name or "")[0],
                size=upload.size,
            )
        if isinstance(value, str) and value in self._by_id:
            return self._by_id[value]  # re-sending by file_id
        if value is None:
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _store(
        self,
        folder: str,
        file_name: str | None,
        content: bytes | None,
        mime_type: str | None,
        *,
        size: int,
    ) -> StoredFile:
        number = len(self._by_id) + 1
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{self._account.bot_id}_{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
            size=size,
            content=content,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    async def _get_file(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        stored = self._by_id.get(str(params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }


def document_dict(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name is not None:
        document["file_name"] = stored.file_name
    if stored.mime_type is not None:
        document["mime_type"] = stored.mime_type
    return document


def _filler(size: int) -> bytes:
    pattern = b"AidBridge fake file\n"
    return (pattern * (size // len(pattern) + 1))[:size]
