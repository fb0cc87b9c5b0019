"""The post pipeline: what happens when a post arrives and when a moderator decides.

It ties the rule chain, the store and the live streams together, so routers, the CLI and
connectors all go through the same steps: rules, durable write, then publish.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from moderation import Candidate, RuleSet, evaluate, initial_status
from wallserver.metrics import Metrics
from wallserver.store import EventInfo, NewPost, Store
from wallserver.store.posts import Outcome
from wallserver.store.records import PostRecord
from wallserver.stream.feed import ModerationFeed
from wallserver.stream.hub import Hub


@dataclass
class Pipeline:
    store: Store
    hub: Hub
    feed: ModerationFeed
    metrics: Metrics

    async def ingest(self, event: EventInfo, new: NewPost) -> Outcome:
        """Run the rules, store the post durably, then tell walls and moderators."""
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
        earlier: list[PostRecord] = []
        if rules.needs_history and (new.author_handle or new.author_name):
            earlier = await self.store.posts.by_author(event.id, new.author_handle, new.author_name)
        return candidate_of(new, earlier, time.time())

    async def decide(
        self, post_id: int, action: str, version: int, actor: str, reason: str = ""
    ) -> Outcome:
        outcome = await self.store.posts.decide(post_id, action, version, actor, reason)
        self.metrics.decisions.labels(action).inc()
        await self._announce(outcome, "queue.update")
        return outcome

    async def _announce(self, outcome: Outcome, kind: str) -> None:
        await self.hub.publish(outcome.messages)
        await self.feed.publish(
            outcome.post.event_id, {"type": kind, "post": outcome.post.moderator_view()}
        )


def candidate_of(new: NewPost, earlier: list[PostRecord], now: float) -> Candidate:
    """A post as the rule chain sees it, with the author's earlier posts (newest first)."""
    return Candidate(
        source=new.source,
        author_name=new.author_name,
        author_handle=new.author_handle,
        text=new.text,
        has_media=bool(new.media),
        url=new.url,
        media_urls=tuple(str(m.get("url", "")) for m in new.media),
        now=now,
        recent_times=tuple(_epoch(p.received_at) for p in earlier),
        recent_texts=tuple(p.text for p in earlier),
    )


def _epoch(value: datetime) -> float:
    """POSIX seconds; SQLite hands back naive datetimes, which are UTC here."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
