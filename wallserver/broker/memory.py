"""The in-process broker: the embedded default, and a real backend in tests."""

from __future__ import annotations

from collections import defaultdict

from wallserver.broker.base import Broker, Subscription


class MemoryBroker(Broker):
    def __init__(self) -> None:
        self._subs: defaultdict[str, set[Subscription]] = defaultdict(set)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subs.clear()

    async def publish(self, channel: str, message: str) -> None:
        for sub in tuple(self._subs.get(channel, ())):
            sub.deliver(message)

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
