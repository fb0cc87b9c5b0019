"""What a network loop gets: its source, its cursor, an HTTP client, a way to deliver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from wallserver.sources import rates
from wallserver.sources.items import Item
from wallserver.sources.sink import Sink
from wallserver.store import EventInfo, Store
from wallserver.store.sources import SourceInfo


@dataclass
class Context:
    source: SourceInfo
    event: EventInfo
    store: Store
    sink: Sink
    http: httpx.AsyncClient
    poll_floor: float = 30.0
    cursor: dict[str, Any] = field(default_factory=dict)
    connected: bool = False
    progress: bool = False

    @property
    def config(self) -> dict[str, Any]:
        return self.source.config

    async def deliver(
        self, items: Iterable[Item], cursor: dict[str, Any], *, filter_tags: bool = False
    ) -> None:
        """Store or retract every item, then save the cursor: a restart resumes after this batch."""
        created = 0
        for item in items:
            created += await self.sink.apply(self.source, self.event, item, filter_tags=filter_tags)
        self.cursor.update(cursor)
        rates.record(self.cursor, created, time.time())
        await self.store.sources.save_cursor(self.source.id, dict(self.cursor), created > 0)
        self.progress = True

    async def pause(self, seconds: float) -> None:
        """Wait between polls, never shorter than the configured floor (the supervisor cancels)."""
        await asyncio.sleep(max(seconds, self.poll_floor))


def remember(seen: list[str], ids: Iterable[str], keep: int = 1000) -> list[str]:
    """A bounded, ordered set of ids already delivered (for sources without a since-id)."""
    out = list(seen)
    known = set(out)
    for one in ids:
        if one not in known:
            out.append(one)
            known.add(one)
    return out[-keep:]
