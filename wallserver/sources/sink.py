"""Where parsed items go: new posts through the pipeline, edits to the stored post, deletions
retract from every wall.

A new post's remote files (media, avatar) are re-hosted before it is stored
(:class:`wallserver.media.remote.RemoteMedia`); a post seen before is recognised first, so a
replay or a second instance's copy costs no fetch.

An author's edit at the source (Mastodon ``status.update``) changes the stored text and media,
audited as ``source:<id>`` with the original kept. The rules run again on the new text: a post
on the wall whose edit the rules would still show gets a fresh ``post.show``; otherwise it
leaves the wall first (``requeue`` for a moderator to look again, or ``hide`` when a rule
rejects it), so an edit never puts unreviewed words on a pre-moderated wall.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from moderation import Status
from wallserver.errors import Conflict, ValidationFailed
from wallserver.media.remote import RemoteMedia
from wallserver.posts.pipeline import Pipeline
from wallserver.posts.records import NewPost, PostRecord
from wallserver.sources.items import Candidate, Deletion, Item, Update
from wallserver.store import EventInfo
from wallserver.store.sources import SourceInfo

log = logging.getLogger(__name__)
RETRACTABLE = (Status.PENDING.value, Status.APPROVED.value)
EDITED = "edited at the source"


@dataclass
class Sink:
    pipeline: Pipeline
    media: RemoteMedia | None = None  # None: media URLs are stored as they came (tests only)

    async def apply(
        self, source: SourceInfo, event: EventInfo, item: Item, *, filter_tags: bool = True
    ) -> bool:
        """Store, update or retract one item; True when a new post was stored. The event is
        read afresh (from the cache): a connector holds ``event`` for as long as it runs, and
        its hashtags and moderation mode may have changed since."""
        event = await self.pipeline.store.events.get_by_id(event.id)
        if isinstance(item, Update):
            known = await self.pipeline.store.sources.find_post(
                event.id, source.name, item.candidate.post.source_id
            )
            if known is not None:
                await self.update(source, event, known, item.candidate.post)
                return False
            item = item.candidate  # an edit of a post not seen yet: it is new here
        if isinstance(item, Candidate):
            if filter_tags and not item.matches(event.hashtags):
                return False
            post = replace(item.post, source=source.name)
            outcome = await self.pipeline.ingest(event, post, rehost=self.media is not None)
            return outcome.created
        if isinstance(item, Deletion):
            await self.retract(source, event, item.source_id)
        return False

    async def update(
        self, source: SourceInfo, event: EventInfo, known: PostRecord, edited: NewPost
    ) -> None:
        """Apply the author's edit to a stored post (pending or on the wall; decided ones stay)."""
        arrived = known.original or {"text": known.text, "media": known.media}
        media = await self.media.items(edited.media) if self.media else list(edited.media)
        if edited.text == arrived["text"] and media == arrived["media"]:
            return  # nothing the wall shows changed (a poll, a flag); a moderator's fix stays
        actor = f"source:{source.id}"
        for attempt in range(2):  # a moderator acting meanwhile: once more on the fresh version
            post = known if attempt == 0 else await self.pipeline.store.posts.get(known.id)
            if post.status not in RETRACTABLE:
                return
            try:
                version = post.version
                if post.status == Status.APPROVED.value:
                    verdict = await self.verdict(event, post, edited.text, media)
                    if verdict is not Status.APPROVED:
                        action = "hide" if verdict is Status.REJECTED else "requeue"
                        off = await self.pipeline.decide(post.id, action, version, actor, EDITED)
                        version = off.post.version
                await self.pipeline.edit(post.id, version, actor, edited.text, None, media)
                return
            except ValidationFailed:
                return  # already exactly this (a moderator typed the same fix)
            except Conflict:
                continue

    async def verdict(
        self, event: EventInfo, post: PostRecord, text: str, media: list[dict[str, Any]]
    ) -> Status:
        return await self.pipeline.judge.edit(event, post, text, media)

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
