"""The HTTP side: the aiohttp app, routing of /bot<token>/<method> to the parts that handle
it, file downloads, start and stop. Every call passes the token check and the injected
faults first, then its handler; the call log records what was answered."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import suppress
from typing import Any, Final

from aiohttp import web

from tests.fakes.bot_api.account import BotAccount
from tests.fakes.bot_api.faults import GARBAGE_BODY, FaultInjector
from tests.fakes.bot_api.files import FileStore
from tests.fakes.bot_api.records import CallLog, RecordedFile
from tests.fakes.bot_api.wire import ApiError, GarbageAnswer, Handler, PollConflict

# getUpdates gets the request itself, to notice a client that gave up on its long poll.
PollHandler = Callable[[dict[str, Any], web.Request], Awaitable[Any]]

# PTB sends strings raw and JSON-encodes everything else, so a form value can only be decoded
# as JSON if the parameter is not a string parameter: text "42" must stay the string "42".
STRING_PARAMS: Final = frozenset(
    [
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "url",
        "language_code",
        "action",
        "secret_token",
        "ip_address",
        "title",
        "description",
        "short_description",
        "name",
        "emoji",
        "query",
        "business_connection_id",
        "message_effect_id",
        "document",
        "photo",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "thumbnail",
    ]
)


class BotApiServer:
    """An aiohttp server on `host`:`port` (0 picks a free port) answering Bot API methods."""

    def __init__(
        self,
        account: BotAccount,
        *,
        host: str,
        port: int,
        handlers: Mapping[str, Handler],
        poll: PollHandler,
        faults: FaultInjector,
        log: CallLog,
        files: FileStore,
        on_start: Callable[[], None],
        on_stop: Callable[[], None],
    ) -> None:
        self.host = host
        self.port = port
        self._account = account
        self._poll = poll
        self._faults = faults
        self._log = log
        self._files = files
        # The update queue opens and closes with the server, so long polls end with it.
        self._on_start = on_start
        self._on_stop = on_stop
        self._closed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        # Telegram treats method names case-insensitively; calls are recorded under the
        # canonical spelling so calls("sendMessage") finds "sendmessage" too. getUpdates maps
        # to None: it goes to `poll`, which needs the request.
        table: dict[str, Handler | None] = {"getUpdates": None, **handlers}
        self._methods = {name.lower(): (name, handler) for name, handler in table.items()}

        # Large uploads (exports, scans) must fit; aiohttp's default body limit is 1 MiB.
        self.app = web.Application(client_max_size=60 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._url

    @property
    def running(self) -> bool:
        return self._runner is not None

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        self.app.router.add_routes(routes)

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._on_start()
        # A short shutdown_timeout is a safety net only: stop() wakes every waiting handler,
        # so cleanup normally finishes at once.
        self._closed = asyncio.Event()
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        # A restart binds the port of the first start, so a bot keeps its base_url across a
        # simulated Telegram outage (stop(), then start() again).
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._url = f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closed.set()
        self._on_stop()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def _handle_method(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method_name = request.match_info["method"]
        params, files = await _read_params(request)
        known = self._methods.get(method_name.lower())
        canonical, handler = known if known is not None else (method_name, None)
        try:
            if request.match_info["token"] != self._account.token:
                raise ApiError(401, "Unauthorized")
            self._faults.check_token()
            if known is None:
                raise ApiError(404, "Not Found")
            lose_answer_after = self._faults.check(canonical, params)
            if handler is None:
                result: Any = await self._poll(params, request)
            else:
                result = await handler(params, files)
            if lose_answer_after > 0:
                # Done, recorded as done; then the answer is lost on its way back.
                self._log.accept(canonical, params, files, at, result)
                await self._sleep_unless_closing(lose_answer_after)
                lost = ApiError(502, "Bad Gateway", fault="lost_answer")
                return web.json_response(lost.payload(), status=lost.code)
        except PollConflict as exc:
            return web.json_response(exc.payload(), status=exc.code)
        except ApiError as exc:
            self._log.refuse(
                canonical,
                params,
                files,
                at,
                fault=exc.fault,
                error_code=exc.code,
                description=exc.description,
            )
            if exc.delay > 0:
                # Recorded first, so a test sees the fault while the client is still waiting.
                await self._sleep_unless_closing(exc.delay)
            if isinstance(exc, GarbageAnswer):
                return web.Response(text=GARBAGE_BODY, status=200, content_type="text/html")
            return web.json_response(exc.payload(), status=exc.code)
        call = self._log.accept(canonical, params, files, at, result)
        if self._log.before_answer is not None:
            await self._log.before_answer(call)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._account.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self._files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        self._files.downloads.append(stored.file_path)
        return web.Response(
            body=stored.data(),
            content_type=(stored.mime_type or "application/octet-stream").split(";")[0],
        )

    async def _sleep_unless_closing(self, seconds: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), seconds)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, RecordedFile]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, RecordedFile] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = RecordedFile(
                        key, value.filename, value.file.read(), value.content_type
                    )
                else:
                    raw[key] = value
    return {key: _decode(key, value) for key, value in raw.items()}, files


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id "@channel"
