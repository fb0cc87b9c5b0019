"""Cache invalidation across instances: a change one instance makes reaches the others' caches.

The store forgets a kind (events, tokens, sessions) the moment it writes it and tells its
listeners; this relays that on the broker, and forgets what other instances announce. A lost
message (Redis reconnecting) makes every kind be forgotten, as the broker's ``None`` says that
something may have been missed; the caches' TTL bounds the rest.
"""

from __future__ import annotations

import asyncio
import logging

from wallserver.broker import Broker, Subscription, create_broker
from wallserver.store.cache import KINDS, Cache

log = logging.getLogger(__name__)
CHANNEL = "cache"


class Invalidation:
    def __init__(self, cache: Cache, broker: Broker) -> None:
        self.cache = cache
        self.broker = broker
        self._outgoing: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self.broker.subscribe(CHANNEL)
        self.cache.listeners.append(self._outgoing.put_nowait)
        self._tasks = [
            asyncio.create_task(self._send(), name="cache-invalidation-send"),
            asyncio.create_task(self._receive(self._subscription), name="cache-invalidation"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._subscription is not None:
            await self.broker.unsubscribe(self._subscription)

    async def _send(self) -> None:
        while True:
            kind = await self._outgoing.get()
            try:
                await self.broker.publish(CHANNEL, kind)
            except Exception:
                log.warning("could not tell other instances that %s changed", kind, exc_info=True)

    async def _receive(self, subscription: Subscription) -> None:
        while True:
            kind = await subscription.get()
            for known in KINDS if kind is None or kind not in KINDS else (kind,):
                self.cache.forget(known)


async def announce(broker_url: str, namespace: str, kind: str) -> None:
    """Tell running instances that ``kind`` changed, from a process with no app (the CLI).

    On the embedded ``memory://`` broker no other process listens: the server sees the change
    when its cache entries expire (``Cache.ttl``, 30 s)."""
    if broker_url.startswith("memory:"):
        return
    broker = create_broker(broker_url, namespace)
    await broker.start()
    try:
        await broker.publish(CHANNEL, kind)
    finally:
        await broker.close()
