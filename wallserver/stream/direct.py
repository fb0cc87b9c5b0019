"""Writing wall events straight to a viewer's socket, without an await per viewer.

The hub fans one wall event out to thousands of sockets. Through ASGI that is one
``await send(...)`` per socket, each framing the same text again. Under uvicorn's
``websockets-sansio`` protocol (the one uvicorn picks when ``websockets`` is installed) the ASGI
``send`` is a bound method of a protocol object that owns the asyncio transport and a sans-I/O
``websockets`` connection. The wall socket's middleware (``wallserver.api.ws.WallSockets``,
the outermost one) finds that object when a wall connects and hands its :class:`DirectSocket`
to the wall socket; the hub then
writes a frame built once per event (:class:`Outgoing`) to each transport, as
``websockets.broadcast`` does for its own connections (it frames per connection; we frame once
when the connection negotiated no extension, and go through the connection's own framing,
compression included, when it did).

Anything else (another server, wsproto, the test ASGI transport) finds no protocol object, and
the wall socket sends through ASGI as before. Nothing here changes the bytes on the wire.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

from starlette.types import Send
from websockets.frames import Frame, Opcode
from websockets.protocol import State

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
    """A viewer's socket as uvicorn's sans-I/O WebSocket protocol holds it."""

    __slots__ = ("_deflate", "_protocol", "_transport")

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._transport: Any = None  # set by settle(), once the handshake is answered
        self._deflate = False

    @classmethod
    def of(cls, send: Send) -> DirectSocket | None:
        """The socket behind uvicorn's ``send``, or None when the server is another one."""
        protocol = getattr(send, "__self__", None)
        if protocol is None or type(protocol).__name__ != "WebSocketsSansIOProtocol":
            return None
        if not all(hasattr(protocol, a) for a in ("transport", "conn", "close_sent")):
            return None  # a uvicorn whose protocol we do not know: stay on the ASGI path
        return cls(protocol)

    def settle(self) -> bool:
        """After the handshake: note the transport and whether the connection compresses, and
        let go of the handshake's request and response (headers and all), which uvicorn's
        protocol keeps for the socket's life but reads only until the handshake is answered (a
        few KiB per viewer, for thousands of viewers). False if the handshake is not done."""
        p = self._protocol
        if not getattr(p, "handshake_complete", False) or p.conn.state is not State.OPEN:
            return False
        self._transport = p.transport
        self._deflate = bool(p.conn.extensions)
        for name in ("request", "response"):
            if getattr(p, name, None) is not None:
                setattr(p, name, None)
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
    """uvicorn's WebSocket options for these settings: the sans-I/O ``websockets`` protocol
    (the one :class:`DirectSocket` can write to), compression and pings as configured."""
    ping = settings.ws_ping_seconds or None
    return {
        "ws": "websockets-sansio",
        "ws_per_message_deflate": settings.ws_compression,
        "ws_ping_interval": ping,
        "ws_ping_timeout": ping,
    }
