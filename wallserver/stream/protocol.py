"""uvicorn's sans-I/O WebSocket protocol, holding less per connection.

Every guest's phone holds a wall socket for the whole event, so what one connection keeps is
paid thousands of times (docs/performance.md, "Issue #12"). :class:`WallProtocol` is uvicorn's
``websockets-sansio`` protocol with the same behaviour (handshake, pings that find dead peers,
close codes, the ASGI contract every socket relies on) and less kept per connection:

- its attributes in slots rather than an instance dictionary (about 40 of them: 1.6 KB as a
  dictionary, 0.3 KB as slots);
- :class:`Inbox` and :class:`Gate` for uvicorn's ``asyncio.Queue`` and ``asyncio.Event``:
  the same calls, but no ``deque`` (about 760 B each, five of them) until something waits;
- once the handshake is answered, the request and response are let go, and so is the
  ``websockets`` parser generator that would keep the parsed request in a local for the
  connection's life (it is swapped for a fresh frame parser, as ``websockets`` itself swaps
  ``parse()`` for ``discard()``).

``wallserver serve`` selects it (:func:`wallserver.stream.direct.server_options`); an ASGI
server started by hand selects it with ``--ws wallserver.stream.protocol:WallProtocol``.
Wall sockets are written to directly only under this protocol (:mod:`wallserver.stream.direct`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import Protocol
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

if TYPE_CHECKING:
    from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
    from uvicorn.config import Config
    from uvicorn.server import ServerState
    from websockets.http11 import Request, Response

IMPORT_PATH = "wallserver.stream.protocol:WallProtocol"


class Waiting:
    """The coroutines waiting on an :class:`Inbox` or a :class:`Gate`: a future each, in a list
    made only while one waits (an ``asyncio.Queue`` or ``Event`` holds a deque from the start)."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] | None = None

    async def _wait(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = [waiter]
        else:
            self._waiters.append(waiter)
        try:
            await waiter
        finally:
            waiters = self._waiters
            if waiters is not None:
                if waiter in waiters:
                    waiters.remove(waiter)
                if not waiters:
                    self._waiters = None

    def _wake_one(self) -> None:
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(None)
                return

    def _wake_all(self) -> None:
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)


class Inbox(Waiting):
    """What uvicorn's protocol uses of an ``asyncio.Queue`` (``put_nowait``, ``get``,
    ``empty``), unbounded, holding a list only while messages wait and a future only while
    someone waits for one."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        super().__init__()
        self._items: list[ASGIReceiveEvent] | None = None

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        if self._items is None:
            self._items = [item]
        else:
            self._items.append(item)
        self._wake_one()

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            try:
                await self._wait()
            except BaseException:
                if self._items:
                    self._wake_one()  # it may have been woken, then cancelled: pass it on
                raise
        item = self._items.pop(0)
        if not self._items:
            self._items = None
        return item


class Gate(Waiting):
    """What uvicorn's protocol uses of an ``asyncio.Event`` (``set``, ``clear``, ``is_set``,
    ``wait``): whether the transport takes more writes, with futures only while sends wait."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        super().__init__()
        self._open = True

    def is_set(self) -> bool:
        return self._open

    def set(self) -> None:
        self._open = True
        self._wake_all()

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> None:
        if not self._open:
            await self._wait()


class WallProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol with less kept per connection (module docstring)."""

    # Every attribute uvicorn 0.55's protocol sets (a test checks that none lands in a
    # dictionary, which would mean a newer uvicorn added one: then add it here).
    __slots__ = (
        "app", "app_state", "asgi_version", "client", "close_sent", "close_timeout",
        "close_timer", "config", "conn", "connections", "curr_msg_data_type", "default_headers",
        "disconnected", "frames", "handshake_complete", "handshake_initiated",
        "initial_response", "last_ping_rtt", "logger", "loop", "pending_ping_payload",
        "ping_interval", "ping_sent_at", "ping_timeout", "ping_timer", "pong_timer", "queue",
        "read_paused", "request", "response", "root_path", "scheme", "scope", "server", "tasks",
        "transport", "writable",
    )  # fmt: skip

    queue: Inbox  # type: ignore[assignment]
    writable: Gate  # type: ignore[assignment]
    request: Request | None  # type: ignore[assignment]
    response: Response | None  # type: ignore[assignment]

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.queue = Inbox()
        self.writable = Gate()
        self.request = None
        self.response = None

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if self.request is not None and self.handshake_complete:
            self._let_go_of_handshake()

    def _let_go_of_handshake(self) -> None:
        """Drop what only the handshake needed: uvicorn's request and response, and the
        parser generator that holds the request (replaced by a fresh frame parser, in the same
        state, when it waits at a frame boundary, as it does unless a frame is half read)."""
        self.request = None
        self.response = None
        conn = self.conn
        old = conn.parser
        frames = getattr(old, "gi_yieldfrom", None)
        waiting = getattr(frames, "gi_yieldfrom", None)
        if (
            getattr(old, "gi_code", None) is ServerProtocol.parse.__code__
            and getattr(waiting, "gi_code", None) is StreamReader.at_eof.__code__
        ):
            fresh = Protocol.parse(conn)
            next(fresh)  # to the same place: waiting for a frame's first byte
            conn.parser = fresh
            old.close()
