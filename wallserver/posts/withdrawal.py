"""Posts withdrawn for good, and what that takes besides the database.

Four ways in, one walk: an author's takedown (``DELETE /api/manage/{token}``), an operator
forgetting everything by one author (``wallserver forget``, ``POST /api/events/{slug}/forget``),
a purge of an event or of everything past retention (``wallserver purge``), and the end of a
rehearsal (its test posts, ``posts/lifecycle.py``). The store withdraws the posts in one
transaction (``store/redact.py``: retract, rewrite the wall log, blank the content, audit); after
commit the media files no row names any more are deleted, and the wall and the consoles are told.

From the command line there is no hub: running servers' walls catch up from the wall log (the hub
compares its last seq with the database every 2 s), and consoles show the change on reload.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wallserver import protocol
from wallserver.media import storage
from wallserver.posts.records import EventInfo, PostRecord
from wallserver.store import Store
from wallserver.store.redact import Withdrawn
from wallserver.stream.feed import ModerationFeed
from wallserver.stream.hub import Hub

log = logging.getLogger(__name__)

RESYNC_OVER = 50  # posts; more than this and consoles are told to reload instead


@dataclass
class Withdrawals:
    store: Store
    media_dir: Path
    hub: Hub | None = None
    feed: ModerationFeed | None = None

    async def takedown(self, post: PostRecord) -> PostRecord:
        """The author takes their post down; a second takedown changes nothing."""
        done = await self._withdraw([post.id], "author", "withdraw", "taken down by the author")
        return done.posts[0] if done.posts else post

    async def forget(self, event: EventInfo, author: str, actor: str) -> list[PostRecord]:
        """Everything by ``author`` (a handle, or the name of posts without one) in the event."""
        ids = await self.store.redact.by_author(event.id, author)
        done = await self._withdraw(ids, actor, "forget", "the author asked to be forgotten")
        return done.posts

    async def purge_event(self, event: EventInfo, actor: str) -> list[PostRecord]:
        """Every post of the event: its personal data and media go, the rows (counts) stay."""
        ids = await self.store.redact.of_event(event.id)
        return (await self._withdraw(ids, actor, "purge", "event purged")).posts

    async def rehearsal_over(self, event: EventInfo, actor: str) -> list[PostRecord]:
        """Every test post of the event's rehearsal (``wallserver/posts/lifecycle.py``)."""
        ids = await self.store.redact.of_rehearsal(event.id)
        return (await self._withdraw(ids, actor, "rehearsal", "the rehearsal is over")).posts

    async def purge_expired(
        self, days: int, actor: str, now: datetime | None = None
    ) -> list[PostRecord]:
        """Every post past its retention: of an event with a retention of its own, once that
        many days have passed since it ended; of any other event, received more than ``days``
        days ago (``days`` 0: the deployment keeps them)."""
        now = now or datetime.now(UTC)
        done: list[PostRecord] = []
        for ids in (await self.store.redact.past_event_retention(now)).values():
            reason = "the event's retention after its end"
            done += (await self._withdraw(ids, actor, "purge", reason)).posts
        if days > 0:
            ids = await self.store.redact.received_before(now - timedelta(days=days))
            done += (await self._withdraw(ids, actor, "purge", f"retention of {days} days")).posts
        return done

    async def _withdraw(self, ids: list[int], actor: str, action: str, reason: str) -> Withdrawn:
        if not ids:
            return Withdrawn([], [], set())
        done = await self.store.redact.withdraw(ids, actor, action, reason)
        removed = await asyncio.to_thread(storage.delete, done.orphans, self.media_dir)
        log.info("%s: %d posts withdrawn, %d media files deleted", action, len(ids), removed)
        if self.hub is not None:
            await self.hub.publish(done.messages)
        if self.feed is not None:
            events = {p.event_id for p in done.posts}
            for event_id in events:
                if len(done.posts) > RESYNC_OVER:
                    await self.feed.publish(event_id, protocol.queue_resync())
                    continue
                for post in done.posts:
                    if post.event_id == event_id:
                        await self.feed.publish(
                            event_id, protocol.queue_post(protocol.QUEUE_UPDATE, post)
                        )
        return done
