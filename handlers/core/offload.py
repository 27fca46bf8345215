"""The one way handlers run CPU-heavy work: one report at a time, in a worker thread, no lock.

Charts (matplotlib), spreadsheets (openpyxl), CSV and the text of a digest over a big window
take from a few hundred milliseconds to many seconds. On the event loop they would stall every
chat for that long; inside a transaction they would hold the database's write lock just as
long. A report therefore takes a slot (``ReportSlots.slot``), reads in a short read
(``Database.snapshot()``), renders through ``off_loop`` and, when it records something, writes in
a short transaction afterwards.

One slot: a worker thread shares the interpreter lock with the event loop, and every
CPU-bound thread is one more the loop queues behind after each socket or database call; two
100,000-line exports at once would hold two tables in memory; and a digest firing that waited
behind the one it duplicates finds the run recorded and draws nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class ReportSlots:
    """Reports of one process wait here for their turn; one per HandlerContext."""

    def __init__(self, concurrent: int = 1) -> None:
        self._slots = asyncio.Semaphore(concurrent)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            yield


async def off_loop(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in the loop's default thread pool.

    ``fn`` must be safe in a worker thread: the renderers build their own objects per call
    (bot/file_renderers.py), and everything else passed here is pure.
    """
    return await asyncio.to_thread(fn, *args, **kwargs)
