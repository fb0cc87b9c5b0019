"""Direct writes to wall sockets: the frame built once is the frame a connection would send,
and the server's WebSocket options follow the settings."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

from tests.conftest import make_settings
from wallserver.stream.direct import DirectSocket, Outgoing, server_options


@given(text=st.text(max_size=70_000))
def test_the_frame_built_once_is_what_a_connection_sends(text: str) -> None:
    """For any text, short or long (7-, 16- and 64-bit lengths), the pre-built frame is byte for
    byte the unmasked text frame a server connection without extensions sends, and it parses
    back to the same text."""
    conn = ServerProtocol()
    conn.state = State.OPEN  # as after the handshake
    conn.send_text(text.encode())
    [sent] = conn.data_to_send()
    message = Outgoing(7, text)
    assert message.frame == sent
    reader = StreamReader()
    reader.feed_data(message.frame)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame = done.value
    assert (frame.opcode, frame.fin, frame.data.decode()) == (Opcode.TEXT, True, text)


def test_a_send_that_is_not_uvicorns_finds_no_socket() -> None:
    """Under another server (or the test transport) there is no socket to write to directly:
    the wall socket sends through ASGI."""

    async def send(message: object) -> None:
        return None

    assert DirectSocket.of(send) is None


def test_compression_is_off_and_pings_on_unless_set(tmp_path: Path) -> None:
    """By default permessage-deflate is off and dead peers are found by pings every 20 s;
    the settings turn compression on and pings off."""
    default = server_options(make_settings(tmp_path))
    assert default == {
        "ws": "wallserver.stream.protocol:WallProtocol",
        "ws_per_message_deflate": False,
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
    }
    changed = server_options(make_settings(tmp_path, ws_compression=True, ws_ping_seconds=0))
    assert changed["ws_per_message_deflate"] is True
    assert changed["ws_ping_interval"] is None and changed["ws_ping_timeout"] is None
