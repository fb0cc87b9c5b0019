"""The broker interface: pub/sub channels, and a small shared table of who is there (presence)."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections import defaultdict


class Subscription:
    """Messages on one channel. ``None`` means "you may have missed messages: catch up"."""

    def __init__(self, channel: str, maxsize: int = 10_000) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize)
        self._lost = False

    def deliver(self, message: str | None) -> None:
        if self._lost:
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            # The subscriber is behind; tell it to catch up instead of buffering without bound.
            self._lost = True

    async def get(self) -> str | None:
        if self._lost and self._queue.empty():
            self._lost = False
            return None
        message = await self._queue.get()
        return message


class Broker(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def publish(self, channel: str, message: str) -> None: ...

    @abstractmethod
    async def subscribe(self, channel: str) -> Subscription: ...

    @abstractmethod
    async def unsubscribe(self, subscription: Subscription) -> None: ...

    async def ping(self) -> None:
        """Raise when the broker cannot be reached (``/readyz``). One in this process always
        can; the network brokers override this."""
        return None

    # Presence: a bounded table per ``group`` of members and when each was last seen, shared by
    # every instance (screens' heartbeats). Ephemeral like the channels: losing it on a restart
    # costs one heartbeat interval.

    @abstractmethod
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
        """Record ``member`` with ``value``, seen ``at``. Entries last seen before
        ``expire_before`` are dropped first. A new member of a full group (``limit``) replaces
        the entry seen longest ago if that was before ``evict_before``; otherwise it is refused
        and this returns False."""

    @abstractmethod
    async def presence_list(self, group: str, *, after: float) -> list[tuple[str, float]]:
        """``(value, seen_at)`` of every member seen after ``after``, in no particular order."""


class LocalSubscribers(Broker):
    """Subscriptions kept in this process, one set per channel: for brokers that receive every
    message of the deployment on one connection (or none) and hand it out here."""

    def __init__(self) -> None:
        self._subs: defaultdict[str, set[Subscription]] = defaultdict(set)

    async def subscribe(self, channel: str) -> Subscription:
        sub = Subscription(channel)
        self._subs[channel].add(sub)
        return sub

    async def unsubscribe(self, subscription: Subscription) -> None:
        subs = self._subs.get(subscription.channel)
        if subs is not None:
            subs.discard(subscription)
            if not subs:
                del self._subs[subscription.channel]
