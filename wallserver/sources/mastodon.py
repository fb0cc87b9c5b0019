"""Mastodon: the `Status` entity and the streaming events `update`, `delete`, `status.update`.

Posts are keyed on the status ``uri`` (the ActivityPub id), which is the same on every instance,
so following a tag on several instances never shows a post twice. Boosts resolve to the
original. A ``delete`` event carries only the instance's local id, so the connector keeps a map
from local ids to uris (:func:`local_ids`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from wallserver.posts.records import NewPost
from wallserver.sources.items import Candidate, Deletion, Item, MalformedPayload, Update, parse_time
from wallserver.sources.text import html_to_text

SOURCE = "mastodon"
MEDIA_KINDS = {"image": "image", "gifv": "video", "video": "video"}
SHORTCODE = re.compile(r"[A-Za-z0-9_]{1,64}")
MAX_EMOJI = 20


def parse_status(status: dict[str, Any]) -> Candidate:
    """A ``Status`` (from REST or an ``update`` event) as a wall candidate; anything that is not
    one raises :class:`MalformedPayload`, whatever part of it is the wrong shape."""
    if not isinstance(status, dict):
        raise MalformedPayload("a status must be a JSON object")
    try:
        return _status(status)
    except (AttributeError, TypeError, ValueError) as exc:
        raise MalformedPayload(f"status of the wrong shape ({type(exc).__name__})") from exc


def _status(status: dict[str, Any]) -> Candidate:
    original = status.get("reblog") or status
    try:
        uri = str(original["uri"])
        account = original["account"]
        content = str(original.get("content") or "")
    except (KeyError, TypeError) as exc:
        raise MalformedPayload(f"status without {exc}") from exc
    text = html_to_text(content)
    warning = str(original.get("spoiler_text") or "").strip()
    if warning:
        text = f"{warning}\n\n{text}"
    name = str(account.get("display_name") or account.get("username") or "")
    found = [m for m in map(media, original.get("media_attachments") or []) if m]
    post = NewPost(
        source=SOURCE,
        source_id=uri[:200],
        text=text,
        author_name=name,
        author_handle=handle(account),
        author_avatar_url=str(account.get("avatar_static") or account.get("avatar") or ""),
        media=found + emojis(original, account, f"{text}\n{name}"),
        url=str(original.get("url") or uri),
        created_at=parse_time(original.get("created_at")),
    )
    tags = frozenset(
        str(t.get("name", "")).casefold() for t in original.get("tags") or [] if isinstance(t, dict)
    )
    return Candidate(post, tags - {""})


def handle(account: dict[str, Any]) -> str:
    """``@user@instance`` whether the account is local (``acct`` is bare) or remote."""
    acct = str(account.get("acct") or account.get("username") or "")
    if acct and "@" not in acct:
        host = urlsplit(str(account.get("url") or "")).hostname
        if host:
            acct = f"{acct}@{host}"
    return f"@{acct}" if acct else ""


def media(attachment: Any) -> dict[str, Any] | None:
    if not isinstance(attachment, dict):
        return None
    kind = MEDIA_KINDS.get(str(attachment.get("type")))
    url = attachment.get("url") or attachment.get("remote_url")
    if kind is None or not url:
        return None
    original = (attachment.get("meta") or {}).get("original") or {}
    return {
        "url": str(url),
        "kind": kind,
        "alt": str(attachment.get("description") or ""),
        "width": original.get("width"),
        "height": original.get("height"),
    }


def emojis(status: dict[str, Any], account: Any, text: str) -> list[dict[str, Any]]:
    """Custom emoji used in the text or the author's name, as ``media[]`` items of kind
    ``emoji`` (``{kind, shortcode, url, alt}``); the text keeps ``:shortcode:`` as plain text
    and a wall may draw the (re-hosted) picture in its place."""
    listed = list(status.get("emojis") or [])
    if isinstance(account, dict):
        listed += account.get("emojis") or []
    out: list[dict[str, Any]] = []
    for emoji in listed:
        if not isinstance(emoji, dict):
            continue
        code = str(emoji.get("shortcode") or "")
        url = emoji.get("static_url") or emoji.get("url")
        if not SHORTCODE.fullmatch(code) or not url or f":{code}:" not in text:
            continue
        if code not in {e["shortcode"] for e in out}:
            out.append({"kind": "emoji", "shortcode": code, "url": str(url), "alt": f":{code}:"})
    return out[:MAX_EMOJI]


def parse_event(event: str, payload: str, uris: dict[str, str]) -> Item | None:
    """One streaming event (SSE ``event``/``data``, or a WebSocket frame's fields).

    ``uris`` maps local status ids to uris, filled as statuses arrive, to resolve deletions.
    """
    if event in ("update", "status.update"):
        try:
            status = json.loads(payload)
        except ValueError as exc:
            raise MalformedPayload(f"{event}: payload is not JSON") from exc
        candidate = parse_status(status)
        uris[str(status.get("id"))] = candidate.post.source_id
        return candidate if event == "update" else Update(candidate)
    if event == "delete":
        local = payload.strip().strip('"')
        uri = uris.get(local)
        return Deletion(uri) if uri else None
    return None  # notifications, filters_changed, ... are not for the wall


def parse_frame(frame: str, uris: dict[str, str]) -> Item | None:
    """A WebSocket frame: ``{"stream": [...], "event": ..., "payload": "<json string>"}``."""
    try:
        message = json.loads(frame)
        return parse_event(str(message["event"]), str(message.get("payload", "")), uris)
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedPayload("streaming frame is not an event") from exc


def local_ids(statuses: list[dict[str, Any]], uris: dict[str, str], keep: int = 2000) -> None:
    """Remember local id -> uri for statuses seen over REST, keeping the newest ``keep``."""
    for status in statuses:
        if isinstance(status, dict) and "id" in status and "uri" in status:
            uris[str(status["id"])] = str(status["uri"])
    while len(uris) > keep:
        uris.pop(next(iter(uris)))
