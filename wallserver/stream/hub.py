"""The wall hub: one broker subscription per event with viewers, fanned out to every client.

Correctness rests on the wall log in the database. Each channel remembers the highest seq it fanned
out; a message from the broker that skips ahead makes the channel read the gap from the database
first, one it has seen is dropped, and a periodic check catches up when the broker lost the tail.
A new client is registered under the channel lock, which fixes the seq ``L`` where live delivery
starts for it; it is then replayed ``(since, L]`` from the database. So no event is lost or doubled.

Messages are serialised once, when they are written to the wall log; clients get the same string,
encoded and framed once per instance (:class:`~wallserver.stream.direct.Outgoing`) and written
to every live client's socket in one pass, without an await per client (see
:mod:`wallserver.stream.client`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from wallserver.broker import Broker, Subscription
from wallserver.store.wall import WallLog, WallMessage
from wallserver.stream.client import WallClient
from wallserver.stream.direct import Outgoing

log = logging.getLogger(__name__)


def wall_channel(event_id: int) -> str:
    return f"wall:{event_id}"


def encode(message: WallMessage) -> str:
    return f"{message.seq}\n{message.text}"


def decode(raw: str) -> tuple[int, str]:
    head, _, text = raw.partition("\n")
    return int(head), text


class Channel:
    def __init__(self, event_id: int, last_seq: int, subscription: Subscription) -> None:
        self.event_id = event_id
        self.last_seq = last_seq
        self.subscription = subscription
        self.clients: set[WallClient] = set()
        self.lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None


class Hub:
    def __init__(
        self,
        wall: WallLog,
        broker: Broker,
        *,
        buffer: int,
        resync_seconds: float = 2.0,
        fanned_out: Callable[[int, int], None] | None = None,
    ):
        self.wall = wall
        self.fanned_out = fanned_out  # (event id, seq) once written to every live socket
        self.broker = broker
        self.buffer = buffer
        self.resync_seconds = resync_seconds
        self._channels: dict[int, Channel] = {}
        self._open_lock = asyncio.Lock()
        self._closed = False
        self._chores: set[asyncio.Task[object]] = set()

    @property
    def client_count(self) -> int:
        return sum(len(c.clients) for c in self._channels.values())

    async def publish(self, messages: list[WallMessage]) -> None:
        """Announce committed wall events to every instance. Losing one here is survivable."""
        for message in messages:
            try:
                await self.broker.publish(wall_channel(message.event_id), encode(message))
            except Exception:
                log.warning(
                    "could not publish seq %s; viewers catch up from the database",
                    message.seq,
                    exc_info=True,
                )

    def attach(self, event_id: int, since: int) -> Attachment:
        """Register a client for the ``async with`` block; it gives the client and the seq
        ``L`` from which live delivery starts."""
        return Attachment(self, event_id, since)

    async def _register(self, event_id: int, since: int) -> tuple[WallClient, Channel, int]:
        client = WallClient(since, self.buffer)
        while True:
            channel = await self._channel(event_id)
            if since > channel.last_seq:
                # The client saw more than this instance has fanned out (another instance was
                # quicker): catch up from the database rather than tell it to start over.
                await self._catch_up(channel, await self.wall.current_seq(event_id))
            async with channel.lock:
                if self._channels.get(event_id) is channel:
                    channel.clients.add(client)
                    return client, channel, channel.last_seq
            # The last client left while we waited for the lock, and the channel closed.

    async def _unregister(self, client: WallClient, channel: Channel) -> None:
        channel.clients.discard(client)
        if not channel.clients:
            await self._drop(channel)

    async def replay(
        self, event_id: int, after: int, upto: int, page: int
    ) -> AsyncIterator[WallMessage]:
        """The stored wall events ``(after, upto]``, read in pages."""
        cursor = after
        while cursor < upto:
            batch = await self.wall.after(event_id, cursor, upto, page)
            if not batch:
                return
            for message in batch:
                yield message
            cursor = batch[-1].seq

    def chore(self, work: Coroutine[Any, Any, object], name: str) -> None:
        """Run a short job for a client (closing a slow one) without making the fan-out wait;
        the hub owns the task and logs its failure."""
        task = asyncio.create_task(work, name=name)
        self._chores.add(task)
        task.add_done_callback(self._chore_done)

    def _chore_done(self, task: asyncio.Task[object]) -> None:
        self._chores.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s failed", task.get_name(), exc_info=task.exception())

    async def close(self) -> None:
        self._closed = True
        for task in list(self._chores):
            task.cancel()
        await asyncio.gather(*self._chores, return_exceptions=True)
        for channel in list(self._channels.values()):
            await self._drop(channel)

    async def _channel(self, event_id: int) -> Channel:
        async with self._open_lock:
            channel = self._channels.get(event_id)
            if channel is None:
                # Subscribe before reading the current seq, so nothing falls between the two.
                sub = await self.broker.subscribe(wall_channel(event_id))
                channel = Channel(event_id, await self.wall.current_seq(event_id), sub)
                channel.task = asyncio.create_task(self._run(channel), name=f"wall-{event_id}")
                self._channels[event_id] = channel
            return channel

    async def _drop(self, channel: Channel) -> None:
        async with self._open_lock:
            if channel.clients and not self._closed:
                return
            if self._channels.get(channel.event_id) is channel:
                del self._channels[channel.event_id]
            if channel.task is not None:
                channel.task.cancel()
                await asyncio.gather(channel.task, return_exceptions=True)
            await self.broker.unsubscribe(channel.subscription)

    async def _run(self, channel: Channel) -> None:
        while True:
            try:
                try:
                    async with asyncio.timeout(self.resync_seconds):
                        raw = await channel.subscription.get()
                except TimeoutError:
                    raw = None
                if raw is None:
                    await self._catch_up(channel, await self.wall.current_seq(channel.event_id))
                    continue
                seq, text = decode(raw)
                async with channel.lock:
                    if seq <= channel.last_seq:
                        continue
                    await self._fill(channel, seq - 1)
                    if seq == channel.last_seq + 1:
                        self._fan_out(channel, seq, text)
                    else:  # the database did not have the gap yet; it is caught up later
                        await self._fill(channel, seq)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("wall channel %s failed a step; carrying on", channel.event_id)
                await asyncio.sleep(0.5)

    async def _catch_up(self, channel: Channel, current: int) -> None:
        if current > channel.last_seq:
            async with channel.lock:
                await self._fill(channel, current)

    async def _fill(self, channel: Channel, upto: int) -> None:
        """Fan out stored events ``(last_seq, upto]``. Caller holds the channel lock."""
        while channel.last_seq < upto:
            batch = await self.wall.after(channel.event_id, channel.last_seq, upto, 500)
            if not batch:
                return
            for message in batch:
                self._fan_out(channel, message.seq, message.text)

    def _fan_out(self, channel: Channel, seq: int, text: str) -> None:
        channel.last_seq = seq
        message = Outgoing(seq, text)
        for client in channel.clients:
            client.offer(message)
        if self.fanned_out is not None:
            self.fanned_out(channel.event_id, seq)


class Attachment:
    """A client attached to an event's channel while its ``async with`` lasts. A plain object
    rather than a generator-based context manager: every idle viewer holds one, and a
    suspended generator costs a frame (docs/performance.md, memory per viewer)."""

    __slots__ = ("_channel", "_client", "_event_id", "_hub", "_since")

    def __init__(self, hub: Hub, event_id: int, since: int) -> None:
        self._hub = hub
        self._event_id = event_id
        self._since = since
        self._client: WallClient | None = None
        self._channel: Channel | None = None

    async def __aenter__(self) -> tuple[WallClient, int]:
        self._client, self._channel, start = await self._hub._register(self._event_id, self._since)
        return self._client, start

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None and self._channel is not None:
            await self._hub._unregister(self._client, self._channel)
