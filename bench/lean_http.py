"""A lean HTTP/1.1 client for load: pre-built requests on keep-alive connections.

httpx spends about a millisecond of client CPU per request, so one benchmark process cannot
saturate a server with it. Here each connection is an ``asyncio.Protocol`` that writes a request
built once as bytes and reads just enough of the reply to know its status and where it ends
(``Content-Length``; the servers under test never chunk these replies). One request at a time
per connection, as a keep-alive client does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator


class ReplyError(RuntimeError):
    """The server closed the connection or sent something that is not an HTTP/1.1 reply."""


def request(method: str, path: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    """One request as bytes, with ``Content-Length`` and keep-alive."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection(asyncio.Protocol):
    """One keep-alive connection; :meth:`send` writes a request and waits for its status."""

    def __init__(self) -> None:
        self.transport: asyncio.WriteTransport | None = None
        self.buffer = bytearray()
        self.waiting: asyncio.Future[int] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # TCP: a write transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(ReplyError(f"connection closed: {exc}"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._parse()

    def _parse(self) -> None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiting is None:
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        waiting, self.waiting = self.waiting, None
        if not waiting.done():
            waiting.set_result(status)

    async def send(self, raw: bytes) -> int:
        if self.closed or self.transport is None:
            raise ReplyError("connection closed")
        self.waiting = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiting

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(host: str, port: int) -> Connection:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(Connection, host, port)
    return protocol


async def pool(host: str, port: int, size: int) -> list[Connection]:
    return list(await asyncio.gather(*(connect(host, port) for _ in range(size))))


async def drive(
    connections: list[Connection],
    requests: Iterator[bytes],
) -> list[tuple[float, int]]:
    """Send every request, each connection taking the next one as soon as its reply is in.

    Returns ``(latency seconds, status)`` per request, in completion order."""
    loop = asyncio.get_running_loop()
    results: list[tuple[float, int]] = []

    async def worker(conn: Connection) -> None:
        for raw in requests:
            started = loop.time()
            status = await conn.send(raw)
            results.append((loop.time() - started, status))

    await asyncio.gather(*(worker(c) for c in connections))
    return results
