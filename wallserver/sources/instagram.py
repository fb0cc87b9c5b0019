"""Instagram Graph API: ``ig_hashtag_search`` gives the tag's id, ``recent_media`` its posts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from wallserver.posts.records import NewPost
from wallserver.sources.items import Candidate, MalformedPayload, parse_time

log = logging.getLogger(__name__)
SOURCE = "instagram"
FIELDS = "id,caption,media_type,media_url,permalink,timestamp,children{media_url,media_type}"
KINDS = {"IMAGE": "image", "VIDEO": "video", "CAROUSEL_ALBUM": "image"}


@dataclass(frozen=True, slots=True)
class Page:
    candidates: list[Candidate]
    after: str | None


def hashtag_id(body: dict[str, Any]) -> str:
    """The id from an ``ig_hashtag_search`` response; MalformedPayload when the tag is unknown."""
    try:
        return str(body["data"][0]["id"])
    except (KeyError, IndexError, TypeError) as exc:
        raise MalformedPayload("ig_hashtag_search found no such hashtag") from exc


def parse(body: dict[str, Any], tag: str) -> Page:
    """A ``recent_media`` page. The API gives no author for hashtag media, only the permalink."""
    if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
        raise MalformedPayload("recent_media response without a data list")
    found = []
    for item in body.get("data") or []:
        if not isinstance(item, dict) or "id" not in item:
            log.warning("recent_media: skipped media without an id")
            continue
        try:
            found.append(candidate(item, tag))
        except (AttributeError, TypeError, ValueError) as exc:  # one bad item costs only itself
            log.warning("recent_media: skipped media %s (%s)", item.get("id"), exc)
    found.sort(key=lambda c: c.post.created_at.timestamp() if c.post.created_at else 0)
    paging = body.get("paging")
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return Page(found, after if isinstance(after, str) else None)


def candidate(item: dict[str, Any], tag: str) -> Candidate:
    kind = KINDS.get(str(item.get("media_type")), "image")
    url = item.get("media_url")
    if not url:  # a carousel carries its pictures in children
        children = (item.get("children") or {}).get("data") or []
        url = next((c.get("media_url") for c in children if c.get("media_url")), None)
    media = [{"url": str(url), "kind": kind, "alt": "", "width": None, "height": None}]
    caption = str(item.get("caption") or "")
    post = NewPost(
        source=SOURCE,
        source_id=str(item["id"]),
        text=caption,
        media=media if url else [],
        url=str(item.get("permalink") or ""),
        created_at=parse_time(item.get("timestamp")),
    )
    words = {w.lstrip("#").casefold() for w in caption.split() if w.startswith("#")}
    return Candidate(post, frozenset(words | {tag.casefold()}))
