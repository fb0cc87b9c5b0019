"""Posts as the rule chain sees them, with the author's earlier posts, for ingest and dry runs.

Both paths build candidates here, so a dry run decides exactly as ingest would have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from moderation import Candidate, RuleSet
from wallserver.store import Store
from wallserver.store.records import PostRecord

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
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
