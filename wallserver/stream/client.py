"""One connected wall client: where its messages go, and the last seq it was sent.

A client starts *queued*: while the socket replays ``(since, L]`` from the database, the hub's
live messages wait in a bounded outbox. Once the replay and the outbox are sent, a client whose
socket the hub can write directly (:mod:`wallserver.stream.direct`) goes *live*: the outbox is
dropped and the hub writes each message straight to the socket, with no task, queue or await of
its own. A live client whose socket holds more than ``max_buffered`` unsent bytes, or a queued
one whose outbox is full, is too slow: ``on_overflow`` is called once, and the socket is closed
with 4008 (the client resumes from its seq).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from wallserver.stream.direct import FULL, SENT, DirectSocket, Outgoing


class TooSlow(Exception):
    """The client fell more than its buffer behind; it is closed and resumes from its seq."""


class WallClient:
    __slots__ = (
        "_buffer", "_outbox", "_wake", "max_buffered", "on_overflow", "sent", "socket",
        "too_slow",
    )  # fmt: skip

    def __init__(self, since: int, buffer: int) -> None:
        self.sent = since
        self.too_slow = False
        self.on_overflow: Callable[[], None] | None = None
        self.socket: DirectSocket | None = None
        self.max_buffered = 0
        self._buffer = buffer
        self._outbox: deque[tuple[int, str]] | None = deque()
        self._wake: asyncio.Event | None = None  # only while someone waits in next()

    @property
    def live(self) -> bool:
        return self._outbox is None

    def use_socket(self, socket: DirectSocket | None, max_buffered: int) -> None:
        """Let the hub write to ``socket`` once the client is live (see :meth:`go_live`)."""
        self.socket = socket
        self.max_buffered = max_buffered

    def offer(self, message: Outgoing) -> None:
        """Called by the hub's fan-out; never blocks."""
        if self.too_slow:
            return
        if self._outbox is None:
            if message.seq > self.sent:
                assert self.socket is not None
                done = self.socket.send(message, self.max_buffered)
                if done == SENT:
                    self.sent = message.seq
                elif done == FULL:
                    self._overflow()
                # CLOSED: the reader sees the disconnect and the client leaves
            return
        if len(self._outbox) >= self._buffer:
            self._overflow()
        else:
            self._outbox.append((message.seq, message.text))
            if self._wake is not None:
                self._wake.set()

    def go_live(self) -> bool:
        """After the replay: hand the socket to the hub once nothing is left in the outbox.

        True when the client is now live; False when the outbox still holds something to send
        (or there is no direct socket). Runs without awaiting, so no fan-out slips in between.
        """
        outbox = self._outbox
        if outbox is None:
            return True
        if self.socket is None or self.too_slow or not self.socket.settle():
            return False
        while outbox and outbox[0][0] <= self.sent:
            outbox.popleft()
        if outbox:
            return False
        self._outbox = None
        return True

    async def next(self) -> tuple[int, str]:
        """The next queued message, skipping what this client has already been sent."""
        outbox = self._outbox
        assert outbox is not None, "a live client has no outbox"
        while True:
            while outbox:
                seq, text = outbox.popleft()
                if seq > self.sent:
                    return seq, text
            if self.too_slow:
                raise TooSlow
            self._wake = asyncio.Event()
            try:
                await self._wake.wait()
            finally:
                self._wake = None

    def _overflow(self) -> None:
        if self.too_slow:
            return
        self.too_slow = True
        if self._wake is not None:
            self._wake.set()
        if self.on_overflow is not None:
            self.on_overflow()
