"""N wall viewers in this process, and when each seq has reached every one of them.

Each viewer is a ``websockets`` asyncio client that reads ``hello`` and then every message,
parsing its ``seq``. The tracker records the moment a seq has arrived at the last viewer, which is
the latency the benchmark reports: "every screen shows it". It also counts gaps and duplicates
(a seq that is not the previous one plus one), which must stay zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict

from websockets.asyncio.client import ClientConnection, connect

CONNECT_PARALLEL = 20


class ViewerError(RuntimeError):
    """A viewer could not connect or did not say hello as the protocol says."""


class Viewers:
    def __init__(self, count: int, deflate: bool = True) -> None:
        self.count = count
        self.compression = "deflate" if deflate else None  # browsers offer permessage-deflate
        self.start_seq = 0
        self.anomalies = 0
        self.messages = 0
        self.bytes = 0
        self._connections: list[ClientConnection] = []
        self._readers: list[asyncio.Task[None]] = []
        self._arrived: defaultdict[int, int] = defaultdict(int)
        self._complete: dict[int, float] = {}
        self._waiters: dict[int, asyncio.Future[float]] = {}

    @property
    def mean_message_bytes(self) -> float:
        return self.bytes / self.messages if self.messages else float("nan")

    async def connect(self, url: str, within: float = 60.0) -> None:
        """Open every viewer (a few at a time) and read each one's hello."""
        gate = asyncio.Semaphore(CONNECT_PARALLEL)
        hellos: list[int] = []

        async def one() -> None:
            async with gate:
                # proxy=None: only ever talk to the local server, whatever the environment says
                ws = await connect(
                    url,
                    compression=self.compression,
                    proxy=None,
                    open_timeout=10,
                    ping_interval=None,
                )
                self._connections.append(ws)
                hello = json.loads(await ws.recv())
                if hello.get("type") != "hello":
                    raise ViewerError(f"expected hello, got {hello!r}")
                hellos.append(int(hello["seq"]))

        try:
            async with asyncio.timeout(within):
                await asyncio.gather(*(one() for _ in range(self.count)))
        except TimeoutError as exc:
            raise ViewerError(f"{len(hellos)} of {self.count} viewers connected") from exc
        if len(set(hellos)) != 1:
            raise ViewerError(f"viewers disagree on the current seq: {sorted(set(hellos))}")
        self.start_seq = hellos[0]
        self._readers = [
            asyncio.create_task(self._read(ws, self.start_seq)) for ws in self._connections
        ]

    async def _read(self, ws: ClientConnection, last: int) -> None:
        with contextlib.suppress(Exception):  # a closed connection ends the reader
            async for raw in ws:
                seq = int(json.loads(raw)["seq"])
                self.messages += 1
                self.bytes += len(raw)
                if seq != last + 1:
                    self.anomalies += 1
                last = seq
                self._arrived[seq] += 1
                if self._arrived[seq] == self.count:
                    now = time.perf_counter()
                    self._complete[seq] = now
                    waiter = self._waiters.pop(seq, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(now)

    async def all_have(self, seq: int, within: float) -> float:
        """Wait until every viewer has received ``seq``; the ``perf_counter`` when the last did."""
        if seq in self._complete:
            return self._complete[seq]
        waiter = self._waiters.get(seq)
        if waiter is None:
            waiter = self._waiters[seq] = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(within):
                return await waiter
        except TimeoutError as exc:
            raise ViewerError(
                f"seq {seq} reached {self._arrived.get(seq, 0)} of {self.count} viewers"
                f" within {within:.0f}s"
            ) from exc

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await asyncio.gather(
                    *(ws.close() for ws in self._connections), return_exceptions=True
                )
