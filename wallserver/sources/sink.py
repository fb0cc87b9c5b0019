"""Where parsed items go: new posts through the pipeline, deletions retract from every wall."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from moderation import Status
from wallserver.errors import Conflict
from wallserver.pipeline import Pipeline
from wallserver.sources.items import Candidate, Deletion, Item, Update
from wallserver.store import EventInfo
from wallserver.store.sources import SourceInfo

log = logging.getLogger(__name__)
RETRACTABLE = (Status.PENDING.value, Status.APPROVED.value)


@dataclass
class Sink:
    pipeline: Pipeline

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
            outcome = await self.pipeline.ingest(event, post)
            return outcome.created
        if isinstance(item, Deletion):
            await self.retract(source, event, item.source_id)
        return False

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
