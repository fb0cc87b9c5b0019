"""The in-process broker: the embedded default, and a real backend in tests."""

from __future__ import annotations

from wallserver.broker.base import LocalSubscribers
from wallserver.broker.presence import PresenceTable


class MemoryBroker(LocalSubscribers):
    def __init__(self) -> None:
        super().__init__()
        self._presence = PresenceTable()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subs.clear()
        self._presence.clear()

    async def publish(self, channel: str, message: str) -> None:
        for sub in tuple(self._subs.get(channel, ())):
            sub.deliver(message)

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
        return self._presence.put(
            group,
            member,
            value,
            at=at,
            expire_before=expire_before,
            evict_before=evict_before,
            limit=limit,
        )

    async def presence_list(self, group: str, *, after: float) -> list[tuple[str, float]]:
        return self._presence.list(group, after=after)
