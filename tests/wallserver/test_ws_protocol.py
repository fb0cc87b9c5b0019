"""Our WebSocket protocol for uvicorn (``wallserver.stream.protocol``) keeps uvicorn's
behaviour for every socket (messages both ways, pings, close codes, dead peers found) while
holding less per connection; and its queue and gate stand in for asyncio's."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
import websockets
from uvicorn.importer import import_from_string
from websockets.frames import CloseCode

from tests.conftest import free_port
from wallserver.stream.direct import DirectSocket
from wallserver.stream.protocol import IMPORT_PATH, Gate, Inbox, WallProtocol

WAIT = 10.0


class Echo:
    """An ASGI app that echoes text and bytes, closes with the code a text ``close NNNN``
    names, and remembers how each socket ended and what its ``send`` was."""

    def __init__(self) -> None:
        self.disconnects: asyncio.Queue[int] = asyncio.Queue()
        self.sends: list[Any] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        self.sends.append(send)
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                await self.disconnects.put(message["code"])
                return
            text = message.get("text")
            if text is not None and text.startswith("close "):
                await send({"type": "websocket.close", "code": int(text[6:]), "reason": "asked"})
                continue
            if text is not None:
                await send({"type": "websocket.send", "text": text})
            else:
                await send({"type": "websocket.send", "bytes": message["bytes"]})


@contextlib.asynccontextmanager
async def serving(app: Echo, ping: float | None = None) -> AsyncIterator[uvicorn.Server]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
        lifespan="off",
        ws=IMPORT_PATH,
        ws_ping_interval=ping,
        ws_ping_timeout=ping,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)  # polling the server's readiness, not a wait
    try:
        yield server
    finally:
        server.should_exit = True
        await task


def url(server: uvicorn.Server) -> str:
    return f"ws://127.0.0.1:{server.config.port}/"


def test_the_import_path_names_the_protocol() -> None:
    """``--ws wallserver.stream.protocol:WallProtocol`` is what uvicorn loads."""
    assert import_from_string(IMPORT_PATH) is WallProtocol


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_messages_pings_and_close_codes_work_both_ways(compression: str | None) -> None:
    """Text and bytes go both ways (long and fragmented ones too, with or without
    compression), the server answers pings, the client's close code reaches the app and the
    app's close code reaches the client."""
    app = Echo()
    async with serving(app) as server:
        async with websockets.connect(url(server), compression=compression) as ws:
            await ws.send("hello")
            assert await ws.recv() == "hello"
            await ws.send(b"\x00\x01")
            assert await ws.recv() == b"\x00\x01"
            long = "x" * 200_000
            await ws.send(long)
            assert await ws.recv() == long
            await ws.send(["frag", "mented"])
            assert await ws.recv() == "fragmented"
            pong = await ws.ping()
            async with asyncio.timeout(WAIT):
                await pong
            await ws.close(4000, "bye")
        async with asyncio.timeout(WAIT):
            assert await app.disconnects.get() == 4000

        async with websockets.connect(url(server), compression=compression) as ws:
            await ws.send("close 4008")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                async with asyncio.timeout(WAIT):
                    await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008


async def test_a_peer_that_answers_no_ping_is_cut_off() -> None:
    """A peer that completed the handshake and then went silent (no pong) is pinged, closed
    with 1011 and disconnected after the ping interval and timeout, and the app hears it."""
    app = Echo()
    async with serving(app, ping=0.1) as server:
        loop = asyncio.get_running_loop()
        with socket.create_connection(("127.0.0.1", server.config.port)) as raw:
            raw.setblocking(False)
            await loop.sock_sendall(
                raw,
                b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            )
            received = b""
            async with asyncio.timeout(WAIT):
                while chunk := await loop.sock_recv(raw, 4096):  # until the server hangs up
                    received += chunk
            async with asyncio.timeout(WAIT):
                await app.disconnects.get()
    head, _, frames = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    opcodes = []
    while frames:  # unmasked server frames, short payloads
        opcodes.append(frames[0] & 0x0F)
        size = frames[1] & 0x7F
        payload, frames = frames[2 : 2 + size], frames[2 + size :]
    assert opcodes[0] == 0x9 and opcodes[-1] == 0x8  # pinged, then closed:
    assert int.from_bytes(payload[:2], "big") == CloseCode.INTERNAL_ERROR  # keepalive timeout


async def test_an_idle_connection_keeps_no_handshake_and_no_dictionary() -> None:
    """Once open, a connection holds neither the handshake's request and response nor the
    parser that read the request, keeps every attribute in a slot (a newer uvicorn that adds
    one shows up here), and the hub finds its socket to write to directly."""
    app = Echo()
    async with serving(app) as server, websockets.connect(url(server)) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        [protocol] = server.server_state.connections
        assert isinstance(protocol, WallProtocol)
        assert getattr(protocol, "__dict__", {}) == {}
        assert protocol.request is None and protocol.response is None
        assert protocol.conn.parser.gi_code.co_qualname == "Protocol.parse"
        socket_ = DirectSocket.of(app.sends[0])
        assert socket_ is not None and socket_.settle()


async def test_the_inbox_hands_each_message_once_in_order_even_to_a_cancelled_reader() -> None:
    """Messages come out in the order they went in; a reader cancelled after being woken
    passes the message on to the next reader instead of losing it."""
    inbox = Inbox()
    assert inbox.empty()
    first = asyncio.ensure_future(inbox.get())
    second = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)  # both readers wait
    inbox.put_nowait({"type": "websocket.connect"})
    first.cancel()  # woken, then cancelled before it ran
    assert await second == {"type": "websocket.connect"}
    assert first.cancelled()
    inbox.put_nowait({"type": "websocket.receive", "text": "a"})
    inbox.put_nowait({"type": "websocket.receive", "text": "b"})
    assert not inbox.empty()
    assert [await inbox.get(), await inbox.get()] == [
        {"type": "websocket.receive", "text": "a"},
        {"type": "websocket.receive", "text": "b"},
    ]
    assert inbox.empty()


async def test_the_gate_holds_senders_while_closed_and_lets_them_all_go_when_opened() -> None:
    """While the transport takes no more writes, every send waits; when it drains, all go."""
    gate = Gate()
    assert gate.is_set()
    await gate.wait()  # open: no waiting
    gate.clear()
    waiting = [asyncio.ensure_future(gate.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiting)
    gate.set()
    async with asyncio.timeout(WAIT):
        await asyncio.gather(*waiting)
