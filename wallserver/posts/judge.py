"""How the rules judge a post: the chain's view of it (a ``Candidate``, with the author's earlier
posts when a rule needs them) and the event's parsed rule set, kept per event.

Ingest, connectors' edits and the rules dry run all judge here, so a dry run decides exactly as
ingest would have and an edit is judged as if it had arrived so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moderation import Candidate, RuleSet, Status, evaluate, initial_status
from wallserver.dates import stored_utc
from wallserver.posts.records import EventInfo, NewPost, PostRecord
from wallserver.store import Store

HISTORY = 20  # earlier posts of the author the rate and duplicate rules look at


def candidate(
    *,
    source: str,
    author_name: str,
    author_handle: str,
    text: str,
    media: Sequence[dict[str, Any]],
    url: str,
    earlier: Sequence[PostRecord],
    now: float,
) -> Candidate:
    return Candidate(
        source=source,
        author_name=author_name,
        author_handle=author_handle,
        text=text,
        has_media=any(m.get("kind") != "emoji" for m in media),  # custom emoji are not media
        url=url,
        media_urls=tuple(str(m.get("url", "")) for m in media),
        now=now,
        recent_times=tuple(epoch(p.received_at) for p in earlier),
        recent_texts=tuple(p.text for p in earlier),
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """Where a post starts, and which rule put it there (empty when none spoke)."""

    status: Status
    rule: str = ""
    reason: str = ""


class Judge:
    """An event's rules, parsed once per version of them, applied to posts."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._parsed: dict[int, tuple[dict[str, Any], RuleSet]] = {}

    def rules(self, event: EventInfo) -> RuleSet:
        """The event's rule set; parsed again only when the event's rules are another object
        (the event cache hands out the same ``EventInfo`` until the rules change)."""
        known = self._parsed.get(event.id)
        if known is not None and known[0] is event.rules:
            return known[1]
        parsed = RuleSet.from_dict(event.rules)
        self._parsed[event.id] = (event.rules, parsed)
        return parsed

    async def arrival(self, event: EventInfo, new: NewPost) -> Verdict:
        """Where a new post starts."""
        return await self._judge(event, new, None)

    async def edit(
        self, event: EventInfo, post: PostRecord, text: str, media: list[dict[str, Any]]
    ) -> Status:
        """Where the rules would put the edited post had it arrived so (its history is what came
        before it, as in a dry run, so it is no near-duplicate of itself)."""
        edited = NewPost(
            post.source, post.source_id, text, post.author_name, post.author_handle,
            media=media, url=post.url,
        )  # fmt: skip
        return (await self._judge(event, edited, post.id)).status

    async def _judge(self, event: EventInfo, new: NewPost, before: int | None) -> Verdict:
        rules = self.rules(event)
        name, handle = new.author_name, new.author_handle
        earlier = await history(self.store, rules, event.id, handle, name, before)
        found = candidate(
            source=new.source,
            author_name=name,
            author_handle=handle,
            text=new.text,
            media=new.media,
            url=new.url,
            earlier=earlier,
            now=self.clock(),
        )
        decision = evaluate(rules, found)
        status = initial_status(decision, event.moderation)
        if decision is None:
            return Verdict(status)
        return Verdict(status, decision.rule, decision.reason)


async def history(
    store: Store, rules: RuleSet, event_id: int, handle: str, name: str, before: int | None = None
) -> list[PostRecord]:
    """The author's earlier posts, read only when a rule needs them."""
    if not rules.needs_history or not (handle or name):
        return []
    return await store.posts.by_author(event_id, handle, name, HISTORY, before)


class Histories:
    """Authors' earlier posts for judging many stored posts: one query per author, not per post."""

    def __init__(self, store: Store, rules: RuleSet, posts: Sequence[PostRecord]) -> None:
        self.store = store
        self.rules = rules
        self.groups: dict[tuple[str, str], list[int]] = {}
        for p in posts:
            self.groups.setdefault(_author(p), []).append(p.id)
        self.loaded: dict[tuple[str, str], list[PostRecord]] = {}

    async def before(self, post: PostRecord) -> list[PostRecord]:
        if not self.rules.needs_history or not (post.author_handle or post.author_name):
            return []
        key = _author(post)
        ids = self.groups.get(key, [post.id])
        limit = HISTORY + len(ids)
        if key not in self.loaded:
            self.loaded[key] = await self.store.posts.by_author(
                post.event_id, key[0], key[1], limit, max(ids) + 1
            )
        loaded = self.loaded[key]
        earlier = [p for p in loaded if p.id < post.id][:HISTORY]
        if len(earlier) < HISTORY and len(loaded) == limit:  # may be cut short: ask exactly
            return await history(self.store, self.rules, post.event_id, key[0], key[1], post.id)
        return earlier


def _author(post: PostRecord) -> tuple[str, str]:
    return (post.author_handle, "" if post.author_handle else post.author_name)


async def of_record(histories: Histories, post: PostRecord) -> Candidate:
    """A stored post as the rules saw it when it arrived."""
    earlier = await histories.before(post)
    return candidate(
        source=post.source,
        author_name=post.author_name,
        author_handle=post.author_handle,
        text=post.text,
        media=post.media,
        url=post.url,
        earlier=earlier,
        now=epoch(post.received_at),
    )


def epoch(value: datetime) -> float:
    """POSIX seconds; SQLite hands back naive datetimes, which are UTC here."""
    return stored_utc(value).timestamp()
