"""X API v2 recent search: ``data`` tweets with ``includes.users`` and ``includes.media``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from wallserver.posts.records import NewPost
from wallserver.sources.items import Candidate, MalformedPayload, parse_time

log = logging.getLogger(__name__)
SOURCE = "x"
FIELDS = {
    "tweet.fields": "created_at,author_id,entities,attachments",
    "expansions": "author_id,attachments.media_keys",
    "user.fields": "name,username,profile_image_url",
    "media.fields": "url,preview_image_url,type,width,height,alt_text",
    "max_results": "100",
}


@dataclass(frozen=True, slots=True)
class Page:
    candidates: list[Candidate]  # oldest first
    newest_id: str | None
    next_token: str | None


def parse(body: dict[str, Any]) -> Page:
    if not isinstance(body, dict):
        raise MalformedPayload("a search response is a JSON object")
    includes, meta = _object(body.get("includes")), _object(body.get("meta"))
    users = _by(includes.get("users"), "id")
    media = _by(includes.get("media"), "media_key")
    found = []
    for tweet in _list(body.get("data")):
        try:
            found.append(candidate(tweet, users, media))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:  # costs only itself
            log.warning("recent search: skipped a tweet (%s: %s)", type(exc).__name__, exc)
    found.sort(key=lambda c: int(c.post.source_id))
    newest, following = meta.get("newest_id"), meta.get("next_token")
    return Page(
        found,
        str(newest) if isinstance(newest, str | int) else None,
        str(following) if isinstance(following, str) else None,
    )


def _by(items: Any, key: str) -> dict[str, dict[str, Any]]:
    """The objects of a list by their ``key`` (text); those without one are left out."""
    found = {}
    for item in _list(items):
        if isinstance(item, dict) and isinstance(item.get(key), str):
            found[item[key]] = item
    return found


def _object(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedPayload("expected a JSON object")
    return value


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload("expected a JSON list")
    return value


def candidate(
    tweet: dict[str, Any], users: dict[str, dict[str, Any]], media: dict[str, dict[str, Any]]
) -> Candidate:
    tweet_id = str(int(tweet["id"]))
    user = users.get(str(tweet.get("author_id"))) or {}
    username = str(user.get("username") or "")
    keys = (tweet.get("attachments") or {}).get("media_keys") or []
    post = NewPost(
        source=SOURCE,
        source_id=tweet_id,
        text=str(tweet["text"]),
        author_name=str(user.get("name") or username),
        author_handle=f"@{username}" if username else "",
        author_avatar_url=str(user.get("profile_image_url") or ""),
        media=[m for m in (attachment(media.get(k)) for k in keys) if m],
        url=f"https://x.com/{username or 'i'}/status/{tweet_id}",
        created_at=parse_time(tweet.get("created_at")),
    )
    tags = (tweet.get("entities") or {}).get("hashtags") or []
    return Candidate(post, frozenset(str(t.get("tag", "")).casefold() for t in tags) - {""})


def attachment(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if not item:
        return None
    url = item.get("url") or item.get("preview_image_url")
    if not url:
        return None
    return {
        "url": str(url),
        "kind": "image" if item.get("type") == "photo" else "video",
        "alt": str(item.get("alt_text") or ""),
        "width": item.get("width"),
        "height": item.get("height"),
    }
