"""Group work: requests that arrive while a batch runs share the next one.

A single task takes whatever is waiting (up to ``limit``), runs it as one batch and answers each
caller with its own result or its own exception. Under load, batches grow by themselves (one
transaction and one fsync for many posts); alone, a request waits for nothing but its own batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

Runner = Callable[[Sequence[T]], Awaitable[Sequence[R | BaseException]]]


class Closed(RuntimeError):
    """The batcher was closed; nothing more is taken."""


class Batcher(Generic[T, R]):
    def __init__(self, run: Runner[T, R], *, limit: int = 256, name: str = "batch") -> None:
        self._run = run
        self.limit = limit
        self.name = name
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0  # how many batches ran (a test counts transactions with it)
        self.items = 0

    async def submit(self, item: T) -> R:
        if self._closing:
            raise Closed(f"{self.name} is closed")
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.name)
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._wake.set()
        return await future

    async def close(self) -> None:
        """Finish what is waiting, then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                batch, self._waiting = (
                    self._waiting[: self.limit],
                    self._waiting[self.limit :],
                )
                await self._one(batch)
            if self._closing:
                return

    async def _one(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            results = await self._run([item for item, _ in batch])
        except BaseException as exc:  # the whole batch failed: every caller hears why
            if not isinstance(exc, Exception):
                for _, future in batch:
                    if not future.done():
                        future.cancel()
                raise
            log.warning("%s: a batch of %d failed", self.name, len(batch), exc_info=True)
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the caller gave up (client gone); the work stands
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
