"""Table rows to the post domain's records: the only place that knows both."""

from __future__ import annotations

from typing import Any

from wallserver.db.models import Event, Post
from wallserver.posts.records import EventInfo, PostRecord


def event_info(row: Event) -> EventInfo:
    assert row.id is not None
    return EventInfo(
        row.id,
        row.slug,
        row.name,
        list(row.hashtags),
        row.moderation,
        dict(row.rules),
        row.state,
        row.closing,
        row.ended_at,
        row.retention_days,
    )


def post_record(row: Post) -> PostRecord:
    assert row.id is not None
    return PostRecord(
        row.id,
        row.event_id,
        row.source,
        row.source_id,
        row.author_name,
        row.author_handle,
        row.author_avatar_url,
        row.text,
        list(row.media),
        row.url,
        row.created_at,
        row.received_at,
        row.status,
        row.pinned,
        row.version,
        row.rule,
        row.rule_reason,
        dict(row.original) if row.original else None,
        row.contact or "",
        bool(row.rehearsal),
    )


def post_from_mapping(m: Any) -> PostRecord:
    """A record from a Core result row (``row._mapping``) of the post table's columns."""
    return PostRecord(
        m["id"],
        m["event_id"],
        m["source"],
        m["source_id"],
        m["author_name"],
        m["author_handle"],
        m["author_avatar_url"],
        m["text"],
        list(m["media"]),
        m["url"],
        m["created_at"],
        m["received_at"],
        m["status"],
        m["pinned"],
        m["version"],
        m["rule"],
        m["rule_reason"],
        dict(m["original"]) if m["original"] else None,
        m["contact"] or "",
        bool(m.get("rehearsal", False)),
    )
