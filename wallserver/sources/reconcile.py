"""Deletion reconciliation: which posts to ask the network about, and what its answers mean.

Deletions are heard live (a Mastodon ``delete``, a Jetstream delete commit), so a post deleted
while the stream was down, or whose delete the connector could not resolve, would stay on the
wall. After every (re)connect and then every ``WALL_SOURCE_RECONCILE_SECONDS``, the connectors
of networks that can answer "does this post still exist?" ask about the source's recent posts
still on the wall or waiting (pending or approved, received within :data:`WINDOW`, the newest
:data:`LIMIT`), and retract the ones the network says are gone. Only a clear "gone" retracts:
an error, a timeout or an answer of the wrong shape leaves every post where it is.

This module is the pure half (no I/O); the network calls live in each connector and the loop
that runs them beside the stream in :mod:`wallserver.sources.context`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from wallserver.sources.items import MalformedPayload

WINDOW = timedelta(hours=24)  # posts received longer ago are not checked
LIMIT = 100  # posts checked per pass at most (Mastodon allows 300 requests per 5 minutes)
GET_POSTS = 25  # URIs per app.bsky.feed.getPosts call, the API's maximum


class Answer(Enum):
    PRESENT = "present"
    DELETED = "deleted"
    UNKNOWN = "unknown"


def since(now: datetime) -> datetime:
    """The oldest arrival time a pass looks at."""
    return now - WINDOW


def mastodon_answer(status: int) -> Answer:
    """``GET /api/v1/statuses/:id``: 200 is there, 404 and 410 are gone, the rest says nothing
    (a 5xx, a 429, a 401 from an instance that wants a token are no evidence of a deletion)."""
    if status == 200:
        return Answer.PRESENT
    if status in (404, 410):
        return Answer.DELETED
    return Answer.UNKNOWN


def local_ids(source_ids: Iterable[str], uris: dict[str, str]) -> dict[str, str]:
    """The instance's local id for each status uri the connector has seen there (the cursor's
    ``uris``, local id -> uri); a uri it never saw locally cannot be asked about and is left out."""
    local: dict[str, str] = {}
    for lid, uri in uris.items():  # a boost maps to its original's uri too: ask the oldest id,
        if uri not in local or (len(lid), lid) < (len(local[uri]), local[uri]):  # the original
            local[uri] = lid
    return {uri: local[uri] for uri in source_ids if uri in local}


def batches(items: list[str], size: int = GET_POSTS) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def missing_posts(asked: list[str], body: Any) -> list[str]:
    """The asked at:// URIs an ``app.bsky.feed.getPosts`` answer (``{"posts": [PostView]}``)
    leaves out: deleted at the source. MalformedPayload when the answer is not that shape."""
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
        raise MalformedPayload("getPosts response without posts")
    found = set()
    for view in body["posts"]:
        if not isinstance(view, dict) or not isinstance(view.get("uri"), str):
            raise MalformedPayload("getPosts: a post view without a uri")
        found.add(view["uri"])
    return [uri for uri in asked if uri not in found]
