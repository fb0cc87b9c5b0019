"""What a network loop gets: its source, its cursor, an HTTP client, a way to deliver."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from wallserver.errors import BadRequest
from wallserver.sources import rates, reconcile
from wallserver.sources.items import Deletion, Item, Update
from wallserver.sources.sink import Sink
from wallserver.store import EventInfo, Store
from wallserver.store.sources import SourceInfo

log = logging.getLogger(__name__)
# What one item's data can raise on its way in (a date that overflows, a field the store or
# the pipeline refuses). Such an item is skipped, so it cannot stop the ones after it: a loop
# that raised would resume before it and fail on it again, for ever. Anything else (the
# database, the network) is the supervisor's to retry.
BAD_ITEM = (ArithmeticError, LookupError, TypeError, ValueError, BadRequest)
# Asks the network about some of the source's posts (their network ids); answers the ones it
# clearly says are deleted. Any doubt is no answer: those posts stay.
Gone = Callable[[list[str]], Awaitable[list[str]]]


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
    reconcile_every: float = 300.0  # seconds between deletion checks; 0: none at all

    @property
    def config(self) -> dict[str, Any]:
        return self.source.config

    async def deliver(
        self, items: Iterable[Item], cursor: dict[str, Any], *, filter_tags: bool = False
    ) -> None:
        """Store or retract every item, then save the cursor: a restart resumes after this batch.

        An item whose data breaks on the way in is logged and skipped (:data:`BAD_ITEM`)."""
        created = 0
        for item in items:
            try:
                created += await self.sink.apply(
                    self.source, self.event, item, filter_tags=filter_tags
                )
            except BAD_ITEM:
                log.warning(
                    "source %s: skipped %s that could not be stored",
                    self.source.id,
                    described(item),
                    exc_info=True,
                )
        self.cursor.update(cursor)
        rates.record(self.cursor, created, time.time())
        await self.store.sources.save_cursor(self.source.id, dict(self.cursor), created > 0)
        self.progress = True

    async def reconcile_once(self, gone: Gone) -> list[str]:
        """Ask about the source's recent posts still on the wall or waiting; retract the ones
        the network says are deleted (see :mod:`wallserver.sources.reconcile`)."""
        since = reconcile.since(datetime.now(UTC))
        ids = await self.store.sources.recent_retractable(
            self.event.id, self.source.name, since, reconcile.LIMIT
        )
        deleted = await gone(ids) if ids else []
        for source_id in deleted:
            await self.sink.retract(self.source, self.event, source_id)
        if deleted:
            log.info("source %s: %d posts deleted at the source", self.source.id, len(deleted))
        return deleted

    @contextlib.asynccontextmanager
    async def reconciling(self, gone: Gone) -> AsyncIterator[None]:
        """Beside the stream: check for deletions now (a connection was just made, so whatever
        was deleted while it was down is found) and then every :attr:`reconcile_every` seconds.
        The check is this block's task: it ends with the block."""
        if self.reconcile_every <= 0:
            yield
            return
        task = asyncio.create_task(
            self._reconcile_forever(gone), name=f"reconcile-{self.source.id}"
        )
        try:
            yield
        finally:
            # Wait for the check to end without swallowing a cancellation of our own: with
            # ``suppress(CancelledError)`` around ``await task``, the supervisor's cancel that
            # lands here was taken for the check's, and the source kept retrying (CI hung).
            task.cancel()
            await asyncio.wait({task})

    async def _reconcile_forever(self, gone: Gone) -> None:
        while True:
            try:
                await self.reconcile_once(gone)
            except Exception:  # the stream goes on; the next pass tries again
                log.warning(
                    "source %s: checking for deletions failed", self.source.id, exc_info=True
                )
            await asyncio.sleep(self.reconcile_every)

    async def pause(self, seconds: float) -> None:
        """Wait between polls, never shorter than the configured floor (the supervisor cancels)."""
        await asyncio.sleep(max(seconds, self.poll_floor))


def described(item: Item) -> str:
    """What a log line says of an item: its kind and the network's id, not its text."""
    found = item.candidate if isinstance(item, Update) else item
    key = found.source_id if isinstance(found, Deletion) else found.post.source_id
    return f"{type(item).__name__.lower()} {key[:200]!r}"


def remember(seen: list[str], ids: Iterable[str], keep: int = 1000) -> list[str]:
    """A bounded, ordered set of ids already delivered (for sources without a since-id)."""
    out = list(seen)
    known = set(out)
    for one in ids:
        if one not in known:
            out.append(one)
            known.add(one)
    return out[-keep:]
