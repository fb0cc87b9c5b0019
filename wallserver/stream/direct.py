"""Writing wall events straight to a viewer's socket, without an await per viewer.

The hub fans one wall event out to thousands of sockets. Through ASGI that is one
``await send(...)`` per socket, each framing the same text again. Under our WebSocket protocol
for uvicorn (:class:`wallserver.stream.protocol.WallProtocol`: uvicorn's ``websockets-sansio``
protocol holding less per connection) the ASGI ``send`` is a bound method of a protocol object
that owns the asyncio transport and a sans-I/O ``websockets`` connection. The wall socket's
middleware (``wallserver.api.ws.WallSockets``, the outermost one) finds that object when a wall
connects and hands its :class:`DirectSocket` to the wall socket; the hub then writes a frame
built once per event (:class:`Outgoing`) to each transport, as ``websockets.broadcast`` does
for its own connections (it frames per connection; we frame once when the connection
negotiated no extension, and go through the connection's own framing, compression included,
when it did).

Anything else (another server, another uvicorn protocol, the test ASGI transport) finds no
protocol object, and the wall socket sends through ASGI as before. Nothing here changes the
bytes on the wire.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

from starlette.types import Send
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from wallserver.stream.protocol import IMPORT_PATH, WallProtocol

if TYPE_CHECKING:
    from wallserver.settings import Settings

log = logging.getLogger(__name__)


class Outgoing:
    """One wall event on its way to every viewer: its text encoded and framed at most once."""

    def __init__(self, seq: int, text: str) -> None:
        self.seq = seq
        self.text = text

    @functools.cached_property
    def data(self) -> bytes:
        return self.text.encode()

    @functools.cached_property
    def frame(self) -> bytes:
        """An unmasked, unfragmented text frame (what a server sends without extensions)."""
        return Frame(Opcode.TEXT, self.data).serialize(mask=False)


SENT, FULL, CLOSED = 0, 1, 2
"""What :meth:`DirectSocket.send` did: sent; not sent, the socket holds too much; not sent,
the connection is closing or closed."""


class DirectSocket:
    """A viewer's socket as :class:`~wallserver.stream.protocol.WallProtocol` holds it."""

    __slots__ = ("_deflate", "_protocol", "_transport")

    def __init__(self, protocol: WallProtocol) -> None:
        self._protocol = protocol
        self._transport: Any = None  # set by settle(), once the handshake is answered
        self._deflate = False

    @classmethod
    def of(cls, send: Send) -> DirectSocket | None:
        """The socket behind ``send`` when it is :class:`WallProtocol`'s, else None."""
        protocol = getattr(send, "__self__", None)
        return cls(protocol) if isinstance(protocol, WallProtocol) else None

    def settle(self) -> bool:
        """After the handshake: note the transport and whether the connection compresses.
        False if the handshake is not done."""
        p = self._protocol
        if not p.handshake_complete or p.conn.state is not State.OPEN:
            return False
        self._transport = p.transport
        self._deflate = bool(p.conn.extensions)
        return True

    def send(self, message: Outgoing, limit: int) -> int:
        """Write one text message now unless more than ``limit`` bytes wait to go out already;
        :data:`SENT`, :data:`FULL` or :data:`CLOSED`. The hot path of a fan-out: it runs once
        per viewer and wall event, so it does as little as it can."""
        transport = self._transport
        if transport is None or transport.is_closing() or self._protocol.close_sent:
            return CLOSED
        if transport.get_write_buffer_size() > limit:
            return FULL
        if self._deflate:  # permessage-deflate keeps a context per connection
            conn = self._protocol.conn
            if conn.state is not State.OPEN:
                return CLOSED
            conn.send_text(message.data)
            transport.write(b"".join(conn.data_to_send()))
        else:
            transport.write(message.frame)
        return SENT

    def abort(self) -> None:
        """Drop the connection at once (a peer that does not even take a close frame)."""
        transport = self._protocol.transport
        if transport is not None:
            transport.abort()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's WebSocket options for these settings: our protocol (the one
    :class:`DirectSocket` can write to), compression and pings as configured."""
    ping = settings.ws_ping_seconds or None
    return {
        "ws": IMPORT_PATH,
        "ws_per_message_deflate": settings.ws_compression,
        "ws_ping_interval": ping,
        "ws_ping_timeout": ping,
    }
