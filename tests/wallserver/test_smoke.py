"""The whole flow once: a post comes in, a moderator approves it, a wall receives it."""

import json

import websockets

from tests.conftest import LiveServer


async def test_approved_post_reaches_a_connected_wall(any_live: LiveServer) -> None:
    """An approval is pushed to a wall that is already connected."""
    w = any_live.wall
    url = f"ws://127.0.0.1:{any_live.port}/ws/events/xmas/wall?since=0"
    async with websockets.connect(url) as ws:
        hello = json.loads(await ws.recv())
        assert hello == {"type": "hello", "seq": 0, "reset": False}
        created = (await w.ingest("p1", "Merry Christmas!")).json()
        assert (await w.decide(created["id"], "approve", 1)).status_code == 200
        shown = json.loads(await ws.recv())
    assert shown["type"] == "post.show"
    assert shown["seq"] == 1
    assert shown["post"]["text"] == "Merry Christmas!"
