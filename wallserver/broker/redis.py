"""Redis pub/sub broker for several instances. One connection carries every channel."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import defaultdict
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from wallserver.broker.base import Broker, Subscription

log = logging.getLogger(__name__)

# Presence of one group lives in a sorted set (member -> seen at) and a hash (member -> value),
# changed together by one script, so concurrent instances keep the bound.
PRESENCE_PUT = """
local seen, values = KEYS[1], KEYS[2]
local member, value, at = ARGV[1], ARGV[2], tonumber(ARGV[3])
local expire_before, evict_before = tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local gone = redis.call('ZRANGEBYSCORE', seen, '-inf', '(' .. ARGV[4])
for _, old in ipairs(gone) do
  redis.call('ZREM', seen, old)
  redis.call('HDEL', values, old)
end
if not redis.call('ZSCORE', seen, member) and redis.call('ZCARD', seen) >= limit then
  local oldest = redis.call('ZRANGE', seen, 0, 0, 'WITHSCORES')
  if #oldest == 0 or tonumber(oldest[2]) >= evict_before then
    return 0
  end
  redis.call('ZREM', seen, oldest[1])
  redis.call('HDEL', values, oldest[1])
end
redis.call('ZADD', seen, at, member)
redis.call('HSET', values, member, value)
redis.call('EXPIRE', seen, ttl)
redis.call('EXPIRE', values, ttl)
return 1
"""


class RedisBroker(Broker):
    def __init__(self, url: str, namespace: str = "") -> None:
        self.url = url
        self._prefix = f"wallserver:{namespace}:" if namespace else ""
        self._client: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._subs: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._presence_put: Any = None

    async def start(self) -> None:
        self._client = aioredis.from_url(self.url, decode_responses=True)
        await self._client.ping()
        self._presence_put = self._client.register_script(PRESENCE_PUT)
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

    async def ping(self) -> None:
        assert self._client is not None, "broker not started"
        await self._client.ping()

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

    async def presence_put(
        self,
        group: str,
        member: str,
        value: str,
        *,
        at: float,
        expire_before: float,
        evict_before: float,
        limit: int,
    ) -> bool:
        assert self._presence_put is not None, "broker not started"
        ttl = max(1, math.ceil(at - expire_before))
        keys = [f"{self._prefix}{group}:seen", f"{self._prefix}{group}:values"]
        args = [member, value, repr(at), repr(expire_before), repr(evict_before), limit, ttl]
        return bool(await self._presence_put(keys=keys, args=args))

    async def presence_list(self, group: str, *, after: float) -> list[tuple[str, float]]:
        assert self._client is not None, "broker not started"
        seen: list[Any] = await self._client.zrangebyscore(
            f"{self._prefix}{group}:seen", f"({after!r}", "+inf", withscores=True
        )
        if not seen:
            return []
        members = [str(member) for member, _ in seen]
        values = await self._client.hmget(f"{self._prefix}{group}:values", members)
        return [
            (str(value), float(at))
            for (_, at), value in zip(seen, values, strict=True)
            if value is not None
        ]

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
