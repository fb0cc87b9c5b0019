"""The post pipeline: what happens when a post arrives and when a moderator decides.

It ties the rule chain, the store and the live streams together, so routers, the CLI and
connectors all go through the same steps: rules, durable write, then publish.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from moderation import Candidate, RuleSet, evaluate, initial_status
from moderation.claims import Claim
from wallserver import candidates
from wallserver.claims import ClaimTable, LocalClaims
from wallserver.metrics import Metrics
from wallserver.store import EventInfo, NewPost, Store
from wallserver.store.posts import Outcome
from wallserver.stream.feed import ModerationFeed
from wallserver.stream.hub import Hub


@dataclass
class Pipeline:
    store: Store
    hub: Hub
    feed: ModerationFeed
    metrics: Metrics
    claims: ClaimTable = field(default_factory=LocalClaims)  # see wallserver/claims.py

    async def ingest(self, event: EventInfo, new: NewPost) -> Outcome:
        """Run the rules, store the post durably, then tell walls and moderators."""
        known = await self.store.posts.find(event.id, new.source, new.source_id)
        if known is not None:  # a repeat (bridge retry, connector replay): nothing to decide
            return Outcome(known, False, [])
        rules = RuleSet.from_dict(event.rules)
        candidate = await self.candidate(event, new, rules)
        decision = evaluate(rules, candidate)
        status = initial_status(decision, event.moderation)
        outcome = await self.store.posts.insert(
            event,
            new,
            status,
            rule=decision.rule if decision else "",
            reason=decision.reason if decision else "",
        )
        if outcome.created:
            self.metrics.posts_received.labels(new.source, outcome.post.status).inc()
            await self._announce(outcome, "queue.new")
        return outcome

    async def candidate(self, event: EventInfo, new: NewPost, rules: RuleSet) -> Candidate:
        """What the rules see; the author's recent posts are read only when a rule needs them."""
        earlier = await candidates.history(
            self.store, rules, event.id, new.author_handle, new.author_name
        )
        return candidates.candidate(
            source=new.source,
            author_name=new.author_name,
            author_handle=new.author_handle,
            text=new.text,
            media=new.media,
            url=new.url,
            earlier=earlier,
            now=time.time(),
        )

    async def decide(
        self, post_id: int, action: str, version: int, actor: str, reason: str = ""
    ) -> Outcome:
        outcome = await self.store.posts.decide(post_id, action, version, actor, reason)
        # Claims steer offers; versions settle races: a claim is not a lock, so a decision by
        # anyone still counts once. The decider's own claim is done with.
        await self.claims.release(outcome.post.event_id, [post_id], actor)
        self.metrics.decisions.labels(action).inc()
        await self._announce(outcome, "queue.update")
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
        await self._announce(outcome, "queue.update")
        return outcome

    async def claim(self, event: EventInfo, post_ids: list[int], actor: str) -> dict[str, Any]:
        """Claim posts for one moderator; every console hears which are taken."""
        got, taken = await self.claims.claim(event.id, post_ids, actor)
        if got:
            await self.feed.publish(event.id, {"type": "queue.claim", "claims": claim_views(got)})
        return {"claimed": claim_views(got), "taken": claim_views(taken)}

    async def release(self, event: EventInfo, post_ids: list[int], actor: str) -> list[int]:
        released = await self.claims.release(event.id, post_ids, actor)
        if released:
            await self.feed.publish(event.id, {"type": "queue.release", "post_ids": released})
        return released

    async def claimed_by(self, event_id: int, post_ids: list[int]) -> dict[int, str]:
        """Who holds a claim on each of these posts (posts nobody claimed are left out)."""
        return await self.claims.holders(event_id, post_ids)

    async def pause(self, event: EventInfo, paused: bool) -> int:
        """The kill switch: blank (or restore) every screen of the event; returns the seq."""
        message = await self.store.wall.control(
            event.id, {"type": "wall.pause" if paused else "wall.resume"}
        )
        await self.hub.publish([message])
        await self.feed.publish(
            event.id, {"type": "wall.paused", "paused": paused, "seq": message.seq}
        )
        return message.seq

    async def _announce(self, outcome: Outcome, kind: str) -> None:
        await self.hub.publish(outcome.messages)
        await self.feed.publish(
            outcome.post.event_id, {"type": kind, "post": outcome.post.moderator_view()}
        )


def claim_views(claims: list[Claim]) -> list[dict[str, Any]]:
    return [{"post_id": c.post_id, "by": c.holder, "until": round(c.until, 3)} for c in claims]
