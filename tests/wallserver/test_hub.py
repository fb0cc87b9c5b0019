"""The wall hub under the interleavings a live event produces: viewers joining as others leave,
and walls resuming on an instance that has not heard of the latest wall event yet."""

from __future__ import annotations

import asyncio
import json
from typing import Literal

from tests.conftest import Wall
from wallserver.broker.memory import MemoryBroker
from wallserver.stream.client import WallClient
from wallserver.stream.hub import Hub

WAIT = 15.0


async def approve_new(w: Wall, source_id: str) -> int:
    post_id: int = (await w.ingest(source_id)).json()["id"]
    assert (await w.decide(post_id, "approve", 1)).status_code == 200
    return post_id


class Gate(asyncio.Lock):
    """A lock that reports when someone starts waiting for it while it is held."""

    def __init__(self) -> None:
        super().__init__()
        self.waited_on = asyncio.Event()

    async def acquire(self) -> Literal[True]:
        if self.locked():
            self.waited_on.set()
        return await super().acquire()


async def test_viewer_joining_as_the_last_one_leaves_still_gets_live_events(wall: Wall) -> None:
    """A wall that connects while the event's only other wall disconnects is not left on a
    closed channel: it receives the next approval."""
    hub: Hub = wall.app.state.services.hub
    joined: asyncio.Queue[tuple[WallClient, int]] = asyncio.Queue()
    leave = asyncio.Event()

    async def second_wall() -> None:
        async with hub.attach(wall.event.id, 0) as (client, start):
            await joined.put((client, start))
            await leave.wait()

    async with hub.attach(wall.event.id, 0):
        # Hold the channel busy (as a catch-up from the database does) while the second wall
        # joins, and let the first wall leave meanwhile.
        channel = hub._channels[wall.event.id]
        gate = Gate()
        channel.lock = gate
        await gate.acquire()
        joining = asyncio.create_task(second_wall())
        await gate.waited_on.wait()
    gate.release()
    try:
        async with asyncio.timeout(WAIT):
            client, start = await joined.get()
        post_id = await approve_new(wall, "after-the-handover")
        async with asyncio.timeout(WAIT):
            seq, text = await client.next()
        assert (seq, json.loads(text)["post"]["id"]) == (start + 1, post_id)
    finally:
        leave.set()
        await joining


async def test_resume_on_a_lagging_instance_is_not_a_reset(wall: Wall) -> None:
    """A wall that saw seq N on one instance and reconnects to another that has not heard of N
    yet continues from N; it is not told to start over."""
    lagging = Hub(wall.store.wall, MemoryBroker(), buffer=10, resync_seconds=3600)
    try:
        async with lagging.attach(wall.event.id, 0) as (_, start):
            assert start == 0
            await approve_new(wall, "seen-elsewhere")  # this instance's broker never hears it
            async with lagging.attach(wall.event.id, 1) as (client, start):
                assert start == 1
                assert client.sent == 1
    finally:
        await lagging.close()
