"""RSS and Atom feeds through feedparser: every entry is a candidate, keyed on its id or link."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import feedparser

from wallserver.dates import from_struct
from wallserver.posts.records import NewPost
from wallserver.sources.items import Candidate, MalformedPayload
from wallserver.sources.text import html_to_text

log = logging.getLogger(__name__)
SOURCE = "rss"


def parse(body: bytes) -> list[Candidate]:
    """The entries of a feed document, oldest first."""
    feed = feedparser.parse(body)
    if feed.bozo and not feed.entries:
        raise MalformedPayload(f"not a feed: {feed.get('bozo_exception')}")
    found = [c for c in map(safe_entry, feed.entries) if c is not None]
    return sorted(found, key=lambda c: c.post.created_at or datetime.min.replace(tzinfo=UTC))


def safe_entry(item: Any) -> Candidate | None:
    """:func:`entry`, or None (logged) for an entry that breaks it: one costs only itself."""
    try:
        return entry(item)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        log.warning("feed: skipped an entry (%s: %s)", type(exc).__name__, exc)
        return None


def entry(item: Any) -> Candidate | None:
    key = item.get("id") or item.get("link")
    if not key:
        return None
    title = html_to_text(item.get("title", ""))
    summary = html_to_text(item.get("summary", ""))
    text = title if not summary or summary.startswith(title) else f"{title}\n\n{summary}"
    media = [
        {"url": e["href"], "kind": "image", "alt": "", "width": None, "height": None}
        for e in item.get("enclosures", []) + item.get("media_content", [])
        if str(e.get("type", "")).startswith("image/") and e.get("href", e.get("url"))
        for e in [{**e, "href": e.get("href") or e.get("url")}]
    ]
    stamp = item.get("published_parsed") or item.get("updated_parsed")
    post = NewPost(
        source=SOURCE,
        source_id=str(key)[:200],
        text=(summary or title) if title == summary else text,
        author_name=str(item.get("author", "")),
        url=str(item.get("link", "")),
        media=media,
        created_at=from_struct(stamp),
    )
    tags = frozenset(
        str(t.get("term", "")).lstrip("#").casefold() for t in item.get("tags", []) or []
    )
    return Candidate(post, tags - {""})
