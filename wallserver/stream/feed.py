"""The moderation feed: queue changes for moderators' consoles, across instances.

Unlike the wall stream it has no replay: a console loads the queue over HTTP when it (re)connects
and then applies these updates, each of which carries the post's full state and version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from wallserver import protocol
from wallserver.broker import Broker

log = logging.getLogger(__name__)


def feed_channel(event_id: int) -> str:
    return f"queue:{event_id}"


class FeedSubscriber:
    def __init__(self, buffer: int) -> None:
        self.outbox: asyncio.Queue[str] = asyncio.Queue(buffer)
        self.overflowed = asyncio.Event()

    def offer(self, text: str) -> None:
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            self.overflowed.set()


class ModerationFeed:
    def __init__(self, broker: Broker, buffer: int) -> None:
        self.broker = broker
        self.buffer = buffer

    async def publish(self, event_id: int, message: protocol.Body) -> None:
        """Send a body built by wallserver.protocol to every console of the event."""
        text = protocol.encode(message)
        try:
            await self.broker.publish(feed_channel(event_id), text)
        except Exception:
            log.warning("could not publish a queue update", exc_info=True)

    @contextlib.asynccontextmanager
    async def attach(self, event_id: int) -> AsyncIterator[FeedSubscriber]:
        subscriber = FeedSubscriber(self.buffer)
        subscription = await self.broker.subscribe(feed_channel(event_id))

        async def pump() -> None:
            while True:
                text = await subscription.get()
                if text is None:  # missed something: the console must reload the queue
                    text = protocol.encode(protocol.queue_resync())
                subscriber.offer(text)

        task = asyncio.create_task(pump(), name=f"feed-{event_id}")
        try:
            yield subscriber
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self.broker.unsubscribe(subscription)
