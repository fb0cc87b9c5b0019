"""Where parsed items go: new posts through the pipeline, deletions retract from every wall.

A new post's remote files (media, avatar) are re-hosted before it is stored
(:class:`wallserver.media.remote.RemoteMedia`); a post seen before is recognised first, so a
replay or a second instance's copy costs no fetch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from moderation import Status
from wallserver.errors import Conflict
from wallserver.media.remote import RemoteMedia
from wallserver.pipeline import Pipeline
from wallserver.sources.items import Candidate, Deletion, Item, Update
from wallserver.store import EventInfo
from wallserver.store.sources import SourceInfo

log = logging.getLogger(__name__)
RETRACTABLE = (Status.PENDING.value, Status.APPROVED.value)


@dataclass
class Sink:
    pipeline: Pipeline
    media: RemoteMedia | None = None  # None: media URLs are stored as they came (tests only)

    async def apply(
        self, source: SourceInfo, event: EventInfo, item: Item, *, filter_tags: bool = True
    ) -> bool:
        """Store or retract one item; True when a new post was stored."""
        if isinstance(item, Update):
            item = item.candidate  # edits are not applied yet: an unseen edited post is new
        if isinstance(item, Candidate):
            if filter_tags and not item.matches(event.hashtags):
                return False
            post = replace(item.post, source=source.name)
            store = self.pipeline.store
            if await store.posts.find(event.id, post.source, post.source_id) is not None:
                return False
            if self.media is not None:
                post = await self.media.localise(post)
            outcome = await self.pipeline.ingest(event, post)
            return outcome.created
        if isinstance(item, Deletion):
            await self.retract(source, event, item.source_id)
        return False

    async def close(self) -> None:
        if self.media is not None:
            await self.media.aclose()

    async def retract(self, source: SourceInfo, event: EventInfo, source_id: str) -> None:
        store = self.pipeline.store
        post = await store.sources.find_post(event.id, source.name, source_id)
        if post is None or post.status not in RETRACTABLE:
            return
        try:
            await self.pipeline.decide(
                post.id, "hide", post.version, f"source:{source.id}", "deleted at the source"
            )
        except Conflict:  # a moderator acted meanwhile; try once more on the fresh version
            fresh = await store.posts.get(post.id)
            if fresh.status in RETRACTABLE:
                await self.pipeline.decide(
                    fresh.id, "hide", fresh.version, f"source:{source.id}", "deleted at the source"
                )
