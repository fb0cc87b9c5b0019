"""What a source follows, and the part of its cursor that belongs to that.

A Mastodon, X or Instagram source follows one tag (``config["tag"]``); a Bluesky source follows
the event's hashtags. When that changes (an admin fixed the event's hashtags,
``EventStore.update``), the supervisor restarts the source, and the cursor keys that only make
sense for the old tag are dropped, so the new tag is read from its newest posts: Mastodon's
``min_id`` (a position in the old tag's timeline), X's ``since_id``, Instagram's
``hashtag_id`` (the old tag's id) and Bluesky's ``search_since``. What identifies posts already
stored (Mastodon's uris, seen ids, Jetstream's ``time_us``) stays: repeats are still recognised.

The cursor remembers what it was written for under ``follows``; a cursor without it (written
before this existed) is taken to belong to what the source follows now.
"""

from __future__ import annotations

from typing import Any

from wallserver.posts.records import EventInfo
from wallserver.store.sources import SourceInfo

BOUND: dict[str, tuple[str, ...]] = {
    "mastodon": ("min_id",),
    "x": ("since_id",),
    "instagram": ("hashtag_id",),
    "bluesky": ("search_since",),
}


def follows(source: SourceInfo, event: EventInfo) -> list[str]:
    """The tags the source reads, folded, in a stable order; [] for feeds and webhooks."""
    tag = source.config.get("tag")
    if isinstance(tag, str) and tag:
        return [tag.lstrip("#").casefold()]
    if source.kind == "bluesky":
        return sorted({t.lstrip("#").casefold() for t in event.hashtags})
    return []


def cursor_for(source: SourceInfo, event: EventInfo) -> dict[str, Any]:
    """The stored cursor to start from, without what belonged to tags no longer followed."""
    cursor = dict(source.cursor)
    now = follows(source, event)
    if "follows" in cursor and cursor["follows"] != now:
        for key in BOUND.get(source.kind, ()):
            cursor.pop(key, None)
    cursor["follows"] = now
    return cursor
