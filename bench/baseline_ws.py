"""The fan-out baseline: a minimal broadcast server built directly on ``websockets``.

``python -m bench.baseline_ws --port N``. Viewers connect to any path except ``/control`` and
get ``{"type": "hello", "seq": 0}``. Each message on ``/control`` allocates the next seq, builds a
``post.show`` of the same shape and size as wallserver's (``bench.payload.wall_message``), hands
it to ``websockets.broadcast`` for every viewer and answers the control client with the seq. No
database, no broker, no per-client queue: what is left is the cost of a WebSocket fan-out itself.
``GET /healthz`` answers 200 for the readiness check.
"""

from __future__ import annotations

import argparse
import json
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

from bench.loop import run
from bench.payload import wall_message
from bench.servers import HOST


class Broadcaster:
    def __init__(self) -> None:
        self.viewers: set[ServerConnection] = set()
        self.seq = 0

    async def handle(self, ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path.startswith("/control"):
            await self.control(ws)
        else:
            await self.view(ws)

    async def view(self, ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "hello", "seq": self.seq, "reset": False}))
        self.viewers.add(ws)
        try:
            await ws.wait_closed()
        finally:
            self.viewers.discard(ws)

    async def control(self, ws: ServerConnection) -> None:
        async for _ in ws:
            self.seq += 1
            broadcast(self.viewers, wall_message(self.seq))
            await ws.send(str(self.seq))


def health(connection: ServerConnection, request: Request) -> Response | None:
    if request.path == "/healthz":
        return connection.respond(HTTPStatus.OK, '{"status":"ok"}\n')
    return None


async def main(port: int) -> None:
    broadcaster = Broadcaster()
    async with serve(
        broadcaster.handle, HOST, port, process_request=health, backlog=4096
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    run(main(parser.parse_args().port))
