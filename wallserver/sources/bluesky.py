"""Bluesky through Jetstream: ``commit`` events of the ``app.bsky.feed.post`` collection, and
``app.bsky.feed.searchPosts`` results (``PostView``) for the authenticated backfill.

Each event carries ``time_us``, the cursor Jetstream replays from on reconnect. Hashtags come
from the record's ``#tag`` facets and its ``tags`` array. Image embeds are resolved to CDN URLs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import Any

from wallserver.posts.records import NewPost
from wallserver.sources.items import Candidate, Deletion, Item, MalformedPayload, parse_time

log = logging.getLogger(__name__)
SOURCE = "bluesky"
COLLECTION = "app.bsky.feed.post"
TAG_FACET = "app.bsky.richtext.facet#tag"
CDN = "https://cdn.bsky.app/img/feed_fullsize/plain"


@dataclass(frozen=True, slots=True)
class Event:
    time_us: int
    item: Item | None


def parse(raw: str | bytes) -> Event:
    """One Jetstream message; ``item`` is None for identity/account events and other records."""
    try:
        message = json.loads(raw)
        time_us = int(message["time_us"])
        did = str(message["did"])
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedPayload("not a Jetstream event") from exc
    commit = message.get("commit")
    if message.get("kind") != "commit" or not isinstance(commit, dict):
        return Event(time_us, None)
    if commit.get("collection") != COLLECTION:
        return Event(time_us, None)
    uri = f"at://{did}/{COLLECTION}/{commit.get('rkey', '')}"
    operation = commit.get("operation")
    if operation == "delete":
        return Event(time_us, Deletion(uri))
    if operation != "create" or not isinstance(commit.get("record"), dict):
        return Event(time_us, None)
    return Event(time_us, candidate(did, str(commit.get("rkey", "")), commit["record"]))


def candidate(did: str, rkey: str, record: dict[str, Any]) -> Candidate:
    """A post record as a wall candidate; MalformedPayload whatever part is the wrong shape."""
    try:
        return _candidate(did, rkey, record)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise MalformedPayload(f"post record of the wrong shape ({type(exc).__name__})") from exc


def _candidate(did: str, rkey: str, record: dict[str, Any]) -> Candidate:
    post = NewPost(
        source=SOURCE,
        source_id=f"at://{did}/{COLLECTION}/{rkey}",
        text=str(record.get("text") or ""),
        author_handle=did,
        media=images(did, record.get("embed")),
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        created_at=parse_time(record.get("createdAt")),
    )
    return Candidate(post, hashtags(record))


@dataclass(frozen=True, slots=True)
class SearchPage:
    candidates: list[Candidate]  # newest first, as ``sort=latest`` answers
    cursor: str | None
    indexed: list[str]  # each post's ``indexedAt``, in the same order


def search_page(body: dict[str, Any]) -> SearchPage:
    """An ``app.bsky.feed.searchPosts`` response; a post view that is not one is skipped (and
    logged), so one bad post never stops the backfill of those after it."""
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
        raise MalformedPayload("searchPosts response without posts")
    found, indexed = [], []
    for view in body["posts"]:
        try:
            uri = str(view["uri"])
            author = view["author"]
            did = str(author["did"])
            record = view["record"]
        except (KeyError, TypeError) as exc:
            log.warning("searchPosts: skipped a post view without %s", exc)
            continue
        prefix = f"at://{did}/{COLLECTION}/"
        if not uri.startswith(prefix) or not isinstance(record, dict):
            continue
        try:
            c = candidate(did, uri.removeprefix(prefix), record)
        except MalformedPayload as exc:
            log.warning("searchPosts: skipped %s (%s)", uri, exc)
            continue
        handle = str(author.get("handle") or "")
        post = replace(
            c.post,
            author_name=str(author.get("displayName") or handle),
            author_handle=f"@{handle}" if handle else did,
            author_avatar_url=str(author.get("avatar") or ""),
        )
        found.append(Candidate(post, c.tags))
        indexed.append(str(view.get("indexedAt") or record.get("createdAt") or ""))
    cursor = body.get("cursor")
    return SearchPage(found, str(cursor) if cursor else None, indexed)


def hashtags(record: dict[str, Any]) -> frozenset[str]:
    found = {str(t).casefold() for t in record.get("tags") or [] if isinstance(t, str)}
    for facet in record.get("facets") or []:
        for feature in (facet or {}).get("features") or []:
            if isinstance(feature, dict) and feature.get("$type") == TAG_FACET:
                found.add(str(feature.get("tag", "")).lstrip("#").casefold())
    return frozenset(found - {""})


def images(did: str, embed: Any) -> list[dict[str, Any]]:
    if not isinstance(embed, dict):
        return []
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media") or {}
    if embed.get("$type") != "app.bsky.embed.images":
        return []
    out = []
    for image in embed.get("images") or []:
        blob = (image or {}).get("image") or {}
        link = (blob.get("ref") or {}).get("$link")
        if not link:
            continue
        ratio = image.get("aspectRatio") or {}
        out.append(
            {
                "url": f"{CDN}/{did}/{link}@jpeg",
                "kind": "image",
                "alt": str(image.get("alt") or ""),
                "width": ratio.get("width"),
                "height": ratio.get("height"),
            }
        )
    return out


def profile(body: dict[str, Any]) -> dict[str, str]:
    """Author fields from an ``app.bsky.actor.getProfile`` response."""
    if not isinstance(body, dict) or not body.get("did"):
        raise MalformedPayload("getProfile response without a did")
    handle = str(body.get("handle") or "")
    return {
        "author_name": str(body.get("displayName") or handle),
        "author_handle": f"@{handle}" if handle else str(body["did"]),
        "author_avatar_url": str(body.get("avatar") or ""),
    }
