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


class DirectSocket:
    """A viewer's socket as uvicorn's sans-I/O WebSocket protocol holds it."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

    @classmethod
    def of(cls, send: Send) -> DirectSocket | None:
        """The socket behind uvicorn's ``send``, or None when the server is another one."""
        protocol = getattr(send, "__self__", None)
        if protocol is None or type(protocol).__name__ != "WebSocketsSansIOProtocol":
            return None
        if not all(hasattr(protocol, a) for a in ("transport", "conn", "close_sent")):
            return None  # a uvicorn whose protocol we do not know: stay on the ASGI path
        return cls(protocol)

    @property
    def open(self) -> bool:
        p = self._protocol
        return (
            p.conn.state is State.OPEN
            and not p.close_sent
            and p.transport is not None
            and not p.transport.is_closing()
        )

    def buffered(self) -> int:
        """Bytes written but not yet taken by the kernel."""
        return int(self._protocol.transport.get_write_buffer_size())

    def release_handshake(self) -> None:
        """Let go of the handshake's request and response (headers and all), which uvicorn's
        protocol keeps for the socket's life but reads only until the handshake is answered:
        a few KiB per viewer, for thousands of viewers."""
        p = self._protocol
        if getattr(p, "handshake_complete", False):
            for name in ("request", "response"):
                if getattr(p, name, None) is not None:
                    setattr(p, name, None)

    def abort(self) -> None:
        """Drop the connection at once (a peer that does not even take a close frame)."""
        transport = self._protocol.transport
        if transport is not None:
            transport.abort()

    def write(self, message: Outgoing) -> bool:
        """Send one text message now; False when the connection is closing or closed."""
        if not self.open:
            return False
        p = self._protocol
        if p.conn.extensions:  # permessage-deflate keeps a per-connection context
            p.conn.send_text(message.data)
            p.transport.write(b"".join(p.conn.data_to_send()))
        else:
            p.transport.write(message.frame)
        return True


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
