"""One connected wall client: a bounded outbox and the last seq it was sent."""

from __future__ import annotations

import asyncio


class TooSlow(Exception):
    """The client fell more than its buffer behind; it is closed and resumes from its seq."""


class WallClient:
    def __init__(self, since: int, buffer: int) -> None:
        self.sent = since
        self._outbox: asyncio.Queue[tuple[int, str]] = asyncio.Queue(buffer)
        self.overflowed = asyncio.Event()

    def offer(self, seq: int, text: str) -> None:
        """Called by the hub's fan-out; never blocks."""
        if self.overflowed.is_set():
            return
        try:
            self._outbox.put_nowait((seq, text))
        except asyncio.QueueFull:
            self.overflowed.set()

    async def next(self) -> tuple[int, str]:
        """The next message to send, skipping what this client has already been sent."""
        while True:
            if self.overflowed.is_set() and self._outbox.empty():
                raise TooSlow
            seq, text = await self._outbox.get()
            if seq > self.sent:
                return seq, text
