"""The fan-out floor: a server that writes one pre-built frame to every socket, and nothing else.

``python -m bench.floor_ws --port N``. A viewer connecting to any path gets the handshake and
``{"type": "hello", "seq": 0, "reset": false}``. ``POST /fire`` allocates the next seq, builds a
``post.show`` of the same shape and size as wallserver's (``bench.payload.wall_message``),
frames it once and writes the bytes to every viewer's transport in one loop, then answers with
the seq. No framework, no per-client state beyond the transport: what remains is the cost of
the kernel and the event loop, the least any Python server can spend. ``GET /healthz`` is 200.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib

from websockets.frames import Frame, Opcode

from bench.loop import run
from bench.payload import wall_message
from bench.servers import HOST

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(text: str) -> bytes:
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def reply(status: str, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nContent-Type: text/plain\r\n\r\n"
    ).encode() + body


class Floor:
    def __init__(self) -> None:
        self.viewers: set[asyncio.Transport] = set()
        self.seq = 0

    def fire(self) -> int:
        self.seq += 1
        data = frame(wall_message(self.seq))
        for transport in self.viewers:
            transport.write(data)
        return self.seq


class Connection(asyncio.Protocol):
    def __init__(self, floor: Floor) -> None:
        self.floor = floor
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.websocket = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # TCP

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.floor.viewers.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        if self.websocket:
            if data[:1] == b"\x88":  # a close frame: echo it and hang up
                self.transport.write(b"\x88\x02\x03\xe8")
                self.transport.close()
            return  # viewers send nothing else the floor needs
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[: end + 4]
            self.request(head)

    def request(self, head: str) -> None:
        assert self.transport is not None
        lines = head.split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])
        }
        if headers.get("upgrade", "").lower() == "websocket":
            accept = base64.b64encode(
                hashlib.sha1(headers["sec-websocket-key"].encode() + GUID).digest()
            )
            self.transport.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
                + frame(f'{{"type":"hello","seq":{self.floor.seq},"reset":false}}')
            )  # fmt: skip
            self.websocket = True
            self.floor.viewers.add(self.transport)
        elif method == "POST" and path == "/fire":
            self.transport.write(reply("200 OK", str(self.floor.fire()).encode()))
        elif path == "/healthz":
            self.transport.write(reply("200 OK", b'{"status":"ok"}\n'))
        else:
            self.transport.write(reply("404 Not Found", b""))


async def main(port: int) -> None:
    floor = Floor()
    server = await asyncio.get_running_loop().create_server(
        lambda: Connection(floor), HOST, port, backlog=4096
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    run(main(parser.parse_args().port))
