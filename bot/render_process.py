"""A process of its own that draws files: both ends of its pipe.

Drawing a chart or a 100,000-row workbook in a worker thread of the bot still stops the event
loop: the garbage a chart leaves holds the interpreter lock for 30-110 ms when it is collected,
and openpyxl/lxml close a big sheet in one 60-80 ms stretch of C. In a child process they stop
nobody. The parent's share is cut small too: ``json_pieces`` writes the request's JSON a slice
at a time (100,000 rows in one ``model_dump_json`` hold the lock for about 70 ms), and the
pipe's reads and writes release the lock while they wait.

The protocol, one request at a time: the parent writes a request (``RenderRequest`` as JSON)
and a newline on the child's stdin; the child answers ``OK <length>`` and a newline and the
file's bytes, or ``ERR <message>`` and a newline, on its stdout. End of input ends the child.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import selectors
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO, Final

from pydantic import BaseModel
from pydantic_core import to_json

from bot.render_requests import RENDER_REQUEST, RenderRequest

# Elements per piece of a long list: about half a millisecond of serialising for export rows.
SLICE: Final = 1000
# The child's scheduling priority below the bot's (0): about a tenth of its CPU share.
NICENESS: Final = 10


class RenderFailed(RuntimeError):
    """The render process could not draw a file (it said why, died, or took too long)."""


def json_pieces(value: object) -> Iterator[bytes]:
    """The JSON pydantic writes for ``value``, in pieces that each take a moment to write.

    Models and dataclasses are walked field by field, lists and tuples longer than ``SLICE``
    are written a slice at a time, shorter ones holding models, dataclasses or sequences item
    by item; everything else goes to pydantic whole. A model
    that serialises in its own way (aliases, serializers, computed or excluded fields, JSON
    options) is written whole as well, so the result is always what pydantic would write.
    """
    if isinstance(value, BaseModel) and _plain_model(type(value)):
        yield from _object((name, getattr(value, name)) for name in type(value).model_fields)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        yield from _object((field.name, getattr(value, field.name)) for field in fields)
    elif isinstance(value, list | tuple) and len(value) > SLICE:
        yield b"["
        for start in range(0, len(value), SLICE):
            piece = to_json(list(value[start : start + SLICE]))[1:-1]
            yield piece if start == 0 else b"," + piece
        yield b"]"
    elif isinstance(value, list | tuple) and any(map(_nested, value)):
        # A few big things (sheets of a workbook, say): each written in its own pieces.
        yield b"["
        for index, item in enumerate(value):
            if index:
                yield b","
            yield from json_pieces(item)
        yield b"]"
    else:
        yield to_json(value)


def _nested(value: object) -> bool:
    """Whether ``json_pieces`` would cut ``value`` further."""
    return isinstance(value, BaseModel | list | tuple) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    )


def _object(items: Iterator[tuple[str, object]]) -> Iterator[bytes]:
    yield b"{"
    for index, (name, value) in enumerate(items):
        yield (b"," if index else b"") + to_json(name) + b":"
        yield from json_pieces(value)
    yield b"}"


def _plain_model(model: type[BaseModel]) -> bool:
    """Whether the model's JSON is just its fields' JSON under their own names."""
    decorators = model.__pydantic_decorators__
    return (
        not model.model_computed_fields
        and not decorators.field_serializers
        and not decorators.model_serializers
        and not any(key.startswith("ser_json") for key in model.model_config)
        and all(
            field.alias is None and field.serialization_alias is None and not field.exclude
            for field in model.model_fields.values()
        )
    )


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child's end: draw each request until ``requests`` ends."""
    for line in requests:
        try:
            data = RENDER_REQUEST.validate_json(line).render()
        except Exception as exc:  # the bot hears of it and answers with its error reply
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            answers.write(f"ERR {message}\n".encode())
        else:
            answers.write(f"OK {len(data)}\n".encode() + data)
        answers.flush()


class RenderProcess:
    """The parent's end: ``python -m bot.render_process`` as a child, started at the first
    request and kept.

    Called from worker threads, one request at a time. A child that dies or hangs is replaced
    at the next request.
    """

    def __init__(self, timeout: float | None = None) -> None:
        """``timeout``: for every request instead of its kind's own ``timeout_seconds``."""
        self._timeout = timeout
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None

    def render(self, request: RenderRequest) -> bytes:
        timeout = self._timeout if self._timeout is not None else request.timeout_seconds
        with self._lock:
            child = self._started()
            try:
                self._send(child, request)
                return self._answer(child, timeout)
            except RenderFailed:
                raise
            except (OSError, ValueError) as exc:
                self._stop()
                raise RenderFailed(f"the render process failed: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "bot.render_process"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self._child

    def _send(self, child: subprocess.Popen[bytes], request: RenderRequest) -> None:
        assert child.stdin is not None
        for piece in json_pieces(request):
            child.stdin.write(piece)  # waits for the child's reads without holding the lock
        child.stdin.write(b"\n")
        child.stdin.flush()

    def _answer(self, child: subprocess.Popen[bytes], timeout: float) -> bytes:
        assert child.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            # The first request waits for the child's imports too.
            if not selector.select(timeout):
                self._stop()
                raise RenderFailed(f"nothing drawn within {timeout:g} s")
        head = child.stdout.readline().decode()
        status, _, rest = head.partition(" ")
        if status == "OK":
            data = child.stdout.read(int(rest))
            if len(data) == int(rest):
                return data
        elif status == "ERR":
            raise RenderFailed(rest.strip())
        self._stop()  # it died mid-answer or said something else: start afresh next time
        raise RenderFailed(f"the render process ended (answer {head[:80]!r})")

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        if child.stdin is not None:
            # End of input: it exits. A child that died with a request half written leaves
            # the rest unflushable.
            with contextlib.suppress(OSError):
                child.stdin.close()
        try:
            child.wait(timeout=2)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()


if __name__ == "__main__":
    # Drawing is background work. On a one-core server an un-niced child would take half the
    # core the bot's event loop answers chats on for as long as it draws (a 100,000-row
    # workbook: 10-30 s); niced, it takes what the bot leaves.
    os.nice(NICENESS)
    serve(sys.stdin.buffer, sys.stdout.buffer)
