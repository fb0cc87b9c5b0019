"""The post pipeline: the one path every new post takes, and what a moderator's decision does.

``ingest`` owns a new post's walk: lookup (a repeat of ``(source, source_id)`` is answered from
the store and goes no further) -> re-host its remote files -> judge it by the event's rules ->
durable write -> publish. ``/ingest``, ``/submissions``, signed webhooks and every connector call
it, so none of them can skip or reorder a step.

Lookups and writes are grouped (``batching``): posts arriving together are looked up in one
read and stored in one transaction with one fsync; each caller is answered only after its batch
committed, with its own result or its own error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from moderation import Status
from wallserver import protocol
from wallserver.claims import ClaimTable, LocalClaims
from wallserver.dates import stored_utc
from wallserver.lifecycle import check_open
from wallserver.media.remote import RemoteMedia
from wallserver.metrics import Metrics
from wallserver.posts.batching import Batcher
from wallserver.posts.judge import Judge
from wallserver.posts.records import EventInfo, NewPost, PostRecord
from wallserver.store import Store, arrivals
from wallserver.store.arrivals import Arrival
from wallserver.store.posts import Outcome
from wallserver.store.wall import WallMessage
from wallserver.stream.feed import ModerationFeed
from wallserver.stream.hub import Hub

Key = tuple[int, str, str]
BATCH = 256  # posts per transaction at most


@dataclass
class Pipeline:
    store: Store
    hub: Hub
    feed: ModerationFeed
    metrics: Metrics
    claims: ClaimTable = field(default_factory=LocalClaims)  # see wallserver/claims.py
    media: RemoteMedia | None = None  # None: remote URLs are stored as they came (tests only)

    def __post_init__(self) -> None:
        self.judge = Judge(self.store)
        self.lookups: Batcher[Key, PostRecord | None] = Batcher(
            self._find, limit=BATCH, name="post-lookups"
        )
        self.writes: Batcher[Arrival, Outcome] = Batcher(
            self._write, limit=BATCH, name="post-writes"
        )

    async def close(self) -> None:
        """Store what is waiting, then stop taking posts; close the re-hoster."""
        await self.writes.close()
        await self.lookups.close()
        if self.media is not None:
            await self.media.aclose()

    async def ingest(self, event: EventInfo, new: NewPost, *, rehost: bool = True) -> Outcome:
        """A new post's whole walk; a repeat of ``(source, source_id)`` returns the stored
        post with ``created`` False. ``rehost=False`` for posts whose files are local already
        (uploads). 409 for an event in draft or ended (``wallserver/lifecycle.py``). The event
        is read afresh (from the cache), as a connector may hold ``event`` for hours: its state,
        moderation mode and rules are the ones of the moment the post arrives."""
        event = await self.store.events.get_by_id(event.id)
        check_open(event.state)
        known = await self.lookups.submit((event.id, new.source, new.source_id))
        if known is not None:  # a repeat (bridge retry, connector replay): nothing to decide
            return Outcome(known, False, [])
        if rehost and self.media is not None:
            new = await self.media.localise(new)
        verdict = await self.judge.arrival(event, new)
        outcome = await self.writes.submit(
            Arrival(event.id, new, verdict.status, verdict.rule, verdict.reason)
        )
        if outcome.created:
            self.metrics.posts_received.labels(event.slug, new.source, outcome.post.status).inc()
            await self._announce(outcome, protocol.QUEUE_NEW)
        return outcome

    async def record(self, event_id: int, new: NewPost, status: Status) -> Outcome:
        """Store a post whose status was decided elsewhere (an import, a test's history): the
        same grouped write as ingest, without the lookup, the re-hosting or the rules."""
        outcome = await self.writes.submit(Arrival(event_id, new, status))
        if outcome.created:
            await self._announce(outcome, protocol.QUEUE_NEW)
        return outcome

    async def _find(self, keys: Sequence[Key]) -> list[PostRecord | None]:
        found = await self.store.db.batch_read(lambda conn: arrivals.find(conn, list(keys)))
        return [found.get(k) for k in keys]

    async def _write(self, arrivals: Sequence[Arrival]) -> list[Outcome | BaseException]:
        """One transaction for the batch; should it fail, each post alone, so a post that
        cannot be stored fails by itself and takes no other down with it."""
        try:
            return list(await self._commit(list(arrivals)))
        except Exception:
            if len(arrivals) == 1:
                raise
        results: list[Outcome | BaseException] = []
        for arrival in arrivals:
            try:
                results.extend(await self._commit([arrival]))
            except Exception as exc:
                results.append(exc)
        return results

    async def _commit(self, batch: list[Arrival]) -> list[Outcome]:
        return await self.store.db.batch_write(lambda conn: self._store(conn, batch))

    def _store(self, conn: Connection, batch: list[Arrival]) -> list[Outcome]:
        """The batch's transaction (on a worker thread): the posts and their audit rows, and a
        ``post.show`` in the wall log for each one the rules approved."""
        stored = arrivals.add(conn, batch)
        shown: dict[int, list[PostRecord]] = {}
        for record, created in stored:
            if created and record.status == Status.APPROVED.value:
                shown.setdefault(record.event_id, []).append(record)
        messages: dict[int, WallMessage] = {}
        # Events in id order, as every batch locks them (each bump locks the event's row), so two
        # instances' batches that span the same events cannot deadlock.
        for event_id, records in sorted(shown.items()):
            appended = arrivals.append_wall(
                conn, event_id, [protocol.post_show(r) for r in records], [r.id for r in records]
            )
            messages.update(zip((r.id for r in records), appended, strict=True))
        return [
            Outcome(record, created, [messages[record.id]] if record.id in messages else [])
            for record, created in stored
        ]

    async def decide(
        self, post_id: int, action: str, version: int, actor: str, reason: str = ""
    ) -> Outcome:
        outcome = await self.store.posts.decide(post_id, action, version, actor, reason)
        # Claims steer offers; versions settle races: a claim is not a lock, so a decision by
        # anyone still counts once. The decider's own claim is done with.
        await self.claims.release(outcome.post.event_id, [post_id], actor)
        waited = (datetime.now(UTC) - stored_utc(outcome.post.received_at)).total_seconds()
        self.metrics.decided(action, waited, actor)
        await self._announce(outcome, protocol.QUEUE_UPDATE)
        return outcome

    async def edit(
        self,
        post_id: int,
        version: int,
        actor: str,
        text: str | None,
        alts: list[str] | None,
        media: list[dict[str, Any]] | None = None,
    ) -> Outcome:
        """A caption or alt-text edit (a moderator's), or new text and media (an author's edit
        at the source): stored with the original, then published."""
        outcome = await self.store.posts.edit(post_id, version, actor, text, alts, media)
        await self._announce(outcome, protocol.QUEUE_UPDATE)
        return outcome

    async def claim(self, event: EventInfo, post_ids: list[int], actor: str) -> dict[str, Any]:
        """Claim posts for one moderator; every console hears which are taken."""
        got, taken = await self.claims.claim(event.id, post_ids, actor)
        if got:
            await self.feed.publish(event.id, protocol.queue_claim(got))
        return {"claimed": protocol.claim_views(got), "taken": protocol.claim_views(taken)}

    async def release(self, event: EventInfo, post_ids: list[int], actor: str) -> list[int]:
        released = await self.claims.release(event.id, post_ids, actor)
        if released:
            await self.feed.publish(event.id, protocol.queue_release(released))
        return released

    async def claimed_by(self, event_id: int, post_ids: list[int]) -> dict[int, str]:
        """Who holds a claim on each of these posts (posts nobody claimed are left out)."""
        return await self.claims.holders(event_id, post_ids)

    async def pause(self, event: EventInfo, paused: bool) -> int:
        """The kill switch: blank (or restore) every screen of the event; returns the seq."""
        message = await self.store.wall.control(event.id, protocol.wall_paused(paused))
        self.metrics.fanout.published([message])
        await self.hub.publish([message])
        await self.feed.publish(event.id, protocol.feed_paused(paused, message.seq))
        return message.seq

    async def _announce(self, outcome: Outcome, kind: str) -> None:
        """``kind``: ``queue.new`` or ``queue.update`` (wallserver.protocol)."""
        self.metrics.fanout.published(outcome.messages)
        await self.hub.publish(outcome.messages)
        await self.feed.publish(outcome.post.event_id, protocol.queue_post(kind, outcome.post))
