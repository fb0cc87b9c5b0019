"""A lean WebSocket viewer for load: thousands of them from one asyncio process.

The ``websockets`` client costs a task, a queue and an assembler per connection and cannot drive
10,000 sockets from one process fast enough to measure a server. Here each viewer is an
``asyncio.Protocol`` that writes a handshake built once, then parses just enough of each frame to
find the message's ``seq`` (messages start ``{"type":"…","seq":N``), answers pings, and records
the close code. Every server under test gets the same client, so its cost falls on all alike.

:class:`Viewers` tracks when each seq has reached the last viewer, and counts gaps and
duplicates (a seq that is not the previous one plus one), which must stay zero.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import resource
import time
import zlib
from collections import defaultdict
from urllib.parse import urlsplit

CONNECT_PARALLEL = 200
SEQ_KEY = b'"seq":'
DEFLATE_TAIL = b"\x00\x00\xff\xff"


class ViewerError(RuntimeError):
    """A viewer could not connect, or did not say hello as the protocol says."""


def raise_fd_limit() -> int:
    """Lift this process's open-file limit to its hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def handshake(url: str, deflate: bool) -> bytes:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
    ]
    if deflate:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def seq_of(payload: bytes) -> int:
    start = payload.index(SEQ_KEY) + len(SEQ_KEY)
    while payload[start] == 32:  # a space (json.dumps' default separators)
        start += 1
    end = start
    while 48 <= payload[end] <= 57:
        end += 1
    return int(payload[start:end])


class Viewer(asyncio.Protocol):
    __slots__ = (
        "buffer", "close_code", "hello", "inflate", "last", "request", "tracker", "transport",
        "upgraded",
    )  # fmt: skip

    def __init__(self, tracker: Viewers, request: bytes) -> None:
        self.tracker = tracker
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.inflate: zlib._Decompress | None = None
        self.hello: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.last = -1
        self.close_code: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # TCP
        self.transport.write(self.request)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.tracker.lost(self)
        if not self.hello.done():
            self.hello.set_exception(ViewerError(f"closed before hello ({exc})"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[: end + 4]
            if not head.startswith("HTTP/1.1 101"):
                self.hello.set_exception(ViewerError(f"refused: {head.splitlines()[0]}"))
                assert self.transport is not None
                self.transport.close()
                return
            self.upgraded = True
            if "permessage-deflate" in head.lower():
                self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        self._frames()

    def _frames(self) -> None:
        buf = self.buffer
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            first, second = buf[pos], buf[pos + 1] & 0x7F
            head = 2
            if second == 126:
                if size - pos < 4:
                    break
                second = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif second == 127:
                if size - pos < 10:
                    break
                second = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + second:
                break
            payload = bytes(buf[pos + head : pos + head + second])
            pos += head + second
            self._frame(first, payload)
        if pos:
            del buf[:pos]

    def _frame(self, first: int, payload: bytes) -> None:
        opcode = first & 0x0F
        assert self.transport is not None
        if opcode == 1:
            if first & 0x40 and self.inflate is not None:
                payload = self.inflate.decompress(payload + DEFLATE_TAIL)
            seq = seq_of(payload)
            if not self.hello.done():
                self.last = seq
                self.hello.set_result(seq)
            else:
                self.tracker.got(self, seq, len(payload))
        elif opcode == 9:  # ping: a pong, masked with a zero key (legal, and XOR-free)
            self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
        elif opcode == 8:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.transport.write(b"\x88\x82\0\0\0\0" + payload[:2].ljust(2, b"\x03"))
            self.transport.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"\x88\x82\0\0\0\0\x03\xe8")
            self.transport.close()


class Viewers:
    """N lean viewers of one URL, and when each seq has reached every one of them."""

    def __init__(self, count: int, deflate: bool = False) -> None:
        self.count = count
        self.deflate = deflate
        self.start_seq = 0
        self.anomalies = 0
        self.messages = 0
        self.bytes = 0
        self.viewers: list[Viewer] = []
        self.open = 0
        self._all_closed = asyncio.Event()
        self._arrived: defaultdict[int, int] = defaultdict(int)
        self._complete: dict[int, float] = {}
        self._waiters: dict[int, asyncio.Future[float]] = {}

    @property
    def mean_message_bytes(self) -> float:
        return self.bytes / self.messages if self.messages else float("nan")

    async def connect(self, url: str, within: float = 120.0) -> None:
        """Open every viewer (a few hundred at a time) and read each one's hello."""
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(CONNECT_PARALLEL)
        request = handshake(url, self.deflate)

        async def one() -> int:
            async with gate:
                viewer = Viewer(self, request)
                await loop.create_connection(lambda: viewer, host, port)
                self.viewers.append(viewer)
                self.open += 1
                return await viewer.hello

        try:
            async with asyncio.timeout(within):
                hellos = await asyncio.gather(*(one() for _ in range(self.count)))
        except TimeoutError as exc:
            raise ViewerError(f"{len(self.viewers)} of {self.count} viewers connected") from exc
        except OSError as exc:
            raise ViewerError(f"a viewer could not connect: {exc}") from exc
        if len(set(hellos)) != 1:
            raise ViewerError(f"viewers disagree on the current seq: {sorted(set(hellos))}")
        self.start_seq = hellos[0]

    def got(self, viewer: Viewer, seq: int, size: int) -> None:
        self.messages += 1
        self.bytes += size
        if seq != viewer.last + 1:
            self.anomalies += 1
        viewer.last = seq
        self._arrived[seq] += 1
        if self._arrived[seq] == self.count:
            now = time.perf_counter()
            self._complete[seq] = now
            del self._arrived[seq]
            waiter = self._waiters.pop(seq, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(now)

    def lost(self, viewer: Viewer) -> None:
        self.open -= 1
        if self.open <= 0:
            self._all_closed.set()

    def closes(self) -> dict[int | None, int]:
        codes: defaultdict[int | None, int] = defaultdict(int)
        for viewer in self.viewers:
            if viewer.close_code is not None:
                codes[viewer.close_code] += 1
        return dict(codes)

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
                f" within {within:.0f}s (close codes: {self.closes()})"
            ) from exc

    async def close(self) -> None:
        for viewer in self.viewers:
            viewer.close()
        if self.open > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    await self._all_closed.wait()
