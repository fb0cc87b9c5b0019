"""Redis pub/sub broker for several instances. One connection carries every channel."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from wallserver.broker.base import Broker, Subscription

log = logging.getLogger(__name__)


class RedisBroker(Broker):
    def __init__(self, url: str, namespace: str = "") -> None:
        self.url = url
        self._prefix = f"wallserver:{namespace}:" if namespace else ""
        self._client: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._subs: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._client = aioredis.from_url(self.url, decode_responses=True)
        await self._client.ping()
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe("wallserver:hello")  # pub/sub needs one channel to listen
        self._ready.set()
        self._reader = asyncio.create_task(self._read(), name="redis-broker-reader")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._client is not None:
            await self._client.aclose()

    async def publish(self, channel: str, message: str) -> None:
        assert self._client is not None, "broker not started"
        await self._client.publish(self._prefix + channel, message)

    async def subscribe(self, channel: str) -> Subscription:
        sub = Subscription(channel)
        first = not self._subs[channel]
        self._subs[channel].add(sub)
        if first:
            await self._pubsub.subscribe(self._prefix + channel)
        return sub

    async def unsubscribe(self, subscription: Subscription) -> None:
        subs = self._subs.get(subscription.channel)
        if subs is None:
            return
        subs.discard(subscription)
        if not subs:
            del self._subs[subscription.channel]
            try:
                await self._pubsub.unsubscribe(self._prefix + subscription.channel)
            except (RedisConnectionError, RedisTimeoutError):
                log.warning("could not unsubscribe from %s", subscription.channel, exc_info=True)

    async def _read(self) -> None:
        backoff = 0.5
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                backoff = 0.5
                if message is not None and message.get("type") == "message":
                    channel = message["channel"].removeprefix(self._prefix)
                    for sub in tuple(self._subs.get(channel, ())):
                        sub.deliver(message["data"])
            except (RedisConnectionError, RedisTimeoutError, OSError):
                log.warning("redis broker connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(backoff + random.uniform(0, backoff))
                backoff = min(backoff * 2, 10.0)
                await self._resubscribe()

    async def _resubscribe(self) -> None:
        try:
            channels = [self._prefix + c for c in self._subs] or ["wallserver:hello"]
            await self._pubsub.subscribe(*channels)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            log.warning("redis resubscribe failed", exc_info=True)
            return
        for subs in self._subs.values():  # whatever was published meanwhile is lost: catch up
            for sub in subs:
                sub.deliver(None)
